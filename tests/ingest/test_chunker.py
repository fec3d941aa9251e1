from __future__ import annotations

from pathlib import Path

import pytest

from ingest.catalogue import load_catalogue
from ingest.chunker import StructuredChunker, normalise_for_search
from ingest.documents import DocumentBuilder
from ingest.loaders import discover, load_file
from ingest.sectors import SectorVocabulary

ROOT = Path(__file__).resolve().parents[2]
VOCAB = SectorVocabulary.from_file(ROOT / "data" / "sectors.json")
BUILDER = DocumentBuilder(VOCAB, load_catalogue(ROOT / "data" / "corpus" / "catalogue.json"))


@pytest.fixture(scope="module")
def chunked():
    chunker = StructuredChunker(VOCAB, size=700)
    out = []
    for path in discover([ROOT / "data" / "corpus"]):
        doc = BUILDER.build(load_file(path))
        out.append((doc, chunker.chunk(doc)))
    return out


def test_chunk_text_is_an_exact_slice(chunked):
    for doc, chunks in chunked:
        for c in chunks:
            assert doc.text[c.start:c.end] == c.text


def test_chunks_never_cut_a_sentence(chunked):
    for doc, chunks in chunked:
        for c in chunks:
            after = doc.text[c.end:c.end + 2]
            # a chunk ends at the end of the text, a line, or a sentence
            assert c.end == len(doc.text) or after.startswith("\n") or c.text.rstrip()[-1] in ".!?;:)”\"’…", c.text[-80:]


def test_every_table_row_chunk_has_a_sector(chunked):
    for _doc, chunks in chunked:
        for c in chunks:
            if c.table:
                assert c.sector, c.section


def test_chunks_stay_within_one_section_and_size(chunked):
    for _doc, chunks in chunked:
        for c in chunks:
            assert len(c.text) <= 700 * 1.3 + 150
            assert c.header.endswith(c.section) or c.section in c.header


def test_chunk_ids_are_stable_content_hashes(chunked):
    doc, chunks = chunked[0]
    again = StructuredChunker(VOCAB, size=700).chunk(doc)
    assert [c.chunk_id for c in chunks] == [c.chunk_id for c in again]
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_search_text_repairs_ocr_slips():
    assert normalise_for_search("de banenafpraak en garantiebannen") == "de banenafspraak en garantiebanen"
