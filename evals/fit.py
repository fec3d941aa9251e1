"""`vraagbaak fit`: re-fit the decision weights in data/weights.json on the dev set.

1. ``unit``: which evidence unit answers — logistic regression over unit features; a unit is positive when
   it overlaps a supporting passage of the dev question or states one of its key facts.
2. ``abstain``: whether to decline — logistic regression with sign bounds (ABSTAIN_SIGNS) over question features
   on the dev set (its answerable and unanswerable questions) plus typed variants of its answerable questions,
   and generated unanswerable questions (out-of-scope sectors, far years, unknown people, amounts and topics from
   data/out_of_scope.json) at a tenth of the weight, cross-validated; the threshold keeps false abstention on the
   answerable questions at or under 2.5% (and on the English ones among them at or under 10%).
3. ``shape``: whether a question naming a sector gets the sector overview or a direct answer — logistic regression
   over question features, on the dev questions for which one of the two shapes states more key facts.
Only the dev set is used; the blind test set is never read here.
"""
from __future__ import annotations

import json
import random
import re

import numpy as np

from assistant.abstention import ABSTAIN_FEATURES
from assistant.evidence import UNIT_FEATURES
from assistant.shape import SHAPE_FEATURES
from assistant.weights import DEFAULTS, LinearModel, Weights

from .gold import GoldQuestion, fact_present, load_set, norm
from .metrics import key_fact_accuracy

# Held out round by round on the 1562 dev questions (each blind round in turn), unanswerable recall is 0.73 at a 2%
# bound and 0.78 from 2.5% up to 4%, while false abstention rises with the bound. Blind rounds have declined 1-2% of
# their answerable questions at the 2% bound, so the bound sits at the first step of that plateau.
MAX_FALSE_ABSTENTION = 0.025
# English questions on their own: a looser bound, since at 5% this small group alone set the threshold for everyone
# (cross-validated unanswerable recall 0.58 against 0.66)
MAX_FALSE_ABSTENTION_ENGLISH = 0.10
ENGLISH_WEIGHT = 3.0
# an overview runs about 60 words longer than a direct answer: it is given only where it is clearly the better shape
SHAPE_THRESHOLD = 0.6
GENERATED_WEIGHT = 0.1


def overlaps(unit_text: str, quotes: list[str]) -> bool:
    u = norm(unit_text)
    return any(g in u or (len(u) > 30 and u in g) or _token_overlap(u, g) > 0.6 for g in quotes)


def _token_overlap(a: str, b: str) -> float:
    ta, tb = set(re.findall(r"\w+", a)), set(re.findall(r"\w+", b))
    return len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0


