"""The regression gate: the default-mode eval on the dev set runs on every build and fails below
evals/thresholds.toml. The blind test set is reported by `vraagbaak eval`, never gated here."""
from __future__ import annotations

import tomllib

from evals.cli import THRESHOLDS, gate_failures
from evals.gold import load_set
from evals.runner import render_table, run_in_process


def test_thresholds_name_known_metrics():
    limits = tomllib.loads(THRESHOLDS.read_text())
    assert "hit@5" in limits["overall"] and "recall@5" not in limits["overall"]
    assert "median_words_max" in limits["overall"]


def test_quality_does_not_regress(settings, engine, capsys):
    dev = load_set("dev")
    report = run_in_process(settings, engine=engine)  # the default question set is the dev set
    assert [r.id for r in report.results] == [q.id for q in dev]
    assert not {r.id for r in report.results} & {q.id for q in load_set("test")}
    with capsys.disabled():
        print("\n" + render_table([("dev", report.summary())] + list(report.by_category().items())))
    assert gate_failures(report) == []


def _result(id, category, answerable, abstained, hit5=1.0, key_facts=1.0, words=20):
    from evals.runner import QuestionResult

    return QuestionResult(id=id, category=category, answerable=answerable, abstained=abstained, key_facts=key_facts,
                          supported=answerable and not abstained, citations=0 if abstained else 1,
                          citations_relevant=0 if abstained else 1, citations_valid=0 if abstained else 1,
                          hit5=hit5 if answerable else None, mrr=hit5 if answerable else None,
                          ndcg10=hit5 if answerable else None, length=words * 6, words=words, latency_ms=1.0)


def test_gate_failures_name_the_metric_that_dropped():
    from evals.runner import EvalReport

    good = EvalReport("dev", [_result("q1", "cijfers", True, False), _result("q2", "onbeantwoordbaar", False, True)])
    assert gate_failures(good) == []
    bad = EvalReport("dev", [_result("q1", "cijfers", True, False, hit5=0.0, words=200),
                             _result("q2", "cijfers", True, True, key_facts=0.0),
                             _result("q3", "onbeantwoordbaar", False, False)])
    failures = " ".join(gate_failures(bad))
    for metric in ("hit@5", "false_abstention", "median_words", "abstention_recall", "onbeantwoordbaar/"):
        assert metric in failures, metric
