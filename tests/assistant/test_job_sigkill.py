"""SIGKILL of the API while an upload job is embedding: the job is left 'running', the next server resumes it, and
the index ends exactly as a clean run would (no duplicate or orphan chunks, BM25 in step)."""
from __future__ import annotations

import os
import random
import signal
import sys
import time

import httpx

from tests.conftest import CORPUS, free_port, serving

KEY = {"X-API-Key": "sleutel"}


def synthetic_document(words: int = 6000, seed: int = 7) -> bytes:
    """A long Dutch-looking text unlike the corpus (so it is not refused as a duplicate); its embedding takes seconds."""
    rng = random.Random(seed)
    vocab = ("werkgever werknemer afspraak regio gemeente scholing begeleiding plaatsing contract proef traject "
             "coach budget subsidie loonkosten vacature functie team locatie overleg evaluatie rapport planning "
             "uitvoering netwerk kennis ervaring").split()
    paras = []
    for p in range(words // 60):
        sent = [" ".join(rng.choice(vocab) for _ in range(12)).capitalize() + f" {rng.randint(1, 999)}." for _ in range(5)]
        paras.append(f"## Onderdeel {p + 1}\n\n" + " ".join(sent))
    return ("# Synthetisch verslag\n\n" + "\n\n".join(paras)).encode()


def test_sigkill_during_an_upload_job_is_resumed_by_the_next_server(tmp_path, cache_dir):
    from assistant.settings import Settings
    from index.indexer import Indexer
    from index.lexical import LexicalIndex
    from index.store import ChromaStore

    var = tmp_path / "var"
    settings = Settings(var_dir=var, corpus_dir=CORPUS, embedding_cache_dir=cache_dir)
    Indexer(settings).ingest([CORPUS / "002_48882c52396658a7.txt"])
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(var), VRAAGBAAK_CORPUS_DIR=str(CORPUS),
               VRAAGBAAK_EMBEDDING_CACHE_DIR=str(cache_dir), VRAAGBAAK_API_KEY="sleutel", VRAAGBAAK_TRUST_UPLOADS="true")

    def start():
        port = free_port()
        cmd = [sys.executable, "-m", "uvicorn", "assistant.api:app_factory", "--factory", "--host", "127.0.0.1",
               "--port", str(port)]
        return f"http://127.0.0.1:{port}", serving(cmd, f"http://127.0.0.1:{port}/health", tmp_path / f"api-{port}.log", env=env)

    url, server = start()
    with server as proc:
        with httpx.Client(base_url=url, timeout=60) as c:
            # a fresh text each run: with a persistent embedding cache (VRAAGBAAK_TEST_EMBEDDING_CACHE) a repeated text
            # would be embedded from the cache at once, and the job could finish before the kill
            text = synthetic_document(seed=random.SystemRandom().randrange(1 << 30))
            job_id = c.post("/documents", files={"files": ("verslag.md", text, "text/markdown")},
                            headers=KEY).json()["job_id"]
            deadline = time.monotonic() + 60
            while c.get(f"/jobs/{job_id}").json()["status"] != "running":
                assert time.monotonic() < deadline, "the job never started"
                time.sleep(0.1)
            time.sleep(1.5)  # inside the embedding of its ~100 chunks (several seconds in the low-priority child)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    store = ChromaStore(settings)
    assert store.get_document("upload-verslag") is None or store.get_document("upload-verslag")[0].status != "complete"

    url, server = start()
    with server:
        with httpx.Client(base_url=url, timeout=60) as c:
            deadline = time.monotonic() + 240
            while (job := c.get(f"/jobs/{job_id}").json())["status"] not in ("done", "failed"):
                assert time.monotonic() < deadline, f"the job was not resumed: {job}"
                time.sleep(0.5)
            assert job["status"] == "done" and job["outcomes"][0]["status"] in (200, 201), job
            hits = c.get("/search", params={"q": "Synthetisch verslag onderdeel coach budget", "k": 3}).json()["results"]
            assert hits and hits[0]["document_id"] == "upload-verslag"
    store = ChromaStore(settings)
    docs = {d.document_id: d for d in store.documents()}
    assert docs["upload-verslag"].status == "complete"
    ids, _t, metas = store.all_chunks()
    assert len(ids) == len(set(ids)) == sum(d.chunk_count for d in docs.values())
    assert {m["document_id"] for m in metas} == set(docs)
    assert set(LexicalIndex.load(settings.lexical_dir).ids) == set(ids)
