"""Optional re-ranking of the fused candidates (off by default).

``VRAAGBAAK_RERANKER`` names a sentence-transformers cross-encoder (by name or local path). None ships inside a
PyPI package that loads offline here, so the default leaves re-ranking off; the interface lets an organisation
with a model add one without touching retrieval.
"""
from __future__ import annotations

from typing import Protocol


class Reranker(Protocol):
    def scores(self, query: str, passages: list[str]) -> list[float]:
        """One relevance score per passage; higher is better."""


class CrossEncoderReranker:
    def __init__(self, model: str):
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model, device="cpu")

    def scores(self, query: str, passages: list[str]) -> list[float]:
        return [float(s) for s in self.model.predict([(query, p) for p in passages])]


def rerank(reranker: Reranker, query: str, hits: list, top: int) -> list:
    """Re-order the first ``top`` hits by the reranker's scores; the rest keep their place."""
    head, tail = hits[:top], hits[top:]
    if not head:
        return hits
    scores = reranker.scores(query, [h.text for h in head])
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    return [head[i] for i in order] + tail
