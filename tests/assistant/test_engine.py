"""The answer engine on the real index: citations, answer shapes, abstention, typos, filters."""
from __future__ import annotations

import re

import pytest

from assistant.engine import InvalidFilter
from index.retriever import SearchFilters

ANNEX_2016 = "001_0c61ab01f839f040"
UPDATE_2017 = "003_2af3d99aaebb0ece"


def assert_quotes_valid(engine, answer, citations):
    for c in citations:
        doc = engine.document(c.document_id)
        assert doc is not None, c.document_id
        assert doc["text"][c.start:c.end] == c.quote, (c.n, c.quote)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert set(numbers) == {c.n for c in citations}, answer.answer
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))


def assert_citations_valid(engine, answer):
    assert answer.citations, answer.answer
    assert_quotes_valid(engine, answer, answer.citations)


_LABEL = re.compile(r"(?i)^((tabel|table|figuur|figure|bijlage|hoofdstuk)\s+[\dIVX]+\w?\b.{0,120}|(geplande\s+)?"
                    r"(activiteiten|gevolgen|resultaten)(\s+(19|20)\d\d)?:?)$")


def looks_like_heading(quote: str, section: str) -> bool:
    """A caption, a section title or a bare label ("Gevolgen", "Activiteiten 2016"): never an answer line."""
    q = quote.strip().rstrip(".:")
    return bool(_LABEL.match(q)) or q in {p.strip() for p in section.split("›")}


def bullets(answer) -> list[str]:
    return [ln[2:].strip() for ln in answer.answer.split("\n") if ln.startswith("- ")]


# -- direct answers ------------------------------------------------------------------------

def test_figure_question_leads_with_the_figure(engine):
    a = engine.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    assert not a.abstained and a.mode == "extractive" and a.intent == "vraag"
    assert "3.340" in a.answer.split("[1]")[0]
    assert "3.340" in a.citations[0].quote
    assert_citations_valid(engine, a)


def test_a_count_question_is_answered_when_the_document_counts_the_compounds_head(engine):
    a = engine.ask("Hoeveel garantiebanen moet de sector Rijk in 10 jaar realiseren?")
    assert not a.abstained and "3.340" in a.answer.split("[1]")[0]


def test_duplicate_passage_is_cited_once_with_both_sources(engine):
    a = engine.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    quotes = [re.sub(r"\s+", " ", c.quote) for c in a.citations]
    assert len(quotes) == len(set(quotes))
    figure = [c for c in a.citations if "3.340" in c.quote]
    assert len(figure) == 1
    assert {figure[0].document_id} | {x.document_id for x in figure[0].alternates} >= {ANNEX_2016, UPDATE_2017}


@pytest.mark.parametrize("question", [
    "Wat doet de VSNU aan lerende netwerken?",
    "Wat doen de umc's aan jobcarving?",
    "Wat is Binnenwerk?",
    "Wanneer werd de aanjager benoemd?",
    "Hoeveel garantiebanen realiseerden de provincies ultimo 2016?",
    "Wat houdt de driedeling bij gemeenten in?",
])
def test_a_specific_question_gets_a_direct_answer_of_at_most_four_sentences(engine, question):
    a = engine.ask(question)
    assert not a.abstained and a.intent == "vraag", a.answer
    assert 1 <= len(a.citations) <= 4
    assert len(set(re.findall(r"\[(\d+)\]", a.answer))) <= 4
    assert "per document:" not in a.answer
    assert_citations_valid(engine, a)


def test_a_specific_sector_question_answers_that_point(engine):
    a = engine.ask("Wat doet de VSNU aan lerende netwerken?")
    assert a.intent == "vraag"
    assert "Lerend netwerk" in a.answer
    assert all(c.sector == "universiteiten" for c in a.citations)


def test_the_year_question_answers_from_that_year(engine):
    a = engine.ask("Hoeveel garantiebanen realiseerden de provincies ultimo 2016?")
    assert "109,53" in a.answer.split("[1]")[0]


# -- sector overview -----------------------------------------------------------------------

@pytest.mark.parametrize("question", ["Wat heeft de sector Provincies gedaan?", "What did the provinces do?",
                                      "Wat hebben de provincies gedaan?"])
