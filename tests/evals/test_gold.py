from __future__ import annotations

from collections import Counter
from dataclasses import replace

from assistant.settings import PROJECT_ROOT
from evals.gold import Supporting, corpus_texts, load_gold, validate


def test_gold_set_is_valid_and_covers_the_users():
    gold = load_gold()
    assert len(gold) >= 100
    problems = validate(gold, corpus_texts(str(PROJECT_ROOT / "data" / "corpus")))
    assert problems == []
    cats = Counter(q.category for q in gold)
    assert cats["onbeantwoordbaar"] >= 12
    assert all(cats[c] >= 5 for c in ("sector", "alias", "cijfers", "knelpunten", "plan", "memo", "vergelijking",
                                      "vervolg", "engels"))
    assert all(q.history for q in gold if q.category == "vervolg")
    sectors = {q.sector for q in gold if q.sector}
    assert len(sectors - {"vso"}) >= 15  # the 14 sectors and the cabinet


def test_validator_catches_a_made_up_quote_and_a_missing_fact():
    gold = load_gold()
    q = gold[0]
    bad = [replace(q, supporting=[Supporting(q.supporting[0].document_id, "Deze zin staat nergens in het corpus.")]),
           replace(q, id="q999", key_facts=[["een feit dat niet in het antwoord staat"]])]
    problems = validate(bad, corpus_texts(str(PROJECT_ROOT / "data" / "corpus")))
    assert any("citaat niet gevonden" in p for p in problems)
    assert any("kernfeit" in p for p in problems)
