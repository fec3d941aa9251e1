"""The sector vocabulary: aliases as whole words, and as the head of a hyphenated compound only when asked."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sectors import SectorVocabulary

DATA = Path(__file__).resolve().parents[2] / "data" / "sectors.json"


@pytest.fixture(scope="module")
def sectors() -> SectorVocabulary:
    return SectorVocabulary.from_file(DATA)


def test_an_alias_heading_a_compound_counts_only_for_questions(sectors):
    assert sectors.find_all("de mbo-sector") == []  # documents: whole words only, as at ingest
    assert sectors.find_all("de mbo-sector", compounds=True) == ["mbo"]
    assert sectors.find_all("umc-medewerkers en politie-eenheden", compounds=True) == ["umc", "politie"]


def test_a_longer_alias_wins_over_a_compound_head(sectors):
    assert sectors.find_all("de VO-raad", compounds=True) == ["voortgezet_onderwijs"]


def test_a_compound_of_no_alias_names_no_sector(sectors):
    assert sectors.find_all("Noord-Brabant en de Wiw-ers", compounds=True) == []


@pytest.mark.parametrize("text", ["mensen met een mbo-diploma", "functies op hbo-niveau", "hbo-opgeleiden",
                                  "het kabinet-Rutte", "police-related jobs"])
def test_a_compound_naming_a_level_or_a_name_is_no_sector(sectors, text):
    assert sectors.find_all(text, compounds=True) == []


def test_a_head_before_a_conjunction_counts(sectors):
    assert sectors.find_all("mbo- en hbo-instellingen", compounds=True) == ["mbo", "hbo"]
