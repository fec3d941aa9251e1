"""Query understanding: typo repair against the corpus, sectors, years, entities, English, intent cues."""
from __future__ import annotations

import pytest

from assistant.query import TypoRepair, is_english


@pytest.fixture(scope="module")
def understand(engine):
    engine._prepare()
    return engine.understand


# -- typo repair on the real corpus vocabulary ----------------------------------------------

@pytest.mark.parametrize("question,sector,repaired", [
    ("Wat heeft defensi gedaan?", "defensie", "defensi"),
    ("Wat hebben de hogeschollen gedaan?", "hbo", "hogeschollen"),
    ("wat hebben de waterschapen gedaan", "waterschappen", "waterschapen"),
])
def test_a_misspelt_sector_is_repaired_and_recognised(understand, question, sector, repaired):
    q = understand(question)
    assert q.sectors == [sector]
    assert repaired in q.repairs
    assert repaired not in q.search_text.split()
    assert q.text == question  # the question itself is kept as typed; only the search text is repaired


def test_a_misspelt_compound_is_repaired_to_the_corpus_word(understand):
    q = understand("Hoeveel garantiebaanen heeft de sector Rijk gerealiseerd?")
    assert q.repairs == {"garantiebaanen": "garantiebanen"}
    assert "garantiebanen" in q.search_text and q.sectors == ["rijk"]
    assert q.count_noun == "garantiebanen" and q.has("count")


@pytest.mark.parametrize("word", ["hogescholen", "garantiebanen", "defensie", "waterschappen", "werkgevers",
                                  "doelgroepregister", "banenafspraak", "Plasterk", "universiteit"])
def test_a_corpus_word_is_never_repaired(understand, word):
    q = understand(f"Wat staat er over {word} in de documenten?")
    assert word not in q.repairs and word.lower() not in {k.lower() for k in q.repairs}
    assert word in q.search_text


@pytest.mark.parametrize("word", ["begroting", "realiseerde", "bereikten"])
def test_a_correct_dutch_word_the_corpus_lacks_is_not_repaired(understand, word):
    q = understand(f"Wat zeggen de documenten over {word}?")
    assert word not in q.repairs


def test_short_words_numbers_and_english_questions_are_left_alone(understand):
    assert understand("Wat doet de PO-Raad in 2016?").repairs == {}
    q = understand("What did the water boards do?")
    assert q.english and q.repairs == {} and q.sectors == ["waterschappen"]


def test_typo_repair_rules_on_a_small_vocabulary():
    r = TypoRepair({"garantiebanen": 40, "defensie": 30, "gemeenten": 50, "gemeente": 10}, protected={"quotum"})
    assert r.repair("defensi") == "defensie"  # one edit, short word
    assert r.repair("garantiebaanen") == "garantiebanen"  # long word: up to two edits
    assert r.repair("gemeenten") is None  # known
    assert r.repair("GEMEENTEN") is None  # known, whatever the case
    assert r.repair("quotum") is None  # protected
    assert r.repair("abc") is None  # too short to judge
    assert r.repair("xyzxyzxyz") is None  # nothing near
    assert r.repair("defxxsie") is None  # two edits on a short word is too far
    r = TypoRepair({"aanjager": 20, "defensie": 30}, protected=set())
    assert r.repair("aanjaagr") == "aanjager"  # a short word: two edits only for a letter in the wrong place
    assert r.repair("2016") is None and r.repair("po-raad") is None  # not alphabetic


def test_a_compound_of_everyday_words_is_not_repaired_two_edits_away():
    """"driemeting" is "drie" + "meting", not a slip for the corpus word "driedeling"; one edit away, a compound
    of words that exist ("waterschapen") is still the typo it most likely is."""
    r = TypoRepair({"driedeling": 5, "waterschappen": 40}, protected=set())
    assert r.repair("driemeting") is None
    assert r.repair("waterschapen") == "waterschappen"


@pytest.mark.parametrize("question,sector", [("hoeveel banen hebben de gemeentes gerealiseerd", "gemeenten"),
                                             ("hoe staat de poltie ervoor", "politie")])
def test_spelling_variants_of_a_sector_are_recognised(understand, question, sector):
    assert understand(question).sectors == [sector]


@pytest.mark.parametrize("question,intents,absent", [
    ("Hoe hoog is het quotum in 2018?", {"count", "quantity"}, {"amount"}),  # a size, not a sum of money
    ("Hoe hoog is de boete?", {"amount"}, set()),
    ("Is de minister op de hoogte van de knelpunten?", set(), {"count", "amount"}),  # no size asked at all
    ("Wat is de omvang van het probleem?", set(), {"count", "amount"}),
])
def test_a_size_question_asks_money_only_with_a_money_word(understand, question, intents, absent):
    q = understand(question)
    assert intents <= q.intents and not (absent & q.intents), q.intents


# -- language, years, entities, intents -------------------------------------------------

