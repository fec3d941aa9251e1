"""What a question asks for, as a boost on retrieved chunks: its sector's rows, its kind of passage.

The retriever fuses dense and lexical rankings; this step adds bonuses (in units of a top vote) from
chunk metadata that agrees with the question. Weights come from settings.
"""
from __future__ import annotations

from typing import Any

from index.retriever import Boost

from .evidence import count_in
from .query import Query


def boost_for(q: Query, sector_boost: float = 0.5, vocabulary: set[str] | frozenset[str] = frozenset()) -> Boost | None:
    text = q.text.lower()

    def boost(meta: dict[str, Any], chunk_text: str) -> float:
        bonus = 0.0
        if q.sectors and sector_boost:
            if meta.get("sector") in q.sectors:
                bonus += sector_boost
            elif any(x in q.sectors for x in (meta.get("mentions") or "").split("|") if x):
                bonus += 0.25 * sector_boost
        if q.has("knelpunt") and meta.get("knelpunt"):
            bonus += 0.5
        if q.has("results") and meta.get("role") == "gevolgen":
            bonus += 0.3
        kind = (meta.get("kind") or "").lower()
        if kind and kind in text:
            bonus += 0.5
        if q.count_noun and count_in(chunk_text, q.count_noun, vocabulary):
            bonus += 0.5
        return bonus

    return boost
