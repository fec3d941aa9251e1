"""Follow-up questions on the real index: elliptical ones carry the earlier subject, new topics stand alone."""
from __future__ import annotations

import pytest


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "…"}]


@pytest.fixture(scope="module")
def resolver(engine):
    engine._prepare()
    return engine.resolver


def test_a_new_sector_replaces_the_old_one(resolver, engine):
    r = resolver.resolve("En bij de provincies?", user("Wat heeft de sector Gemeenten gedaan?"))
    assert r.carried and r.previous == "Wat heeft de sector Gemeenten gedaan?"
    q = engine.understand(r.text)
    assert q.sectors == ["provincies"] and q.has("overview")
    assert "gemeenten" not in r.text.lower()


def test_a_new_sector_follow_up_is_answered_for_that_sector(engine):
    a = engine.ask("En bij de provincies?", history=user("Wat heeft de sector Gemeenten gedaan?"))
    assert not a.abstained and a.intent == "sectoroverzicht"
    assert a.resolved_question and "Provincies" in a.resolved_question
    assert a.citations and all(c.sector == "provincies" for c in a.citations)


@pytest.mark.parametrize("question", ["En wat was het resultaat?", "Wat waren daarvan de gevolgen?"])
def test_results_of_the_earlier_subject(engine, question):
    a = engine.ask(question, history=user("Wat heeft Defensie gedaan?"))
    assert not a.abstained and a.resolved_question and a.resolved_question != question
    assert a.citations and all(c.sector == "defensie" for c in a.citations)
    assert any(c.section.rstrip().endswith("Gevolgen") for c in a.citations), [c.section for c in a.citations]
    assert "kennisniveau" in a.answer  # Defensie's first result: "Het kennisniveau ... is vergroot"


def test_a_year_earlier_shifts_the_period(resolver):
    r = resolver.resolve("Hoe zag dat er een jaar eerder uit?",
                         user("Hoeveel garantiebanen realiseerden de provincies ultimo 2016?"))
    assert r.carried and "2015" in r.text and "2016" not in r.text and "provincies" in r.text


def test_a_year_earlier_is_answered_from_that_year(engine):
    a = engine.ask("Hoe zag dat er een jaar eerder uit?",
                   history=user("Hoeveel garantiebanen realiseerden de provincies ultimo 2016?"))
    assert not a.abstained and "49,78" in a.answer


def test_a_year_alone_asks_the_earlier_question_for_that_year(resolver, engine):
    previous = "Hoeveel garantiebanen hebben de provincies in 2016 gerealiseerd?"
    r = resolver.resolve("En in 2015?", user(previous))
    assert r.carried and r.text == previous.replace("2016", "2015")
    a = engine.ask("En in 2015?", history=user(previous))
    assert not a.abstained and "49,78" in a.answer, a.answer


@pytest.mark.parametrize("previous,question,expected", [
    ("Hoeveel garantiebanen in 2016?", "En in 2014 en 2015?", "Hoeveel garantiebanen in 2014 en 2015?"),
    ("Hoeveel garantiebanen in 1999?", "En in 2015?", "Hoeveel garantiebanen in 2015?"),
    ("Wat deden de provincies tussen 2014 en 2016?", "en in 2017?", "Wat deden de provincies in 2017?"),
])
def test_years_asked_replace_every_year_of_the_earlier_question(resolver, previous, question, expected):
    assert resolver.resolve(question, user(previous)).text == expected


def test_a_follow_up_with_a_question_of_its_own_drops_only_the_conjunction(resolver, engine):
    r = resolver.resolve("en wat doen de waterschappen", user("Wat heeft de VNG voor gemeenten gedaan?"))
    assert r.carried and r.text == "Wat doen de waterschappen"
    assert engine.understand(r.text).sectors == ["waterschappen"]  # nothing of the VNG or the gemeenten is left


