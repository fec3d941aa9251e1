"""The thesaurus: which of its terms a question uses, with their synonyms."""
from __future__ import annotations

from index.thesaurus import Thesaurus

THESAURUS = Thesaurus([["sociaal akkoord", "social agreement"], ["akkoord", "agreement", "overeenkomst"],
                       ["boete", "sanctie"]])


def test_matches_take_the_longest_term_with_its_synonyms():
    assert THESAURUS.matches("When was the Social  Agreement signed?") == [("social agreement", ["sociaal akkoord"])]
    assert THESAURUS.matches("Volgt er een sanctie op het akkoord?") == [
        ("sanctie", ["boete"]), ("akkoord", ["agreement", "overeenkomst"])]  # in the order of the text
    assert THESAURUS.matches("Niets hiervan") == []


def test_expansion_adds_the_other_terms_of_each_group():
    assert THESAURUS.expand("een boete") == ["sanctie"]
