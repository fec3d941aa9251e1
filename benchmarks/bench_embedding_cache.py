"""Embedding cache: our SQLite store (index/embeddings.py) against LangChain's CacheBackedEmbeddings with a local
byte store (LocalFileStore, one file per vector). A cheap deterministic embedder isolates the cache's own cost.
Prints figures; needs `langchain-classic` importable (it is not a project dependency).

    .venv/bin/python -m benchmarks.bench_embedding_cache [N]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from langchain_core.embeddings import DeterministicFakeEmbedding

from index.embeddings import EmbeddingCache


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main(n: int = 20000) -> None:
    from langchain_classic.embeddings import CacheBackedEmbeddings
    from langchain_classic.storage import LocalFileStore

    texts = [f"passage {i}: de sector {i % 16} realiseerde {i * 7} banen in het jaar {2015 + i % 10}." for i in range(n)]
    emb = DeterministicFakeEmbedding(size=384)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ours = EmbeddingCache(root / "sqlite" / "embeddings.sqlite", "fake")
        t = time.perf_counter(); ours.embed_documents(emb, texts); cold = time.perf_counter() - t
        t = time.perf_counter(); ours.embed_documents(emb, texts); warm = time.perf_counter() - t
        files, size = _size(root / "sqlite")
        print(f"SQLite cache (ours):           {n} vectors, cold {cold:.2f} s, warm {warm:.2f} s, {files} file(s), {size / 1e6:.1f} MB")

        store = LocalFileStore(root / "lc")
        cached = CacheBackedEmbeddings.from_bytes_store(emb, store, namespace="fake", key_encoder="sha256")
        t = time.perf_counter(); cached.embed_documents(texts); cold = time.perf_counter() - t
        t = time.perf_counter(); cached.embed_documents(texts); warm = time.perf_counter() - t
        files, size = _size(root / "lc")
        print(f"CacheBackedEmbeddings + LocalFileStore: {n} vectors, cold {cold:.2f} s, warm {warm:.2f} s, {files} file(s), {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
