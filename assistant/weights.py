"""Fitted decision weights, all in one data file (data/weights.json), re-fitted by ``vraagbaak fit``.

Each decision is a logistic model over named features: which unit answers (``unit``), whether to
decline (``abstain``, with its threshold) and whether a question naming a sector gets its overview (``shape``).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LinearModel:
    features: tuple[str, ...]
    coef: dict[str, float]
    intercept: float = 0.0
    threshold: float = 0.5
    mean: dict[str, float] = field(default_factory=dict)  # standardisation fitted with the weights
    scale: dict[str, float] = field(default_factory=dict)

    def logit(self, x: dict[str, float]) -> float:
        z = self.intercept
        for name in self.features:
            v = (x.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
            z += self.coef.get(name, 0.0) * v
        return z

    def probability(self, x: dict[str, float]) -> float:
        z = max(-30.0, min(30.0, self.logit(x)))
        return 1.0 / (1.0 + math.exp(-z))

    def decide(self, x: dict[str, float]) -> bool:
        return self.probability(x) >= self.threshold

    def to_json(self) -> dict:
        return {"features": list(self.features), "coef": self.coef, "intercept": self.intercept,
                "threshold": self.threshold, "mean": self.mean, "scale": self.scale}

    @classmethod
    def from_json(cls, raw: dict) -> "LinearModel":
        return cls(tuple(raw["features"]), dict(raw["coef"]), float(raw.get("intercept", 0.0)),
                   float(raw.get("threshold", 0.5)), dict(raw.get("mean", {})), dict(raw.get("scale", {})))


# Starting points before a fit: a reasonable hand-set model, so a fresh checkout answers sensibly.
DEFAULTS: dict[str, LinearModel] = {
    "unit": LinearModel(("dense", "coverage", "count_match", "sector_conflict", "short"),
                        {"dense": 6.0, "coverage": 3.0, "count_match": 1.5, "sector_conflict": -1.5, "short": -1.0},
                        intercept=-7.0),
    "abstain": LinearModel(("best_unit", "coverage_best", "unknown"),
                           {"best_unit": -4.0, "coverage_best": -3.0, "unknown": 3.0}, intercept=1.5, threshold=0.5),
    # an overview for "what has sector X done" and nothing more specific
    "shape": LinearModel(("overview_cue", "results_cue", "pointed", "topical"),
                         {"overview_cue": 3.0, "results_cue": 3.0, "pointed": -4.0, "topical": -3.0}, intercept=-2.0),
}


class Weights:
    def __init__(self, models: dict[str, LinearModel], meta: dict | None = None):
        self.models = models
        self.meta = meta or {}

    def __getitem__(self, name: str) -> LinearModel:
        return self.models.get(name) or DEFAULTS[name]

    def check(self, name: str, computed: tuple[str, ...]) -> LinearModel:
        """The model, after making sure the code computes every feature it weighs (else a re-fit is due)."""
        model = self[name]
        unknown = [f for f in model.features if f not in computed]
        if unknown:
            raise ValueError(f"data/weights.json: model '{name}' weegt kenmerken die de code niet berekent "
                             f"({', '.join(unknown)}); voer `vraagbaak fit` uit.")
        return model

    @classmethod
    def load(cls, path: Path) -> "Weights":
        if not path.exists():
            return cls(dict(DEFAULTS))
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls({k: LinearModel.from_json(v) for k, v in raw.get("models", {}).items()}, raw.get("meta", {}))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"_comment": "Fitted by `vraagbaak fit` (evals/fit.py); do not edit by hand.",
                                    "meta": self.meta,
                                    "models": {k: v.to_json() for k, v in self.models.items()}},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
