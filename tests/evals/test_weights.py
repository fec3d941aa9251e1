"""The fitted decision weights (data/weights.json) and the helpers of `vraagbaak fit` (evals/fit.py)."""
from __future__ import annotations

import math

import pytest

from assistant.abstention import ABSTAIN_FEATURES
from assistant.evidence import UNIT_FEATURES
from assistant.settings import PROJECT_ROOT
from assistant.weights import DEFAULTS, LinearModel, Weights
from evals.fit import generated_unanswerables, overlaps
from evals.gold import load_set, norm

WEIGHTS = PROJECT_ROOT / "data" / "weights.json"


@pytest.fixture(scope="module")
def weights() -> Weights:
    return Weights.load(WEIGHTS)


def test_weights_file_has_fitted_unit_and_abstain_models(weights):
    assert WEIGHTS.exists()
    assert {"unit", "abstain"} <= set(weights.models)
    assert weights.meta.get("fitted_on") == "dev"


def test_unit_model_features_are_the_ones_the_scorer_computes(weights):
    """Every feature a model reads is computed (a missing one would silently read 0), in UNIT_FEATURES order;
    only the features relative to the other candidates may be left out on purpose."""
    import assistant.evidence as evidence

    relative = set(getattr(evidence, "RELATIVE_FEATURES", ()))
    for name in ("unit", "relevance"):
        model = weights.models.get(name)
        if model is None:
            assert name == "relevance"
            continue
        assert set(model.features) <= set(UNIT_FEATURES), (name, set(model.features) - set(UNIT_FEATURES))
        assert list(model.features) == [f for f in UNIT_FEATURES if f in model.features], name
        assert set(UNIT_FEATURES) - set(model.features) <= relative, (name, set(UNIT_FEATURES) - set(model.features))
    if "relevance" in weights.models:  # the absolute model never reads how a unit compares with the others
        assert not set(weights.models["relevance"].features) & relative


def test_abstain_model_features_are_the_ones_the_policy_computes(weights):
    abstain = weights.models["abstain"]
    assert tuple(abstain.features) == tuple(ABSTAIN_FEATURES)
    assert 0.0 < abstain.threshold < 1.0


@pytest.mark.parametrize("name", ["unit", "abstain"])
def test_each_model_is_complete_and_finite(weights, name):
    m = weights.models[name]
    for f in m.features:
        assert f in m.coef and math.isfinite(m.coef[f]), f
        assert f in m.mean and f in m.scale and m.scale[f] > 0, f
    assert math.isfinite(m.intercept)
    assert any(abs(c) > 1e-6 for c in m.coef.values())  # really fitted, not zeros


