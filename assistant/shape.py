"""Which answer shape a question gets: a sector overview, the knelpunten list, or a direct answer.

"Wat heeft sector X gedaan?" wants the sector's overview; "Hoe houdt het IPO de voortgang bij?" wants the one passage
that says so. Which of the two a question naming a sector wants is one fitted decision (``shape`` in
data/weights.json) over features of the question and its best evidence, learned from the dev questions on which one
shape stated more key facts than the other. The knelpunten list stays a rule: it answers only "which knelpunten are
there", without a sector or a named knelpunt.
"""
from __future__ import annotations

import re

from .evidence import EvidenceScorer, Unit
from .query import Query

_YEAR_TOKEN = re.compile(r"(?:19|20)\d\d")
POINTED = frozenset({"count", "amount", "percent", "when", "why", "who"})  # a single fact is asked

SHAPE_FEATURES = ("overview_cue", "results_cue", "how_cue", "which_cue", "pointed", "compare", "topical",
                  "topical_weight", "topical_in_best", "year", "english")


def topical_words(specific: set[str], months: set[str]) -> set[str]:
    """The question's own subject words: not cue, sector or everyday words, and not a year or month (a period
    narrows an overview, it does not change the topic)."""
    return {t for t in specific if not _YEAR_TOKEN.fullmatch(t) and t not in months}


def shape_features(q: Query, units: list[Unit], topical: set[str], scorer: EvidenceScorer) -> dict[str, float]:
    top = max((u.score for u in units), default=0.0) or 1.0
    topics = sorted(topical)
    weight = sum(scorer.idf(t) for t in topical) / scorer.idf_max
    return {
        "overview_cue": float(q.has("overview")),
        "results_cue": float(q.has("results")),
        "how_cue": float(q.has("how")),
        "which_cue": float(q.has("which")),
        "pointed": float(bool(q.intents & POINTED)),
        "compare": float(q.has("compare")),
        "topical": float(min(len(topical), 5)),
        "topical_weight": min(weight, 5.0),
        # the subject words stand in a sentence that scores near the best: a specific question with a specific
        # answer. Per sentence, weighted by its score relative to the best (words split over two sentences count
        # partly), so a close runner-up counts about as much as the best one.
        "topical_in_best": max((scorer.coverage(u.tokens, topics) * u.score / top for u in units[:8]), default=0.0)
        if topical else 0.0,
        "year": float(bool(q.years)),
        "english": float(q.english),
    }
