"""The answer engine on the real index: citations, shapes, follow-ups, abstention."""
from __future__ import annotations

import re

import pytest

from assistant.engine import InvalidFilter


def assert_citations_valid(engine, answer):
    assert answer.citations, answer.answer
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert numbers == {c.n for c in answer.citations}
    for c in answer.citations:
        doc = engine.document(c.document_id)
        assert doc["text"][c.start:c.end] == c.quote


def test_figure_question_leads_with_the_figure(engine):
    a = engine.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    assert not a.abstained and a.mode == "extractive"
    first_sentence = a.answer.split("[1]")[0]
    assert "3.340" in first_sentence
    assert_citations_valid(engine, a)


def test_duplicate_passage_is_cited_once_with_both_sources(engine):
    a = engine.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    quotes = [c.quote for c in a.citations]
    assert len(quotes) == len(set(quotes))
    figure = next(c for c in a.citations if "3.340" in c.quote)
    assert {figure.document_id} | {x.document_id for x in figure.alternates} >= {"001_0c61ab01f839f040",
                                                                                  "003_2af3d99aaebb0ece"}


@pytest.mark.parametrize("question", ["Wat heeft de sector Provincies gedaan?", "wij als IPO: wat hebben we gedaan?",
                                      "What did the provinces do?"])
def test_sector_overview_per_document_with_results(engine, question):
    a = engine.ask(question)
    assert a.intent == "sectoroverzicht"
    assert a.answer.index("2016") < a.answer.index("april 2017")
    assert "Activiteiten:" in a.answer and "Gevolgen:" in a.answer
    assert "49,78" in a.answer and "109,53" in a.answer
    assert {c.document_id for c in a.citations} >= {"001_0c61ab01f839f040", "003_2af3d99aaebb0ece"}
    assert_citations_valid(engine, a)


def test_knelpunten_are_listed_with_solutions(engine):
    a = engine.ask("Wat zijn de grootste ervaren knelpunten?")
    assert a.intent == "knelpunten"
    for needle in ("Bureaucratie bij uitbesteding", "Meeteltermijn", "complexe opgave", "betrouwbare cijfers"):
        assert needle in a.answer
    assert a.answer.count("Voorgestelde oplossing") >= 2
    assert_citations_valid(engine, a)


@pytest.mark.parametrize("history,question,expect", [
    ([("user", "Wat heeft de sector Gemeenten gedaan?")], "En bij de provincies?", "IPO"),
    ([("user", "Wat heeft Defensie gedaan?")], "Wat waren daarvan de gevolgen?", "kennisniveau"),
    ([("user", "Hoeveel garantiebanen realiseerden de provincies ultimo 2016?")], "Hoe zag dat er een jaar eerder uit?",
     "49,78"),
])
def test_follow_ups_carry_sector_topic_and_period(engine, history, question, expect):
    turns = [{"role": r, "content": c} for r, c in history]
    a = engine.ask(question, history=turns)
    assert not a.abstained and expect in a.answer
    assert a.resolved_question and a.resolved_question != question


@pytest.mark.parametrize("question", [
    "Hoeveel garantiebanen heeft de sector Gemeenten in 2019 gerealiseerd?",
    "Wat heeft de bouwsector gedaan aan garantiebanen?",
    "Hoeveel garantiebanen heeft de gemeente Amsterdam gerealiseerd?",
    "Wat vindt de Tweede Kamerfractie van de VVD van het quotum?",
    "What were the results of the quota in 2022?",
])
def test_abstains_when_the_documents_do_not_answer(engine, question):
    a = engine.ask(question)
    assert a.abstained and not a.citations
    assert a.answer.startswith("Dat staat niet in de documenten")
    assert a.related, "the nearest passages are offered"


def test_filters_narrow_the_answer(engine):
    a = engine.ask("Welke activiteiten zijn er ondernomen?", filters={"sector": ["waterschappen"]})
    assert a.citations and all(c.sector == "waterschappen" for c in a.citations)


@pytest.mark.parametrize("filters,message", [
    ({"sector": ["bakkers"]}, "Onbekende sector"),
    ({"document_id": ["bestaat-niet"]}, "Onbekend document"),
    ({"kleur": ["rood"]}, "Onbekend filter"),
    ({"year": ["vorig jaar"]}, "geen getal"),
])
def test_wrong_filters_are_clear_errors(engine, filters, message):
    with pytest.raises(InvalidFilter, match=message):
        engine.ask("Wat heeft Defensie gedaan?", filters=filters)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_refused(engine, question):
    with pytest.raises(ValueError, match="leeg"):
        engine.ask(question)


def test_stream_yields_text_then_the_answer(engine):
    items = list(engine.stream("Wat zijn de grootste ervaren knelpunten?"))
    pieces = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert len(pieces) > 1 and "".join(pieces) == final.answer


def test_timings_are_reported(engine):
    a = engine.ask("Wanneer werd de aanjager benoemd?")
    assert {"retrieve_ms", "answer_ms", "total_ms"} <= set(a.timings)


def test_a_synonym_the_documents_do_not_use_is_not_a_reason_to_abstain(engine):
    a = engine.ask("Wat doen de universiteiten voor arbeidsgehandicapten?")
    assert not a.abstained and a.citations


def test_a_count_question_is_answered_when_the_document_counts_the_compounds_head(engine):
    a = engine.ask("Hoeveel garantiebanen moet de sector Rijk in 10 jaar realiseren?")
    assert not a.abstained and "3.340" in a.answer.split("[1]")[0]