def test_sector_overview_per_document_in_date_order(engine, question):
    a = engine.ask(question)
    assert not a.abstained and a.intent == "sectoroverzicht"
    assert "Provincies" in a.answer.split("\n")[0]
    assert a.answer.index("2016") < a.answer.index("april 2017")
    assert {c.document_id for c in a.citations} >= {ANNEX_2016, UPDATE_2017}
    assert all(c.sector == "provincies" for c in a.citations)
    # per document in date order: the citations of the 2016 annex come first
    docs = [c.document_id for c in a.citations]
    assert docs.index(UPDATE_2017) > max(i for i, d in enumerate(docs) if d == ANNEX_2016)
    assert "49,78" in a.answer
    assert_citations_valid(engine, a)


def test_sector_overview_folds_repeats(engine):
    a = engine.ask("Wat heeft de sector Provincies gedaan?")
    assert re.search(r"\d+ punt(en)? uit een eerder document herhaald", a.answer)
    quotes = [re.sub(r"\s+", " ", c.quote) for c in a.citations]
    assert len(quotes) == len(set(quotes))


def test_sector_overview_shows_a_point_once_within_a_document(engine):
    """The 2017 update states some points twice, under two sectors' headings and in other capitals: one bullet each."""
    a = engine.ask("Wat heeft de VO-raad gedaan?")
    assert a.intent == "sectoroverzicht"
    for block in a.answer.split("\n\n")[1:]:
        points = [re.sub(r"\s*\[\d+\]$", "", b).lower() for b in block.split("\n") if b.startswith("- ")]
        assert len(points) == len(set(points)), block


def test_sector_overview_keeps_a_newer_figure(engine):
    a = engine.ask("Wat heeft de sector Provincies gedaan?")
    assert "49,78" in a.answer and "109,53" in a.answer


def test_an_alias_in_the_users_voice_gets_the_overview(engine):
    a = engine.ask("wij als IPO: wat hebben we gedaan?")
    assert a.intent == "sectoroverzicht"


def test_a_results_question_gets_results_only(engine):
    a = engine.ask("Wat heeft de sector Gemeenten bereikt?")
    assert a.intent == "sectoroverzicht" and a.answer.startswith("Resultaten")
    assert a.citations and all(c.sector == "gemeenten" for c in a.citations)
    assert all(c.section.rstrip().endswith("Gevolgen") for c in a.citations), [c.section for c in a.citations]


def test_overview_heading_names_the_sector_once(engine):
    a = engine.ask("Wat heeft de sector Provincies gedaan?")
    assert a.answer.split("\n")[0] == "Wat de sector Provincies deed, per document:"


def test_activities_and_their_results_get_mostly_results(engine):
    """Asked for both ("welke gevolgen hadden de activiteiten"), each document shows more results than activities."""
    a = engine.ask("Welke gevolgen hadden de activiteiten bij de waterschappen?")
    assert a.intent == "sectoroverzicht"
    results = [c for c in a.citations if c.section.rstrip().endswith("Gevolgen")]
    assert len(results) >= 2 and len(results) > len(a.citations) - len(results), [c.section for c in a.citations]


def test_every_sector_overview_cites_that_sector_and_shows_no_heading(engine):
    for sec in engine.vocab.sectors:
        if sec.id == "vso":
            continue
        a = engine.ask(f"Wat heeft de sector {sec.name} gedaan?")
        assert not a.abstained and a.intent == "sectoroverzicht", (sec.id, a.answer[:200])
        assert all(c.sector == sec.id for c in a.citations), sec.id
        assert_citations_valid(engine, a)
        for c in a.citations:
            assert not looks_like_heading(c.quote, c.section), (sec.id, c.quote)
        for b in bullets(a):
            assert not _LABEL.match(re.sub(r"\s*\[\d+\]$", "", b).rstrip(".:")), (sec.id, b)


# -- knelpunten ----------------------------------------------------------------------------

def test_knelpunten_are_listed_with_solutions(engine):
    a = engine.ask("Welke knelpunten zijn er?")
    assert a.intent == "knelpunten"
    assert "Voorgestelde oplossing" in a.answer
    assert_citations_valid(engine, a)


@pytest.mark.parametrize("question", ["Welke knelpunten zijn er?", "Wat zijn de grootste ervaren knelpunten?"])
def test_the_knelpunten_list_names_the_documents_problems(engine, question):
    a = engine.ask(question)
    assert a.intent == "knelpunten"
    for needle in ("Bureaucratie bij uitbesteding", "Meeteltermijn"):
        assert needle in a.answer


# -- what no answer line may look like -----------------------------------------------------

