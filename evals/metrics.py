"""Metrics for retrieval and answers. Relevance of a passage = it contains a gold supporting quote."""
from __future__ import annotations

import math
import statistics

from .gold import GoldQuestion, fact_present, norm


def relevant_quotes(passages: list[str], q: GoldQuestion) -> list[set[int]]:
    """For each passage, the indexes of the gold quotes it contains."""
    quotes = [norm(s.quote) for s in q.supporting]
    return [{i for i, quote in enumerate(quotes) if quote in norm(p)} for p in passages]


def hit_at_k(hits: list[set[int]], k: int) -> float:
    """1 when any supporting quote of the question is in the top k passages (hit@k, not recall)."""
    return 1.0 if any(hits[:k]) else 0.0


def mrr(hits: list[set[int]]) -> float:
    for rank, h in enumerate(hits, 1):
        if h:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(hits: list[set[int]], n_quotes: int, k: int = 10) -> float:
    gains = [1.0 if h else 0.0 for h in hits[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal_n = min(max(n_quotes, 1, int(sum(gains))), k)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
    return dcg / idcg if idcg else 0.0


def key_fact_accuracy(answer: str, q: GoldQuestion) -> float:
    if not q.key_facts:
        return 1.0
    return sum(1.0 for alts in q.key_facts if fact_present(alts, answer)) / len(q.key_facts)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    idx = min(len(values) - 1, max(0, math.ceil(p / 100.0 * len(values)) - 1))
    return values[idx]


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0
