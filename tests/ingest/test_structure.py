"""Structure of the real bundled documents: sector rows, results, knelpunten, page-break headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalogue import load_catalogue
from ingest.documents import DocumentBuilder
from ingest.loaders import load_file
from ingest.sectors import SectorVocabulary

ROOT = Path(__file__).resolve().parents[2]
VOCAB = SectorVocabulary.from_file(ROOT / "data" / "sectors.json")
BUILDER = DocumentBuilder(VOCAB, load_catalogue(ROOT / "data" / "corpus" / "catalogue.json"))
ANNEX_2016 = "001_0c61ab01f839f040.txt"
UPDATE_2017 = "003_2af3d99aaebb0ece.txt"
SECTORS = ["kabinet", "rijk", "politie", "rechterlijke_macht", "defensie", "gemeenten", "provincies", "waterschappen",
           "primair_onderwijs", "voortgezet_onderwijs", "mbo", "hbo", "onderzoeksinstellingen", "universiteiten", "umc"]


@pytest.fixture(scope="module")
def docs():
    return {name: BUILDER.build(load_file(ROOT / "data" / "corpus" / name))
            for name in (ANNEX_2016, UPDATE_2017, "000_21589e1c860af785.txt", "004_e0f1233c29f5d8c6.txt")}


@pytest.mark.parametrize("annex", [ANNEX_2016, UPDATE_2017])
@pytest.mark.parametrize("sector", SECTORS)
def test_every_sector_row_is_labelled(docs, annex, sector):
    rows = [b for b in docs[annex].blocks if b.sector == sector and b.table]
    assert rows, f"geen rij voor {sector} in {annex}"
    assert all(b.section[0].startswith("Tabel") for b in rows)


def test_rows_carry_their_employers_organisation(docs):
    prov = next(b for b in docs[UPDATE_2017].blocks if b.sector == "provincies")
    assert prov.organisation == "Interprovinciaal Overleg (IPO)"
    assert prov.section[:2] == ("Tabel 3", "Sector Provincies / Interprovinciaal Overleg (IPO)")


def test_results_blocks_are_labelled(docs):
    results = [b for b in docs[UPDATE_2017].blocks if b.role == "gevolgen" and b.sector == "provincies"]
    assert any("109,53 fte" in b.text for b in results)
    assert all(b.section[-1] == "Gevolgen" for b in results)


def test_page_break_table_headers_are_removed(docs):
    text = docs[UPDATE_2017].text
    assert "Overige sectoren onderwijs Activiteiten" not in " ".join(text.split())
    assert "Kabinetsector Rijk Activiteiten" not in " ".join(text.split())
    # tab-separated extraction too
    assert "Overige sectoren onderwijs\tActiviteiten" not in docs["000_21589e1c860af785.txt"].text


def test_row_continuing_across_a_page_break_stays_one_row(docs):
    """In the 2017 update the results of Defensie follow a repeated table header: still Defensie."""
    defensie = [b for b in docs[UPDATE_2017].blocks if "Momenteel lopen er 5 pilots" in b.text]
    assert defensie and defensie[0].sector == "defensie" and defensie[0].role == "gevolgen"
    # and a sentence cut by the page break is joined again
    assert "In een overkoepelend rapport worden De belangrijkste conclusies" in docs[UPDATE_2017].text


def test_knelpunten_are_labelled_with_solutions(docs):
    blocks = docs[UPDATE_2017].blocks
    problems = [b for b in blocks if b.role == "knelpunt" and b.text.startswith("Probleem")]
    assert [b.section[-1] for b in problems] == ["Probleem 1: Bureaucratie bij uitbesteding",
                                                 "Probleem 2: Meeteltermijn doelgroepenregister"]
    solutions = [b for b in blocks if b.role == "oplossing"]
    assert any(b.text.startswith("Een oplossing is één jaarlijkse banenafspraak") for b in solutions)


def test_plan_chapters_footnotes_and_default_sector(docs):
    plan = docs["004_e0f1233c29f5d8c6.txt"]
    assert plan.kind == "plan van aanpak" and plan.date == "2017-12-18"
    assert any(b.section and b.section[-1] == "1. Inleiding" for b in plan.blocks)
    notes = [b for b in plan.blocks if b.role == "voetnoot"]
    assert notes and notes[0].text.startswith("¹ De doelgroep")
    assert {b.sector for b in plan.blocks} == {"vso"}
    perspective = [b for b in plan.blocks if "in perspectief" in " ".join(b.section)]
    assert perspective and all(b.role in ("knelpunt", "kop") for b in perspective)


def test_displayed_text_is_faithful(docs):
    """No markup survives, and wording is the source's (OCR slips are repaired only in the search text)."""
    for doc in docs.values():
        assert "<" not in doc.text and "data-bbox" not in doc.text
    assert "banenafpraak" in docs["000_21589e1c860af785.txt"].text


def test_block_offsets_point_into_the_text(docs):
    for doc in docs.values():
        for b in doc.blocks:
            assert doc.text[b.start:b.end] == b.text