QUESTIONS = [
    "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?",
    "Wat heeft de sector Defensie gedaan?",
    "Wat heeft de sector Onderzoeksinstellingen gedaan?",
    "Welke knelpunten zijn er?",
    "Wat doen de universiteiten voor arbeidsgehandicapten?",
    "Wat staat er in het plan van aanpak van het VSO?",
    "Wat zegt de voortgangsmemo over de 1-meting?",
    "Hoe hoog is de boete als een sector het quotum niet haalt?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_answer_line_is_cut_off_or_a_caption(engine, question):
    a = engine.ask(question)
    for line in a.answer.split("\n"):
        assert not line.rstrip().endswith(("…", "...")), line
    for b in bullets(a):
        assert not _LABEL.match(re.sub(r"\s*\[\d+\]$", "", b).rstrip(".:")), b
    for c in a.citations + a.related:
        assert not looks_like_heading(c.quote, c.section), c.quote
        assert len(c.quote.split()) >= 3, c.quote


# -- abstention ----------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "Hoe hoog is de boete als een sector het quotum niet haalt?",  # an amount the documents do not give
    "Wat heeft de sector banken en verzekeraars gedaan?",  # a sector outside the documents
    "Hoeveel garantiebanen heeft de gemeente Amsterdam gerealiseerd?",  # an organisation the documents do not name
    "Wat vindt minister Jansen van de banenafspraak?",  # a person the documents do not name
    "Hoeveel garantiebanen realiseerden de provincies in 2021?",  # a year after the documents
    "Wat heeft staatssecretaris Karel de Jong gezegd over de banenafspraak?",  # a full name the documents lack
    "Welke rol heeft de Sociale Verzekeringsbank?",  # an organisation whose first word the documents use ("sociale")
    "Hoeveel banen realiseerden de waterschappen in 2016?",  # the documents count their meetings, not their jobs
    "Hoeveel garantiebanen heeft de mbo-sector gerealiseerd?",  # a sector named in a compound, with no figure
])
def test_abstains_when_the_documents_do_not_answer(engine, question):
    a = engine.ask(question)
    assert a.abstained and not a.citations and a.intent == "onbekend"
    assert a.answer.startswith("Dat staat niet in de documenten")
    assert "niet in de documenten" in a.answer
    assert a.related, "the nearest passages are offered"
    assert "Wel staat er" in a.answer
    assert_quotes_valid(engine, a, a.related)


@pytest.mark.parametrize("question,missing", [
    ("Hoe hoog is de boete als een sector het quotum niet haalt?", "bedrag"),
    ("Wat vindt minister Jansen van de banenafspraak?", "'Jansen'"),
    ("Hoeveel garantiebanen realiseerden de provincies in 2021?", "2021"),
    ("Hoeveel garantiebanen heeft de gemeente Amsterdam gerealiseerd?", "'Amsterdam'"),
    ("Wat heeft staatssecretaris Karel de Jong gezegd over de banenafspraak?", "'Karel de Jong'"),
    ("Hoeveel banen realiseerden de waterschappen in 2016?", "Waterschappen"),
    ("Hoeveel garantiebanen heeft de mbo-sector gerealiseerd?", "Middelbaar beroepsonderwijs"),
])
def test_the_abstention_says_what_is_missing(engine, question, missing):
    a = engine.ask(question)
    assert a.abstained
    reason = a.answer.split("Wel staat er")[0]
    assert missing in reason


@pytest.mark.parametrize("question", ["Hoeveel garantiebanen heeft de sector Gemeenten in 2019 gerealiseerd?",
                                      "Waarom heeft de bouwsector geen garantiebanen?"])
def test_what_is_missing_is_never_a_question_word(engine, question):
    from index.retriever import SearchFilters

    engine._prepare()
    q = engine.understand(question)
    hits = engine.retrieve(q, SearchFilters(), 8)
    quiet = dict.fromkeys(("money_missing", "number_missing", "year_missing"), 0.0)
    missing = " ".join(engine.policy.missing(q, quiet, hits)).lower()
    for word in ("hoeveel", "waarom", "gerealiseerd", "garantiebanen"):
        assert f"'{word}'" not in missing, missing


@pytest.mark.parametrize("question", [
    "Wat doen de universiteiten voor arbeidsgehandicapten?",  # a long word the documents never use
    "Welk percentage van de verloonde uren geldt in 2018 voor het quotum?",  # about 2018, which the plan covers
    "What percentage of paid hours applies to the quota in 2018?",
    "What did the police do?",  # a sector named in English is understood, not an unknown word
    "Wanneer werd de aanjager benoemd?",  # short, every word covered: nothing argues for declining
    "wat doet defensie eigenlijk",  # an everyday filler word the documents never use
])
def test_answerable_questions_are_not_declined(engine, question):
    a = engine.ask(question)
    assert not a.abstained and a.citations, a.answer
    assert_citations_valid(engine, a)


