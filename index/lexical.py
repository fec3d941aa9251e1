"""LexicalIndex: BM25 (bm25s) over the chunks' normalised search text, persisted beside Chroma.

It is derived data: built from the chunk collection and stamped with the index generation, so a
stale or missing copy is rebuilt rather than trusted (this keeps it in step after a crash, a prune
or another worker's ingest).
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
from pathlib import Path

import bm25s
import numpy as np

from .analysis import DutchAnalyzer

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    def __init__(self, ids: list[str], analyzer: DutchAnalyzer, bm25: bm25s.BM25 | None, generation: int,
                 df: dict[str, int] | None = None):
        self.ids = ids
        self.df = df or {}
        self.analyzer = analyzer
        self.bm25 = bm25
        self.generation = generation
        # rank of each chunk id in sorted order: equal scores are broken by id, whatever order the store returned
        self._id_rank = np.argsort(np.argsort(np.array(ids, dtype=object))) if ids else np.zeros(0, dtype=np.int64)

    @classmethod
    def build(cls, ids: list[str], texts: list[str], generation: int) -> "LexicalIndex":
        analyzer = DutchAnalyzer(DutchAnalyzer.vocabulary_of(texts))
        if not ids:
            return cls([], analyzer, None, generation)
        corpus = [analyzer.tokens(t) or ["_leeg_"] for t in texts]
        df: dict[str, int] = {}
        for toks in corpus:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(corpus, show_progress=False)
        return cls(ids, analyzer, bm25, generation, df)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # a unique temp name per writer: concurrent saves (two jobs, two workers) never share a temp file
        for name, payload in (("index.pkl", pickle.dumps(
                {"ids": self.ids, "vocab": sorted(self.analyzer.vocabulary), "bm25": self.bm25,
                 "generation": self.generation, "df": self.df}, protocol=pickle.HIGHEST_PROTOCOL)),
                ("generation.json", json.dumps({"generation": self.generation}).encode())):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                os.replace(tmp, folder / name)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        path = folder / "index.pkl"
        if not path.exists():
            return None
        try:
            with path.open("rb") as fh:
                raw = pickle.load(fh)  # our own file under var/, written by save()
        except Exception as exc:  # noqa: BLE001 - a torn or old file is rebuilt
            log.warning("BM25-index onleesbaar (%s); wordt opnieuw opgebouwd", exc)
            return None
        if "df" not in raw:
            return None
        return cls(raw["ids"], DutchAnalyzer(raw["vocab"]), raw["bm25"], raw["generation"], raw["df"])

    def query_tokens(self, text: str) -> list[str]:
        return self.analyzer.tokens(text)

    def scores(self, tokens: list[str]) -> np.ndarray:
        if self.bm25 is None or not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        vocab = self.bm25.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.bm25.get_scores(known)

    def top(self, tokens: list[str], n: int, mask: np.ndarray | None = None, extra: list[str] | None = None,
            extra_weight: float = 0.4) -> list[tuple[str, float]]:
        scores = self.scores(tokens)
        if extra:
            scores = scores + extra_weight * self.scores(extra)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        idx = np.nonzero(scores > 0)[0]
        if not len(idx):
            return []
        idx = idx[np.lexsort((self._id_rank[idx], -scores[idx]))][:n]
        return [(self.ids[i], float(scores[i])) for i in idx]
