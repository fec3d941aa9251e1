"""Language detection by py3langid, on the gold questions (their category says which are English)."""
from __future__ import annotations

from assistant.language import is_english, language
from evals.gold import load_gold


def test_gold_questions_are_classified_by_their_language():
    gold = load_gold()
    # the unanswerable questions mix both languages and have no language category of their own
    wrong = [q.question for q in gold
             if q.category != "onbeantwoordbaar" and is_english(q.question) != (q.category == "engels")]
    assert sum(q.category == "engels" for q in gold) >= 10
    assert wrong == []


def test_short_dutch_questions_with_english_looking_words_stay_dutch():
    for q in ("Wanneer is de aanjager gestopt?", "Wie is de minister in 2020?", "En bij de provincies?",
              "Wat is Team Inclusief?"):
        assert language(q) == "nl", q


def test_text_without_letters_counts_as_dutch():
    assert language("3.340?") == "nl" and not is_english("")


def test_a_gloss_in_parentheses_does_not_decide_the_language():
    assert language("When was the social agreement (sociaal akkoord) signed?") == "en"
    assert language("Wat is de banenafspraak (the jobs agreement) precies?") == "nl"
    assert language("(sociaal akkoord)") == "nl"  # nothing outside the brackets: the whole text decides
