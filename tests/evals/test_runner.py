"""`vraagbaak eval --api`: the suite driven through a running API, scored like the in-process run."""
from __future__ import annotations

from evals.gold import load_gold
from evals.runner import run_against_api, run_in_process, write_reports


def test_eval_against_a_running_api_matches_in_process(live_api, settings, engine, tmp_path):
    gold = [q for q in load_gold() if q.id in {"q001", "q028", "q051", "q090", "q111"}]
    over_http = run_against_api(live_api, settings, gold=gold)
    local = run_in_process(settings, gold=gold, engine=engine)
    assert [r.abstained for r in over_http.results] == [r.abstained for r in local.results]
    assert over_http.summary()["key_fact_accuracy"] == local.summary()["key_fact_accuracy"]
    assert over_http.summary()["citation_validity"] == 1.0
    json_path, md_path = write_reports([over_http], tmp_path, commit="test")
    assert json_path.exists() and "| api |" in md_path.read_text()