def test_the_policy_computes_every_abstain_feature(engine):
    from index.retriever import SearchFilters

    engine._prepare()
    q = engine.understand("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    hits = engine.retrieve(q, SearchFilters(), 8)
    units = engine.evidence(q, hits)
    f = engine.policy.features(q, hits, units)
    assert set(ABSTAIN_FEATURES) <= set(f)
    assert all(set(UNIT_FEATURES) <= set(u.features) for u in units)


def _features(engine, question: str) -> dict[str, float]:
    from index.retriever import SearchFilters

    engine._prepare()
    q = engine.understand(question)
    hits = engine.retrieve(q, SearchFilters(), 8)
    return engine.policy.features(q, hits, engine.evidence(q, hits))


def test_a_figure_without_a_year_of_its_own_speaks_for_its_document(engine):
    """The 2016 annex gives the VO boards' 57 jobs without a year in the sentence: that is 2016's figure, not a
    figure for another year. The same passage asked for 2012 stays a figure for another year."""
    f = _features(engine, "Hoeveel banen kwamen er uit de voortgangsinventarisatie van het voortgezet onderwijs in 2016?")
    assert f["figure_elsewhere"] == 0.0
    assert not engine.ask("Hoeveel banen kwamen er uit de voortgangsinventarisatie van het voortgezet onderwijs in 2016?").abstained
    assert _features(engine, "Hoeveel banen kwamen er uit de voortgangsinventarisatie van het voortgezet onderwijs in 2012?")[
        "figure_elsewhere"] == 1.0


def test_an_organisation_named_earlier_in_the_passage_is_the_figure_s_subject(engine):
    f = _features(engine, "Hoeveel banen worden er in de proeftuinen van Binnenwerk gecreëerd?")
    assert f["figure_elsewhere"] == 0.0 and f["entity_missing"] == 0.0
    a = engine.ask("Hoeveel banen worden er in de proeftuinen van Binnenwerk gecreëerd?")
    assert not a.abstained and "120" in a.answer, a.answer



def test_a_name_counts_as_a_word_in_the_passage_up_to_the_sentence():
    from assistant.abstention import _named_before
    from assistant.evidence import Unit
    from index.retriever import SearchHit

    text = "Binnenwerk start mede in de tweede ronde. Daar komen 120 banen. Later volgt Zestor."
    hit = SearchHit("c1", text, {}, 1.0)
    unit = Unit(text="Daar komen 120 banen.", start=42, end=63, hit=hit, rank=0, tokens=set())
    assert _named_before("Binnenwerk", unit) and _named_before("binnenwerk", unit)
    assert not _named_before("Ede", unit)  # only inside "mede" and "tweede"
    assert not _named_before("Zestor", unit)  # named after the figure: not its subject


def test_a_word_the_corpus_lacks_with_a_synonym_it_uses_is_no_unknown_subject(engine):
    """"sanctie" is not in the documents; its thesaurus synonym "boete" is."""
    with_synonym = _features(engine, "Krijgen organisaties die hun aantal niet halen een sanctie?")
    assert with_synonym["unknown"] == 0.0 and with_synonym["unknown_specific"] == 0.0
    without = _features(engine, "Krijgen organisaties die hun aantal niet halen een dwangsom?")
    assert without["unknown"] > 0.0


def test_a_phrase_the_thesaurus_translates_is_no_unknown_subject(engine):
    """"agreement" alone is in no thesaurus group; the phrase "social agreement" is ("sociaal akkoord")."""
    engine._prepare()
    understood = engine.policy._understood(engine.understand("When was the social agreement signed?"))
    assert "agreement" in understood and all(t not in engine.scorer.df for t in understood)  # only the unknown words
    assert not engine.policy._understood(engine.understand("When was the merger agreement signed?"))


def test_a_sector_outside_government_that_no_passage_mentions_is_a_sign_to_decline(engine):
    outside = _features(engine, "Hoeveel garantiebanen hebben de woningcorporaties gerealiseerd?")
    assert outside["outside_sector"] == 1.0
    assert _features(engine, "Hoeveel garantiebanen hebben de provincies gerealiseerd?")["outside_sector"] == 0.0
    answer = engine.ask("Hoeveel garantiebanen hebben de woningcorporaties gerealiseerd?")
    assert answer.abstained and "woningcorporaties" in answer.answer


def test_linear_model_round_trip_and_probability(tmp_path):
    m = LinearModel(("a", "b"), {"a": 2.0, "b": -1.0}, intercept=0.5, threshold=0.6, mean={"a": 1.0}, scale={"a": 2.0})
    assert m.logit({"a": 3.0, "b": 1.0}) == pytest.approx(0.5 + 2.0 * 1.0 - 1.0)
    assert m.probability({"a": 3.0, "b": 1.0}) == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert m.decide({"a": 3.0, "b": 1.0}) and not m.decide({"a": -5.0, "b": 0.0})
    w = Weights({"unit": m}, meta={"fitted_on": "dev"})
    path = tmp_path / "w.json"
    w.save(path)
    back = Weights.load(path)
    assert back.models["unit"].to_json() == m.to_json() and back.meta == {"fitted_on": "dev"}
    assert back["abstain"] is DEFAULTS["abstain"]  # a model missing from the file falls back to the default
    assert Weights.load(tmp_path / "missing.json")["unit"] is DEFAULTS["unit"]


def test_generated_unanswerables_are_new_questions():
    dev = load_set("dev")
    generated = generated_unanswerables(dev, PROJECT_ROOT / "data" / "out_of_scope.json")
    assert len(generated) >= 20
    assert len(generated) == len(set(generated))
    assert not set(generated) & {q.question for q in dev}
    assert not set(generated) & {q.question for q in load_set("test")}  # nor copies of the blind set
    assert generated == generated_unanswerables(dev, PROJECT_ROOT / "data" / "out_of_scope.json")  # seeded


def test_overlaps_matches_a_unit_to_its_supporting_passage():
    quotes = [norm("Voor de sector Rijk betekent dit in 10 jaar 3.340 extra banen.")]
    assert overlaps("Voor de sector Rijk betekent dit in 10 jaar 3.340 extra banen.", quotes)
    assert overlaps("Voor  de sector Rijk betekent dit\nin 10 jaar 3.340 extra banen.", quotes)  # whitespace
    assert overlaps("betekent dit in 10 jaar 3.340 extra banen voor de sector Rijk", quotes)  # most words shared
    assert not overlaps("Defensie heeft de taakstelling toegedeeld naar de verschillende onderdelen.", quotes)
    assert not overlaps("Een andere zin.", [])


def test_out_of_scope_vocabulary_is_really_out_of_scope():
    """The generated unanswerables are only unanswerable when their sectors, people and years are not in the corpus."""
    import json

    from evals.gold import corpus_texts
    from ingest.sectors import SectorVocabulary

    raw = json.loads((PROJECT_ROOT / "data" / "out_of_scope.json").read_text(encoding="utf-8"))
    vocab = SectorVocabulary.from_file(PROJECT_ROOT / "data" / "sectors.json")
    corpus = " ".join(corpus_texts(str(PROJECT_ROOT / "data" / "corpus")).values()).lower()
    for sector in raw["sectors"]:
        assert not vocab.find_all(sector), sector
    for person in raw["people"]:
        surname = person.split()[-1].lower()
        assert surname not in corpus, person
    for year in raw["years"]:
        assert year not in corpus, year


def test_answerable_variants_stay_close_to_dev_questions():
    import evals.fit as fit

    variants_of = getattr(fit, "answerable_variants", None)
    if variants_of is None:
        pytest.skip("no answerable variants in this version of evals/fit.py")
    dev = load_set("dev")
    variants = variants_of(dev, PROJECT_ROOT / "data" / "out_of_scope.json")
    assert variants and not set(variants) & {q.question for q in dev}
    assert variants == variants_of(dev, PROJECT_ROOT / "data" / "out_of_scope.json")  # seeded


def test_a_signed_fit_keeps_each_feature_on_its_side_of_zero():
    """A confound in the training data (here: good evidence goes with declining) may not flip a feature's meaning."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from evals.fit import _fit_signed

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    evidence = y + rng.normal(0, 0.5, 400)  # confounded: higher for the questions to decline
    missing = y + rng.normal(0, 0.5, 400)   # a genuine signal for declining
    x = np.c_[evidence, missing]
    assert LogisticRegression().fit(x, y).coef_[0][0] > 0  # unbounded, the confound wins
    model = _fit_signed(x, y, ("best_unit", "year_missing"), {"best_unit": -1, "year_missing": 1})
    assert model.coef["best_unit"] == 0.0 < model.coef["year_missing"]
    assert model.probability({"best_unit": 0.0, "year_missing": 2.0}) > 0.5 > model.probability(
        {"best_unit": 0.0, "year_missing": -1.0})