def generated_unanswerables(dev: list[GoldQuestion], vocab_path, seed: int = 7, with_source: bool = False) -> list:
    """Unanswerable questions from templates; ``with_source`` gives (text, id of the dev question it came from)."""
    raw = json.loads(vocab_path.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    answerable = [q for q in dev if q.answerable and not q.history and q.lang == "nl"]
    for q in answerable:
        if q.sector:
            out.append((re.sub(r"(?i)\b(?:de\s+)?(?:sector\s+)?" + re.escape(q.sector.replace("_", " ")) + r"\b",
                               rng.choice(raw["sectors"]), q.question, count=1), q.id))
        years = re.findall(r"\b20\d\d\b", q.question)
        if years:
            out.append((q.question.replace(years[0], rng.choice(raw["years"])), q.id))
    for amount in raw["amounts"]:
        out.append((f"Hoe hoog is {amount}?", ""))
        out.append((f"Wat is {amount} volgens de documenten?", ""))
    for person in raw["people"]:
        out.append((f"Wat zegt {person} over de banenafspraak?", ""))
    for topic in raw["topics"]:
        out.append((f"Wat staat er over {topic}?", ""))
        out.append((f"Welke afspraken zijn er gemaakt over {topic}?", ""))
    asked = {d.question for d in dev}
    return _unique(out, asked, with_source)


def _unique(pairs: list[tuple[str, str]], asked: set[str], with_source: bool) -> list:
    """Each text once (the first source kept), none that is a dev question already."""
    seen: dict[str, str] = {}
    for text, source in pairs:
        if text not in asked:
            seen.setdefault(text, source)
    return list(seen.items()) if with_source else list(seen)


def answerable_variants(dev: list[GoldQuestion], vocab_path, seed: int = 11, with_source: bool = False) -> list:
    """Dev questions as users type them: a typo in a content word, or a filler word the corpus lacks.

    They stay answerable, so the abstain model learns that an unknown or misspelt word alone says little."""
    raw = json.loads(vocab_path.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for q in dev:
        if not q.answerable or q.history:
            continue
        words = [w for w in re.findall(r"[A-Za-zà-ÿ]{6,}", q.question)]
        if words:
            w = rng.choice(words)
            spots = [i for i in range(1, len(w) - 2) if w[i] != w[i + 1]]
            if spots:
                i = rng.choice(spots)
                out.append((q.question.replace(w, w[:i] + w[i + 1] + w[i] + w[i + 2:], 1), q.id))
        filler = rng.choice(raw["fillers"])
        out.append((re.sub(r"\?$", "", q.question).rstrip() + f" {filler}?", q.id))
    return _unique(out, set(), with_source)


def _fit(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    clf.fit((x - mean) / scale, y)
    model = LinearModel(features, dict(zip(features, map(float, clf.coef_[0]))), float(clf.intercept_[0]),
                        mean=dict(zip(features, map(float, mean))), scale=dict(zip(features, map(float, scale))))
    return model


# The direction each abstain feature may push, from what it means: better evidence never argues for declining, a
# missing year, name, sector or figure never argues for answering. Without these bounds the fit reads confounds in
# the generated questions (short template questions cover their few known words fully) as signal.
ABSTAIN_SIGNS = {"best_unit": -1, "best_dense": -1, "dense_margin": -1, "chunk_dense": -1, "coverage_known": -1,
                 "unknown": 1, "unknown_rare": 1, "unknown_specific": 1, "specific_missing": 1, "year_missing": 1, "year_unsupported": 1, "entity_missing": 1, "sector_missing": 1, "number_missing": 1,
                 "money_missing": 1, "figure_elsewhere": 1, "outside_sector": 1}


def _fit_signed(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], signs: dict[str, int],
                c: float = 0.3, sample_weight: np.ndarray | None = None) -> LinearModel:
    """Class-balanced, L2-regularised logistic regression whose coefficients keep the given signs (L-BFGS-B)."""
    from scipy.optimize import minimize

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / scale
    sw = np.ones(len(y)) if sample_weight is None else sample_weight
    pos, neg = (sw * y).sum(), (sw * (1 - y)).sum()
    weight = sw * np.where(y == 1, sw.sum() / (2 * max(pos, 1e-9)), sw.sum() / (2 * max(neg, 1e-9)))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xs @ w[:-1] + w[-1]
        p = 1 / (1 + np.exp(-z))
        value = np.sum(weight * (np.logaddexp(0, z) - y * z)) + 0.5 / c * np.sum(w[:-1] ** 2)
        grad = weight * (p - y)
        return value, np.append(xs.T @ grad + w[:-1] / c, grad.sum())

    bounds = [(None, 0) if signs.get(f) == -1 else (0, None) if signs.get(f) == 1 else (None, None)
              for f in features] + [(None, None)]
    w = minimize(loss, np.zeros(len(features) + 1), jac=True, bounds=bounds, method="L-BFGS-B").x
    return LinearModel(features, dict(zip(features, map(float, w[:-1]))), float(w[-1]),
                       mean=dict(zip(features, map(float, mean))), scale=dict(zip(features, map(float, scale))))


def _cv_probabilities(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], groups: np.ndarray, folds: int = 5,
                      sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Held-out probabilities; a dev question and the questions made from it share a fold (``groups``), or the
    model would be tested on typed copies of what it trained on."""
    from sklearn.model_selection import StratifiedGroupKFold

    sw = np.ones(len(y)) if sample_weight is None else sample_weight
    probs = np.zeros(len(y))
    for train, test in StratifiedGroupKFold(folds, shuffle=True, random_state=0).split(x, y, groups):
        m = _fit_signed(x[train], y[train], features, ABSTAIN_SIGNS, sample_weight=sw[train])
        probs[test] = [m.probability(dict(zip(features, row))) for row in x[test]]
    return probs


def _fit_shape(engine, cases) -> tuple[LinearModel, int]:
    """Overview or direct answer, for a dev question naming a sector: both are composed, and the question is an
    example of whichever stated more of its key facts (a tie teaches nothing)."""
    from index.retriever import SearchFilters

    sx, sy = [], []
    for q, query, hits in cases:
        if not q.answerable or not query.sectors or query.has("knelpunt"):
            continue
        units = engine.evidence(query, hits)
        scores = [key_fact_accuracy(engine._compose(query, shape, units, SearchFilters()).text, q)
                  for shape in ("overview", "direct")]
        if scores[0] != scores[1]:
            f = engine.shape_features(query, units)
            sx.append([f[n] for n in SHAPE_FEATURES])
            sy.append(1 if scores[0] > scores[1] else 0)
    if len(set(sy)) < 2:  # nothing to learn from (a tiny dev set): the hand-set starting point stands
        return DEFAULTS["shape"], len(sy)
    model = _fit(np.array(sx, dtype=float), np.array(sy), SHAPE_FEATURES, c=0.3)
    model.threshold = SHAPE_THRESHOLD
    return model, len(sy)


def _threshold(answerable_probs: np.ndarray, limit: float) -> float:
    """The lowest threshold that declines at most ``limit`` of these answerable questions."""
    if not len(answerable_probs):
        return 0.0
    allowed = int(limit * len(answerable_probs))
    return float(np.sort(answerable_probs)[::-1][allowed]) + 1e-6


def fit(engine, settings) -> dict:
    from index.retriever import SearchFilters

    dev = load_set("dev")
    engine._prepare()
    # -- units --
    ux, uy = [], []
    cases = []
    for q in dev:
        resolved = engine.resolver.resolve(q.question, q.history).text
        query = engine.understand(resolved)
        hits = engine.retrieve(query, SearchFilters(), 8)
        units = engine.evidence(query, hits)
        cases.append((q, query, hits))
        if not q.answerable:
            continue
        quotes = [norm(s.quote) for s in q.supporting]
        for u in units:
            ux.append([u.features[f] for f in UNIT_FEATURES])
            uy.append(1 if overlaps(u.text, quotes) or any(fact_present(f, u.text) for f in q.key_facts) else 0)
    unit_model = _fit(np.array(ux), np.array(uy), UNIT_FEATURES, c=0.5)
    engine.scorer.model = unit_model
    shape_model, shape_n = _fit_shape(engine, cases)
    # -- abstain --
    ax, ay, kinds, groups = [], [], [], []
    for q, query, hits in cases:
        units = engine.evidence(query, hits)
        f = engine.policy.features(query, hits, units)
        ax.append([f[n] for n in ABSTAIN_FEATURES])
        ay.append(0 if q.answerable else 1)
        kinds.append("dev-answerable" if q.answerable else "dev-unanswerable")
        groups.append(q.id)
    vocab_path = settings.data_dir / "out_of_scope.json"
    generated = [(t, src, 1, "generated") for t, src in generated_unanswerables(dev, vocab_path, with_source=True)] + \
        [(t, src, 0, "variant") for t, src in answerable_variants(dev, vocab_path, with_source=True)]
    for text, source, label, kind in generated:
        query = engine.understand(text)
        hits = engine.retrieve(query, SearchFilters(), 8)
        units = engine.evidence(query, hits)
        f = engine.policy.features(query, hits, units)
        ax.append([f[n] for n in ABSTAIN_FEATURES])
        ay.append(label)
        kinds.append(kind)
        groups.append(source or f"template:{text}")
    x, y, kinds = np.array(ax, dtype=float), np.array(ay), np.array(kinds)
    # The generated unanswerables weigh little. With 90 real unanswerable questions in dev, the template questions
    # at full weight taught the model their own look: recall on each blind-written round held out in turn fell from
    # 0.64 to 0.56 at the same false abstention. At a tenth they still teach the plain cases (an unknown minister,
    # a sector outside government) without that cost.
    # English questions are a small share of dev; weighed up, the model learns their lower similarity to Dutch
    # passages instead of spending the false-abstention allowance on them
    english = x[:, ABSTAIN_FEATURES.index("english")] > 0
    sw = np.where(english, ENGLISH_WEIGHT, 1.0) * np.where(kinds == "generated", GENERATED_WEIGHT, 1.0)
    probs = _cv_probabilities(x, y, ABSTAIN_FEATURES, np.array(groups), sample_weight=sw)
    answerable = np.isin(kinds, ("dev-answerable", "variant"))
    dev_answerable = kinds == "dev-answerable"
    # the lowest threshold whose cross-validated false abstention stays within the limit, on the dev questions and
    # their typed variants together (users misspell and add words, and that alone must not make it decline), and
    # on the English ones among them on their own (MAX_FALSE_ABSTENTION_ENGLISH)
    threshold = max(_threshold(probs[answerable], MAX_FALSE_ABSTENTION),
                    _threshold(probs[answerable & english], MAX_FALSE_ABSTENTION_ENGLISH))
    abstain_model = _fit_signed(x, y, ABSTAIN_FEATURES, ABSTAIN_SIGNS, sample_weight=sw)
    abstain_model.threshold = threshold
    declined = probs >= threshold
    report = {
        "units": len(uy), "unit_positives": int(sum(uy)),
        "questions": int(len(y)), "generated_unanswerables": int((kinds == "generated").sum()),
        "answerable_variants": int((kinds == "variant").sum()),
        "cv_false_abstention_with_variants": float(declined[answerable].mean()),
        "cv_false_abstention_dev": float(declined[dev_answerable].mean()),
        "cv_false_abstention_english": float(declined[answerable & english].mean()) if (answerable & english).any() else 0.0,
        "cv_unanswerable_recall_dev": float(declined[kinds == "dev-unanswerable"].mean()),
        "cv_unanswerable_recall_generated": float(declined[kinds == "generated"].mean()),
        "threshold": threshold,
    }
    report["shape_questions"] = shape_n
    weights = Weights({"unit": unit_model, "abstain": abstain_model, "shape": shape_model},
                      meta={"fitted_on": "dev", **report})
    weights.save(settings.weights_path)
    return report