def test_the_2018_figure_is_given(engine):
    a = engine.ask("Welk percentage van de verloonde uren geldt in 2018 voor het quotum?")
    assert "1,93%" in a.answer.split("[1]")[0]


# -- typos and sectors ---------------------------------------------------------------------

@pytest.mark.parametrize("question,sector", [
    ("Wat heeft defensi gedaan?", "defensie"),
    ("wat hebben de waterschapen gedaan", "waterschappen"),
    ("Wat hebben de hogeschollen gedaan?", "hbo"),
])
def test_a_misspelt_sector_finds_its_own_rows(engine, question, sector):
    a = engine.ask(question)
    assert not a.abstained and a.intent == "sectoroverzicht"
    assert a.citations and all(c.sector == sector for c in a.citations)
    hits = engine.search(question, k=3)
    assert hits[0].sector == sector and sum(h.sector == sector for h in hits) >= 2, [h.sector for h in hits]


@pytest.mark.parametrize("question", ["Hoeveel garantiebanen realiseerde de sector Politie?",
                                      "hoeveel garantiebanen hebben de universiteiten in 2016 gerealiseerd"])
def test_a_figure_for_another_sector_is_not_passed_off(engine, question):
    """The documents give no count for this sector: the decline names the missing figure (the sector's own, or any
    count at all where its passages hold none: "vanaf 2017" is a year, not a count) and shows what they do say."""
    a = engine.ask(question)
    assert a.abstained, a.answer
    said = a.answer.split("Wel staat er")[0]
    assert "dat cijfer voor" in said or "het gevraagde aantal" in said, a.answer
    assert a.related  # what the documents do say


def test_a_figure_for_the_named_sector_leads_before_a_higher_scored_one(engine):
    """Two passages give a number of extra jobs, the overall one scoring higher: the one for the sector asked comes
    first and the question is answered, not declined as if the documents lacked the sector's figure."""
    a = engine.ask("Hoeveel extra banen zijn er voor de sector Rijk afgesproken?")
    assert not a.abstained, a.answer
    assert "3.340" in a.citations[0].quote, a.answer


def test_filters_narrow_the_answer(engine):
    a = engine.ask("Welke activiteiten zijn er ondernomen?", filters={"sector": ["waterschappen"]})
    assert not a.abstained
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
    items = list(engine.stream("Wat heeft de sector Provincies gedaan?"))
    pieces = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert len(pieces) > 1 and "".join(pieces) == final.answer


def test_stream_of_an_abstention(engine):
    items = list(engine.stream("Wat vindt minister Jansen van de banenafspraak?"))
    assert items[-1].abstained and "".join(i for i in items if isinstance(i, str)) == items[-1].answer


def test_timings_are_reported(engine):
    a = engine.ask("Wanneer werd de aanjager benoemd?")
    assert {"understand_ms", "retrieve_ms", "answer_ms", "total_ms"} <= set(a.timings)


def test_search_repairs_typos_and_boosts_the_sector(engine):
    hits = engine.search("garantiebaanen Rijk 10 jaar", k=5)
    assert any("3.340" in h.text for h in hits[:3])
    with pytest.raises(ValueError, match="leeg"):
        engine.search("  ")


def test_a_two_part_question_gets_a_sentence_for_each_part(engine):
    engine._prepare()
    q = engine.understand("Waarom is de meeteltermijn een probleem en welke oplossing wordt voorgesteld?")
    assert q.parts == [] and q.facet == "solution"  # the second part asks a solution for the same problem
    a = engine.ask(q.text)
    assert not a.abstained and len(a.citations) >= 2, a.answer
    problem = [c for c in a.citations if "oplossing" not in c.quote.lower()]
    solution = [c for c in a.citations if "oplossing" in c.quote.lower()]
    assert problem and solution, a.answer  # one sentence per part, not one sentence for both
    assert_citations_valid(engine, a)


def test_a_second_part_without_a_subject_of_its_own_gets_its_answer_near_the_first(engine):
    """"… en wat wordt voorgesteld?" asks the solution of the same problem: the sentence that proposes it, though it
    shares no word with the question, joins the answer in place of a weaker one."""
    engine._prepare()
    question = "Waarom vallen doorgegroeide werknemers uit het doelgroepenregister en wat wordt voorgesteld?"
    q = engine.understand(question)
    assert q.facet == "solution" and q.parts == []
    a = engine.ask(question)
    assert not a.abstained and "twee jaar" in a.answer and "in dienst blijft" in a.answer, a.answer
    assert sum(len(c.quote.split()) for c in a.citations) <= engine.settings.answer_word_budget
    # a second part with a subject of its own is a part, not a facet
    own = engine.understand("Waarom vallen werknemers uit het register en wat doen de waterschappen aan scholing?")
    assert own.facet is None and len(own.parts) == 2


