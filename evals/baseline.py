"""The naive baseline: raw files, LangChain RecursiveCharacterTextSplitter 1000/200, dense only, no dedup,
top chunks as the answer. It shows what the structure-aware pipeline is worth."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.settings import Settings
from index.embeddings import get_embeddings
from ingest.loaders import discover

from .gold import GoldQuestion, corpus_texts, load_gold
from .runner import EvalReport, score_question


class NaiveBaseline:
    def __init__(self, settings: Settings):
        self.settings = settings
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.chunks: list[tuple[str, str]] = []  # (source file, text)
        for path in discover([settings.corpus_dir]):
            text = path.read_text(encoding="utf-8", errors="replace")
            self.chunks.extend((path.name, c) for c in splitter.split_text(text))
        self.emb = get_embeddings(settings.embedding_model, settings.embedding_batch_size)
        key = hashlib.sha256("".join(t for _, t in self.chunks).encode()).hexdigest()[:16]
        cache = settings.var_dir / f"baseline-{key}.npy"
        if cache.exists():
            self.vectors = np.load(cache)
        else:
            self.vectors = np.asarray(self.emb.embed_documents([t for _, t in self.chunks]), dtype=np.float32)
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.save(cache, self.vectors)

    def search(self, question: str, k: int) -> list[tuple[str, str]]:
        q = np.asarray(self.emb.embed_query(question), dtype=np.float32)
        order = np.argsort(-(self.vectors @ q))[:k]
        return [self.chunks[i] for i in order]


def run_baseline(settings: Settings, gold: list[GoldQuestion] | None = None) -> EvalReport:
    gold = gold or load_gold()
    base = NaiveBaseline(settings)
    docs = corpus_texts(str(settings.corpus_dir))
    report = EvalReport("baseline (naïef)")
    for q in gold:
        t = time.perf_counter()
        top = base.search(q.question, 10)
        latency = (time.perf_counter() - t) * 1000
        answer = {"answer": "\n\n".join(text for _, text in top[:3]), "abstained": False,
                  "citations": [{"quote": text, "document_id": Path(src).stem, "start": 0, "end": 0}
                                for src, text in top[:3]]}
        report.results.append(score_question(q, answer, [text for _, text in top], latency, docs))
    report.meta = {"mode": "baseline", "chunks": len(base.chunks)}
    return report
