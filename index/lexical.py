"""LexicalIndex: BM25 (bm25s) over the chunks' normalised search text, persisted beside Chroma.

It is derived data: built from the chunk collection and stamped with the index generation, so a
stale or missing copy is rebuilt rather than trusted (this keeps it in step after a crash, a prune
or another worker's ingest).
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import uuid
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
        """bm25s's own format (numpy arrays + JSON) in a fresh folder, then ``current.json`` switched to it: a
        reader never sees a half-written index, and one that has the old arrays memory-mapped keeps them.
        Writers (two jobs, two workers) take turns on a lock file, so one never removes another's folder."""
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            name = f"gen-{self.generation}-{uuid.uuid4().hex[:8]}"
            target = folder / name
            target.mkdir()
            if self.bm25 is not None:
                self.bm25.save(str(target), show_progress=False)
            (target / "chunks.json").write_text(json.dumps(
                {"ids": self.ids, "vocab": sorted(self.analyzer.vocabulary), "df": self.df, "empty": self.bm25 is None}))
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".current.", suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps({"generation": self.generation, "dir": name}))
            os.replace(tmp, folder / "current.json")
            for old in folder.iterdir():
                if old.name != name and (old.name.startswith("gen-") or old.name in ("index.pkl", "generation.json")):
                    shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        """The saved index with its score arrays memory-mapped, or None when missing or unreadable (rebuilt)."""
        pointer = folder / "current.json"
        if not pointer.exists():
            return None
        try:
            current = json.loads(pointer.read_text())
            target = folder / current["dir"]
            raw = json.loads((target / "chunks.json").read_text())
            bm25 = None if raw["empty"] else bm25s.BM25.load(str(target), mmap=True, show_progress=False)
        except Exception as exc:  # noqa: BLE001 - a torn or old index is rebuilt
            log.warning("BM25-index onleesbaar (%s); wordt opnieuw opgebouwd", exc)
            return None
        return cls(raw["ids"], DutchAnalyzer(raw["vocab"]), bm25, current["generation"], raw["df"])

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