@pytest.mark.parametrize("question", [
    "Welke afspraken zijn er met gemeenten, provincies, en waterschappen gemaakt?",  # a list, not two questions
    "Wat doen gemeenten om mensen aan het werk te helpen?",
])
def test_a_question_that_asks_one_thing_has_no_parts(engine, question):
    engine._prepare()
    assert engine.understand(question).parts == []


def test_a_word_that_only_starts_like_a_month_is_a_topic(engine):
    """"decentralisatie" is not "december": it counts as the question's subject for the shape decision, where a
    month would only narrow the period."""
    engine._prepare()
    q = engine.understand("Wat heeft de sector Gemeenten gedaan aan decentralisatie?")
    assert engine.shape_features(q, [])["topical"] == 1.0
    assert engine.shape_features(engine.understand("Wat heeft de sector Gemeenten in december gedaan?"), [])["topical"] == 0.0


@pytest.mark.parametrize("question", ["Hoe komen leerlingen van het praktijkonderwijs in het doelgroepregister?",
                                      "Waarom is de meeteltermijn een probleem en welke oplossing wordt voorgesteld?",
                                      "Wat doet het Rijk met jobcarving?"])
def test_a_direct_answer_keeps_to_the_word_budget(engine, question):
    a = engine.ask(question)
    quoted = [len(c.quote.split()) for c in a.citations]
    assert len(quoted) == 1 or sum(quoted) <= engine.settings.answer_word_budget, a.answer


def test_a_question_naming_one_knelpunt_is_answered_directly(engine):
    a = engine.ask("Wat is het probleem met de meeteltermijn van het doelgroepenregister?")
    assert a.intent != "knelpunten" and not a.answer.startswith("De documenten noemen deze knelpunten"), a.answer
    assert "meeteltermijn" in a.answer.lower()
    assert_citations_valid(engine, a)


def test_the_sentence_that_refers_back_to_the_best_one_is_kept(engine):
    """"… behoren automatisch tot het doelgroepregister" is finished by "Zij dienen zich wel zelf te melden …"."""
    a = engine.ask("Hoe komen leerlingen van het praktijkonderwijs in het doelgroepregister?")
    assert "automatisch" in a.answer and "melden" in a.answer, a.answer
    assert_citations_valid(engine, a)


def test_an_overview_question_with_a_year_gets_the_overview(engine):
    engine._prepare()
    q = engine.understand("NFU: wat hebben de umc's in 2016 opgezet?")
    assert engine.shape(q, engine.evidence(q, engine.retrieve(q, SearchFilters(), 8))) == "overview"


def test_a_missing_name_is_named_once(engine):
    a = engine.ask("Wat heeft minister Koolmees gezegd over het activeren van het quotum?")
    assert a.abstained, a.answer
    assert a.answer.split("Wel staat er")[0].count("Koolmees") == 1, a.answer


def test_a_joined_earlier_question_lends_no_entities(engine):
    """The capitalised first word of the earlier question ("Hoeveel") is no name the documents should give."""
    engine._prepare()
    q = engine.understand("en bij de kennisgroep P&O? — Hoeveel mensen kwamen er op de bijeenkomsten van de PO-Raad?")
    assert "Hoeveel" not in q.entities


def test_the_sentence_the_best_one_refers_back_to_is_kept(engine):
    """"Het Borisproject dat hiervoor ontwikkeld is …" needs the sentence before it, which says what it is for."""
    a = engine.ask("Wat is het Borisproject?")
    assert "Borisproject" in a.answer and "stageplek" in a.answer, a.answer
    assert_citations_valid(engine, a)


@pytest.mark.parametrize("question, stated", [
    ("Aan wie is de voortgangsmemo van Hans Spigt gericht?", "staatssecretaris van SZW"),
    ("Wanneer is de voortgangsmemo van de aanjager verstuurd?", "13 oktober 2016"),
])
def test_a_question_about_a_documents_sender_or_date_is_answered_from_its_letterhead(engine, question, stated):
    """A document's opening lines say what it is rather than what it reports, and weigh less as evidence; not for a
    question that asks who sent it or when."""
    a = engine.ask(question)
    assert not a.abstained, a.answer
    assert stated in a.answer, a.answer
    assert_citations_valid(engine, a)