@pytest.mark.parametrize("question", ["en hoe zat dat eind 2015?", "En hoe stond het er in 2015 voor?"])
def test_a_year_with_a_pronoun_asks_the_earlier_subject_for_that_year(resolver, engine, question):
    """A year says when, not what: "en hoe zat dat eind 2015?" continues the earlier question, for 2015."""
    previous = "Wat was het doel van de provincies voor 2016?"
    r = resolver.resolve(question, user(previous))
    assert r.carried and "provincies" in r.text and "2015" in r.text and "2016" not in r.text, r.text
    a = engine.ask(question, history=user(previous))
    assert not a.abstained and a.citations and all(c.sector == "provincies" for c in a.citations), a.answer


@pytest.mark.parametrize("question", ["Hoeveel mensen die onder de banenafspraak vallen werkten er in 2016?",
                                      "En hoeveel garantiebanen waren er landelijk in 2015?"])
def test_a_year_question_with_a_subject_of_its_own_stands_alone(resolver, question):
    r = resolver.resolve(question, user("Wat was het doel van de provincies voor 2016?"))
    assert not r.carried and r.text == question


@pytest.mark.parametrize("previous,question,kept", [
    # the earlier question had a subject beyond its sector: the new sector takes the old one's place in it
    ("Hoeveel garantiebanen hebben de provincies in 2016 gerealiseerd?", "En hoeveel bij de waterschappen?",
     ["garantiebanen", "2016", "Waterschappen"]),
    # a year is part of the earlier question's subject when the new question has none of its own
    ("Wat deden de provincies in 2016?", "Waarom lukte dat niet?", ["2016", "provincies"]),
])
def test_a_follow_up_keeps_the_earlier_subject_and_year(resolver, previous, question, kept):
    r = resolver.resolve(question, user(previous))
    assert r.carried and all(k in r.text for k in kept), r.text


@pytest.mark.parametrize("previous,question", [
    ("Wat heeft de sector Gemeenten gedaan?", "Wat is het knelpunt rond de meeteltermijn van het doelgroepregister?"),
    ("Wat heeft Defensie gedaan?", "Wanneer werd de aanjager benoemd?"),
    ("Welke knelpunten zijn er?", "Wat doen de universiteiten aan lerende netwerken?"),
    ("Wat heeft de sector Rijk gedaan?", "Hoe hoog is de boete als het quotum niet wordt gehaald?"),
    ("Wat heeft de sector Rijk gedaan?", "Wat is Binnenwerk?"),
    ("Wat heeft Defensie gedaan?", "Welke knelpunten zijn er?"),  # a subject of its own, though only cue words
])
def test_a_self_contained_question_on_a_new_topic_is_not_joined(resolver, engine, previous, question):
    r = resolver.resolve(question, user(previous))
    assert not r.carried and r.text == question
    a = engine.ask(question, history=user(previous))
    assert a.resolved_question is None


def test_without_history_nothing_is_carried(resolver):
    r = resolver.resolve("En bij de provincies?", [])
    assert not r.carried and r.text == "En bij de provincies?"
    # assistant turns are no questions to continue
    r = resolver.resolve("En bij de provincies?", [{"role": "assistant", "content": "Wat heeft Defensie gedaan?"}])
    assert not r.carried


def test_the_latest_user_turn_is_continued(resolver, engine):
    history = user("Wat heeft Defensie gedaan?") + user("Wat heeft de sector Gemeenten gedaan?")
    r = resolver.resolve("En bij de provincies?", history)
    assert r.carried and r.previous == "Wat heeft de sector Gemeenten gedaan?"
    assert engine.understand(r.text).sectors == ["provincies"]


@pytest.mark.parametrize("previous,question", [
    ("Wat was de pilot functiecreatie van de PO-Raad?", "wat was het resultaat"),  # only intent words
    ("Welke pilot deed de PO-Raad rond functiecreatie?", "hoeveel banen leverde dat op"),  # a pronoun, no subject
])
def test_an_elliptical_question_without_a_sector_carries_the_earlier_subject(resolver, engine, previous, question):
    r = resolver.resolve(question, user(previous))
    assert r.carried and "functiecreatie" in r.text
    a = engine.ask(question, history=user(previous))
    assert not a.abstained and "42" in a.answer, a.answer
