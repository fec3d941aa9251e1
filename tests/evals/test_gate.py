"""The regression gate: the default-mode eval runs on every build and fails below evals/thresholds.toml."""
from __future__ import annotations

from evals.cli import gate_failures
from evals.runner import render_table, run_in_process


def test_quality_does_not_regress(settings, engine, capsys):
    report = run_in_process(settings, engine=engine)
    with capsys.disabled():
        print("\n" + render_table([("standaard", report.summary())] + list(report.by_category().items())))
    assert gate_failures(report) == []
