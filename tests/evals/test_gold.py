"""The dev (gold) and blind test question sets: valid against the corpus, covering the users' questions."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from assistant.settings import PROJECT_ROOT
from evals.gold import CATEGORIES, Supporting, corpus_texts, fact_present, load_gold, load_set, validate

CORPUS = str(PROJECT_ROOT / "data" / "corpus")


@pytest.mark.parametrize("name", ["dev", "test"])
def test_question_set_is_valid_against_the_corpus(name):
    questions = load_set(name)
    assert validate(questions, corpus_texts(CORPUS)) == []
    assert all(q.category in CATEGORIES for q in questions)
    assert all(q.history for q in questions if q.category == "vervolg")
    assert all(q.lang == "en" for q in questions if q.category == "engels")
    assert all(not q.answerable and not q.key_facts for q in questions if q.category == "onbeantwoordbaar")


def test_dev_set_covers_the_users():
    gold = load_set("dev")
    assert gold == load_gold()  # the gold set is the dev set
    assert len(gold) >= 100
    cats = Counter(q.category for q in gold)
    assert cats["onbeantwoordbaar"] >= 12
    assert all(cats[c] >= 5 for c in ("sector", "alias", "cijfers", "knelpunten", "plan", "memo", "vergelijking",
                                      "vervolg", "engels"))
    sectors = {q.sector for q in gold if q.sector}
    assert len(sectors - {"vso"}) >= 15  # the 14 sectors and the cabinet


def test_test_set_is_large_and_varied():
    test = load_set("test")
    assert len(test) >= 100
    assert sum(1 for q in test if not q.answerable) >= 15
    cats = Counter(q.category for q in test)
    for c in ("informeel", "parafrase", "vervolg", "engels", "waarom"):
        assert cats[c] >= 1, c
    assert len({q.id for q in test}) == len(test)


def test_multi_part_why_questions_have_a_fact_per_part():
    why = [q for q in load_set("test") if q.category == "waarom"]
    assert why
    multi = [q for q in why if " en " in q.question]
    assert len(multi) >= len(why) // 2
    for q in multi:
        assert len(q.key_facts) >= 2, q.id


def test_test_set_is_blind():
    dev = load_set("dev")
    test = load_set("test")
    assert not {q.id for q in dev} & {q.id for q in test}

    def key(q):  # a follow-up is the same question only with the same history
        return q.question.strip().lower(), tuple(t.get("content", "").strip().lower() for t in q.history)

    overlap = {key(q) for q in dev} & {key(q) for q in test}
    assert overlap == set(), f"test questions copied from the dev set: {sorted(overlap)}"


def test_validator_catches_a_made_up_quote_and_a_missing_fact():
    gold = load_gold()
    q = next(q for q in gold if q.supporting)
    bad = [replace(q, supporting=[Supporting(q.supporting[0].document_id, "Deze zin staat nergens in het corpus.")]),
           replace(q, id="q999", key_facts=[["een feit dat niet in het antwoord staat"]]),
           replace(q, id="q998", category="geen-categorie"),
           replace(q, id="q998")]
    problems = validate(bad, corpus_texts(CORPUS))
    assert any("citaat niet gevonden" in p for p in problems)
    assert any("kernfeit" in p for p in problems)
    assert any("onbekende categorie" in p for p in problems)
    assert any("dubbel id" in p for p in problems)


@pytest.mark.parametrize("facts,text,found", [
    (["14"], "in 2014 begon het", False),
    (["14"], "er zijn 14 banen", True),
    (["14"], "14.", True),
    (["2014"], "eind 2014 vastgesteld", True),
    (["1.000"], "1.000.000 euro", False),
    (["1.000"], "ruim 1.000 banen.", True),
    (["3.340"], "in 10 jaar 3.340 extra banen", True),
    (["3.340"], "in 10 jaar 13.340 extra banen", False),
    (["1,93"], "1,93% van de uren", True),
    (["1,93", "1.93"], "1.93 percent", True),
    (["88"], "doel was minimaal 88 (fte)", True),
    (["88"], "188 fte", False),
    (["jaar"], "jaarlijks", False),
    (["Nationale Politie"], "bij de nationale\npolitie", True),
    (["op target"], "die “op target” zaten", True),
])
def test_key_facts_match_whole_words_only(facts, text, found):
    assert fact_present(facts, text) is found
