"""Knelpunten taken from the document structure at ingest."""
from __future__ import annotations

from pathlib import Path

from assistant.settings import PROJECT_ROOT
from ingest.catalogue import load_catalogue
from ingest.documents import DocumentBuilder
from ingest.knelpunten import extract
from ingest.loaders import load_file
from ingest.sectors import load_vocabulary

CORPUS = PROJECT_ROOT / "data" / "corpus"


def _doc(name: str):
    builder = DocumentBuilder(load_vocabulary(PROJECT_ROOT / "data" / "sectors.json"),
                              load_catalogue(CORPUS / "catalogue.json"))
    return builder.build(load_file(CORPUS / name))


def test_named_problems_with_cause_solution_and_exact_quotes():
    doc = _doc("003_2af3d99aaebb0ece.txt")
    found = {k.title: k for k in extract(doc)}
    assert set(found) == {"Bureaucratie bij uitbesteding", "Meeteltermijn doelgroepenregister"}
    k = found["Meeteltermijn doelgroepenregister"]
    assert k.description.startswith("Het is in het algemeen belang")
    assert "doelgroepenregister" in k.cause.lower() or "WML" in k.cause
    assert k.solution.startswith("Een oplossing")
    assert k.date == "2017-04-01" and k.document_id == doc.document_id
    for q in k.quotes:
        assert doc.text[q.start:q.end] == q.text
    assert {q.role for q in k.quotes} == {"knelpunt", "oplossing"}


def test_a_document_without_knelpunten_has_none(tmp_path: Path):
    f = tmp_path / "notitie.md"
    f.write_text("# Notitie\n\nDe provincie heeft twaalf mensen aangenomen in 2016.\n", encoding="utf-8")
    builder = DocumentBuilder(load_vocabulary(PROJECT_ROOT / "data" / "sectors.json"))
    assert extract(builder.build(load_file(f))) == []
