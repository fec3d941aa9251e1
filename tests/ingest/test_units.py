"""Evidence units: exact slices of the chunk text, bullets whole, headings and captions never units."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.catalogue import load_catalogue
from ingest.chunker import StructuredChunker
from ingest.documents import DocumentBuilder
from ingest.loaders import discover, load_file
from ingest.sectors import SectorVocabulary
from ingest.units import MAX_UNIT, is_heading, unit_spans

ROOT = Path(__file__).resolve().parents[2]
VOCAB = SectorVocabulary.from_file(ROOT / "data" / "sectors.json")
BUILDER = DocumentBuilder(VOCAB, load_catalogue(ROOT / "data" / "corpus" / "catalogue.json"))

TEXT = (
    "Tabel 3 Overzicht van activiteiten per sector\n"
    "Sector Provincies / Interprovinciaal Overleg (IPO)\n"
    "Activiteiten\n"
    "• IPO heeft eind 2014 een verdeling vastgesteld van het aantal banen per provincie; dat gold tot 2023.\n"
    "• Twee provinciale pilots (Drenthe en Friesland). Alle andere provincies namen deel.\n"
    "Gevolgen\n"
    "Doel was minimaal 41 garantiebanen. Er zijn er in 2015 volgens eigen berekening 49,78 fte gerealiseerd.\n"
)
SECTION = "Tabel 3 › Sector Provincies / Interprovinciaal Overleg (IPO) › Gevolgen"


def texts(text: str, section: str = "") -> list[str]:
    return [text[u.start:u.end] for u in unit_spans(text, section)]


def test_headings_and_captions_are_never_units():
    units = texts(TEXT, SECTION)
    for heading in ("Tabel 3", "Sector Provincies", "Activiteiten", "Gevolgen"):
        assert not any(u.startswith(heading) for u in units), (heading, units)
    assert units  # the content itself is there


@pytest.mark.parametrize("line", [
    "Tabel 3 Overzicht van activiteiten per sector", "Tabel 2B", "Figuur 1: aantal banen per jaar",
    "Bijlage I", "Hoofdstuk 2 Aanpak", "Gevolgen", "Gevolgen:", "Resultaten", "Activiteiten",
    "Sector Provincies / Interprovinciaal Overleg (IPO)",
])
def test_is_heading(line):
    assert is_heading(line, SECTION)


@pytest.mark.parametrize("line", [
    "Doel was minimaal 41 garantiebanen.",
    "• Start opzetten leercirkels",
    "Er zijn 5 pilots gestart bij Defensie, verdeeld over drie onderdelen van de organisatie.",
])
def test_content_is_no_heading(line):
    assert not is_heading(line, SECTION)


def test_units_are_exact_slices_and_bullets_are_whole():
    spans = unit_spans(TEXT, SECTION)
    units = [TEXT[u.start:u.end] for u in spans]
    assert all(u == u.strip() and u for u in units)
    bullets = [TEXT[u.start:u.end] for u in spans if u.bullet]
    # a bullet of two sentences stays one unit, without its bullet sign
    assert "Twee provinciale pilots (Drenthe en Friesland). Alle andere provincies namen deel." in bullets
    assert not any(b.startswith("•") for b in bullets)
    # a plain line is split by sentence
    assert "Doel was minimaal 41 garantiebanen." in units
    assert "Er zijn er in 2015 volgens eigen berekening 49,78 fte gerealiseerd." in units
    # every unit points at its own line
    for u in spans:
        line_end = TEXT.find("\n", u.paragraph)
        assert u.paragraph <= u.start and u.end <= line_end


def test_a_very_long_bullet_is_split_by_sentence():
    sentence = "Dit is een lange zin over de banenafspraak bij de overheid en de garantiebanen per sector. "
    text = "• " + sentence * 8
    spans = unit_spans(text.rstrip())
    assert len(spans) > 1 and all(s.bullet for s in spans)
    assert all(s.end - s.start <= MAX_UNIT for s in spans)


def test_letter_furniture_is_no_unit():
    text = ("Geachte voorzitter, hierbij stuur ik u de voortgang van de banenafspraak.\n"
            "Postbus 20011 2500 EA Den Haag\n"
            "Met vriendelijke groet,\n")
    units = texts(text)
    assert units == ["hierbij stuur ik u de voortgang van de banenafspraak."]


@pytest.fixture(scope="module")
def corpus_units():
    chunker = StructuredChunker(VOCAB, size=700)
    out = []
    for path in discover([ROOT / "data" / "corpus"]):
        doc = BUILDER.build(load_file(path))
        for c in chunker.chunk(doc):
            for u in unit_spans(c.text, c.section):
                out.append((doc, c, u))
    return out


def test_corpus_units_are_exact_slices_of_the_document(corpus_units):
    assert len(corpus_units) > 500
    for doc, c, u in corpus_units:
        piece = c.text[u.start:u.end]
        assert piece and piece == piece.strip()
        assert doc.text[c.start + u.start:c.start + u.end] == piece


def test_no_corpus_unit_is_a_caption_or_a_section_title(corpus_units):
    caption = re.compile(r"^(Tabel|Figuur|Bijlage|Hoofdstuk)\s+[\dIVX]+\w?\s*$|^(Gevolgen|Resultaten|Activiteiten):?$",
                         re.I)
    for _doc, c, u in corpus_units:
        piece = c.text[u.start:u.end]
        assert not caption.match(piece), piece
        assert piece not in {p.strip() for p in c.section.split("›")}, piece
        assert not re.match(r"^Tabel\s+\d", piece), piece


def test_a_heading_with_a_year_is_no_unit(corpus_units):
    pieces = {c.text[u.start:u.end] for _d, c, u in corpus_units}
    assert not pieces & {"Activiteiten 2016", "Geplande activiteiten 2017", "December 2017"}


@pytest.mark.parametrize("text,sentences", [
    ("T.a.v minister K.H. Ollongren. Dit is de tweede zin.", ["T.a.v minister K.H. Ollongren.", "Dit is de tweede zin."]),
    ("Mw. mr. S. Pijpstra, voorzitter. Een nieuwe zin.", ["Mw. mr. S. Pijpstra, voorzitter.", "Een nieuwe zin."]),
    ("Het gaat om ca. 3.340 banen. Zo. Klaar.", ["Het gaat om ca. 3.340 banen.", "Zo.", "Klaar."]),
])
def test_initials_and_abbreviations_end_no_sentence(text, sentences):
    from ingest.sentences import sentence_spans

    assert [text[a:b] for a, b in sentence_spans(text)] == sentences
