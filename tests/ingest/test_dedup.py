from __future__ import annotations

from pathlib import Path

from ingest.catalogue import load_catalogue
from ingest.chunker import StructuredChunker
from ingest.dedup import find_duplicate_documents, link_repeated_passages, messiness, signature
from ingest.documents import DocumentBuilder
from ingest.loaders import discover, load_file
from ingest.sectors import SectorVocabulary

ROOT = Path(__file__).resolve().parents[2]
VOCAB = SectorVocabulary.from_file(ROOT / "data" / "sectors.json")


def test_duplicate_extraction_is_found_from_the_text_and_the_cleaner_one_wins(tmp_path):
    builder = DocumentBuilder(VOCAB, load_catalogue(ROOT / "data" / "corpus" / "catalogue.json"))
    items = {}
    for i, path in enumerate(discover([ROOT / "data" / "corpus"])):
        loaded = load_file(path)
        doc = builder.build(loaded)
        # file names carry no hint: anonymous keys
        items[f"doc{i}"] = (signature(doc.text), messiness(loaded.pages[0].text), path.name)
    decisions = find_duplicate_documents({k: v[:2] for k, v in items.items()})
    assert len(decisions) == 1
    d = decisions[0]
    assert items[d.primary][2] == "003_2af3d99aaebb0ece.txt"
    assert items[d.alternate][2] == "000_21589e1c860af785.txt"
    assert d.similarity > 0.8


def test_repeated_passages_across_documents_are_linked_not_dropped():
    builder = DocumentBuilder(VOCAB, load_catalogue(ROOT / "data" / "corpus" / "catalogue.json"))
    chunker = StructuredChunker(VOCAB)
    chunks = []
    for name in ("001_0c61ab01f839f040.txt", "003_2af3d99aaebb0ece.txt"):
        chunks += chunker.chunk(builder.build(load_file(ROOT / "data" / "corpus" / name)))
    before = len(chunks)
    links = link_repeated_passages(chunks)
    assert links > 0 and len(chunks) == before
    groups = {}
    for c in chunks:
        if c.repeat_group:
            groups.setdefault(c.repeat_group, set()).add(c.document_id)
    assert any(len(docs) == 2 for docs in groups.values())