@pytest.mark.parametrize("text,english", [
    ("What did the water boards do?", True),
    ("How many extra jobs must the central government create?", True),
    ("What are the main bottlenecks?", True),
    ("Wat heeft de sector Provincies gedaan?", False),
    ("Hoeveel garantiebanen zijn er in 2016 gerealiseerd?", False),
    ("Welke knelpunten noemt het VSO?", False),
])
def test_english_detection(text, english):
    assert is_english(text) is english


def test_years_and_entities(understand):
    q = understand("Wat zei minister Plasterk in 2016 over de provincies en Defensie?")
    assert q.years == ["2016"]
    assert "Plasterk" in q.entities
    assert set(q.sectors) >= {"provincies", "defensie"}
    assert "Defensie" not in q.entities  # a sector is not an entity
    assert "Wat" not in q.entities  # the first word is capitalised by position, not by name
    assert understand("Hoeveel banen zijn er gemaakt?").years == []


@pytest.mark.parametrize("text,intent", [
    ("Hoeveel garantiebanen heeft het Rijk?", "count"),
    ("Wat heeft de sector Gemeenten gedaan?", "overview"),
    ("Wat waren de resultaten bij Defensie?", "results"),
    ("Welke knelpunten zijn er?", "knelpunt"),
    ("Waarom lukt het de politie niet?", "why"),
    ("Hoe hoog is de boete?", "amount"),
    ("Wanneer werd de aanjager benoemd?", "when"),
    ("Welk percentage geldt in 2018?", "percent"),
])
def test_intent_cues(understand, text, intent):
    assert understand(text).has(intent)


def test_sector_aliases_and_expansions(understand):
    q = understand("wij als IPO, wat hebben we gedaan?")
    assert q.sectors == ["provincies"]
    assert any("provincie" in e.lower() for e in q.expansions)  # the alias reaches the other names


def test_a_hyphenated_compound_names_its_capitalised_part(understand):
    """"VNG-projectleider" is the VNG's project leader: the VNG is a sector alias, not an unknown name."""
    assert understand("Hoe is de periode van de VNG-projectleider veranderd?").entities == []
    assert understand("Wat doet Noord-Brabant voor de schoonmakers?").entities == ["Noord-Brabant"]


@pytest.mark.parametrize("question,sector", [
    ("Hoeveel garantiebanen heeft de mbo-sector?", "mbo"),
    ("Hoe gaat het met de umc-medewerkers uit de doelgroep?", "umc"),
    ("Wat doen de politie-eenheden?", "politie"),
])
def test_a_sector_heading_a_hyphenated_compound_is_recognised(understand, question, sector):
    assert understand(question).sectors == [sector]


def test_neighbouring_names_are_one_name(understand):
    assert understand("Wat zei staatssecretaris Karel de Jong erover?").entities == ["Karel de Jong"]
    assert understand("Welke rol heeft de Sociale Verzekeringsbank?").entities == ["Sociale Verzekeringsbank"]
    # names joined by a conjunction stay two names
    assert understand("Wat zeiden minister Plasterk en minister Blok?").entities == ["Plasterk", "Blok"]
    assert understand("Zei Plasterk of Asscher dat?").entities == ["Plasterk", "Asscher"]  # "of" is "or"
    assert understand("Wat zei Karel De Jong?").entities == ["Karel De Jong"]


def test_a_name_is_named_by_its_words_not_by_a_substring():
    from assistant.query import named_in

    assert named_in("Universiteit Maastricht", "samen met de universiteit van maastricht")
    assert not named_in("Karel de Jong", "een jongere karelse medewerker")
    assert not named_in("Ark", "de arbeidsmarkt")
    assert named_in("Wajong", "de wajong-uitkering")  # a compound names it too


def test_an_everyday_english_word_is_no_name_in_an_english_question(understand):
    q = understand("What did the Interior minister add to the SUWI regulation?")
    assert "Interior" not in q.entities
    assert understand("What did Plasterk say about the provinces?").entities == ["Plasterk"]
    assert "Amsterdam" in understand("What did the municipality of Amsterdam do?").entities


@pytest.mark.parametrize("question,outside", [
    ("Hoeveel garantiebanen hebben de woningcorporaties gerealiseerd?", ["woningcorporaties"]),
    ("What did the banking sector do for the jobs agreement?", ["banking sector"]),
    ("Wat heeft de sector zorg en welzijn gedaan?", ["zorg en welzijn"]),
    ("Wat doen de academische ziekenhuizen?", []),  # the umc's: one of ours
    ("Hoe is de zorg voor een goede begeleiding geregeld?", []),  # "de zorg" also means care
    ("Wat is de rol van de bouw van het doelgroepregister?", []),  # and "de bouw" building something
    ("Hoeveel banen realiseren de universitaire ziekenhuizen?", []),  # the umc's again
    ("How many jobs did the university hospitals create?", []),
])
def test_sectors_outside_government_and_education_are_recognised(understand, question, outside):
    assert understand(question).outside == outside
