"""`vraagbaak eval`: the suite in-process or against an API, with baseline, ablations and the gate."""
from __future__ import annotations

import argparse
import subprocess
import tomllib
from pathlib import Path

from assistant.settings import PROJECT_ROOT, get_settings

from .runner import EvalReport, render_table, run_against_api, run_in_process, write_reports

THRESHOLDS = Path(__file__).parent / "thresholds.toml"
ABLATIONS = (("zonder thesaurus", "use_thesaurus"), ("alleen dense (zonder BM25)", "use_lexical"),
             ("alleen BM25 (zonder dense)", "use_dense"),
             ("zonder dedup", "use_dedup"), ("zonder sectorboost", "use_sector_boost"))


def gate_failures(report: EvalReport, path: Path = THRESHOLDS) -> list[str]:
    limits = tomllib.loads(path.read_text())
    failures = []
    overall = report.summary()
    for name, floor in limits.get("overall", {}).items():
        if name.endswith("_max"):
            metric = name[:-4]
            if overall[metric] > floor:
                failures.append(f"{metric} = {overall[metric]:.3f} > {floor}")
        elif overall[name] < floor:
            failures.append(f"{name} = {overall[name]:.3f} < {floor}")
    cats = report.by_category()
    for cat, metrics in limits.items():
        if cat == "overall" or cat not in cats:
            continue
        for name, floor in metrics.items():
            if cats[cat][name] < floor:
                failures.append(f"{cat}/{name} = {cats[cat][name]:.3f} < {floor}")
    return failures


def _commit() -> str | None:
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, text=True).strip()
    except Exception:  # noqa: BLE001 - not a checkout
        return None


def _sets(choice: str) -> list[str]:
    from .gold import TEST_PATH

    if choice == "both":
        return ["dev", "test"] if TEST_PATH.exists() else ["dev"]
    return [choice]


def run_eval(args: argparse.Namespace) -> int:
    """Dev (the gold set, tuned on) and test (blind) side by side; ablations and the baseline on dev."""
    from .gold import load_set

    settings = get_settings()
    reports: list[EvalReport] = []
    engine = None
    for name in _sets(getattr(args, "set", "both")):
        questions = load_set(name)
        if args.api:
            r = run_against_api(args.api, settings, gold=questions, api_key=settings.read_key or settings.api_key)
        else:
            if engine is None:
                from assistant.engine import Vraagbaak

                engine = Vraagbaak(settings)
            r = run_in_process(settings, label=name, gold=questions, engine=engine)
        r.label = f"{name} ({len(questions)})"
        reports.append(r)
    side_by_side = list(reports)
    if args.ablate and not args.api:
        from assistant.engine import Vraagbaak, retriever_for

        dev = load_set("dev")
        for label, flag in ABLATIONS:
            variant = settings.model_copy(update={flag: False})
            r = run_in_process(variant, label=f"dev, {label}", gold=dev,
                               engine=Vraagbaak(variant, retriever_for(variant, store=engine.store)))
            reports.append(r)
    if args.compare:
        from .baseline import run_baseline

        reports.append(run_baseline(settings))
    if getattr(args, "judge", False):
        from .judge import judge_report

        judge_report(reports[0], settings)
    print(render_table([(r.label, r.summary()) for r in reports]))
    for r in side_by_side:
        print(f"\nPer categorie, {r.label}:")
        print(render_table(list(r.by_category().items())))
    jpath, mpath = write_reports(reports, settings.reports_dir, _commit())
    print(f"\nRapport: {mpath}\n        {jpath}")
    if args.gate:
        failures = gate_failures(reports[0])
        if failures:
            print("\nONDER DE DREMPEL:\n" + "\n".join(failures))
            return 1
    return 0
