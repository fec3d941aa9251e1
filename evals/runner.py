"""Runs the gold questions through the assistant (in-process or over HTTP) and scores them."""
from __future__ import annotations

import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from assistant.settings import Settings

from .gold import GoldQuestion, fact_present, load_gold, norm
from .metrics import hit_at_k, key_fact_accuracy, mean, mrr, ndcg_at_k, percentile, relevant_quotes

K = 5


@dataclass
class QuestionResult:
    id: str
    category: str
    answerable: bool
    abstained: bool
    key_facts: float
    supported: bool | None
    citations: int
    citations_relevant: int
    citations_valid: int
    hit5: float | None
    mrr: float | None
    ndcg10: float | None
    length: int
    words: int
    latency_ms: float
    answer: str = ""


@dataclass
class EvalReport:
    label: str
    results: list[QuestionResult] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self, rows: list[QuestionResult] | None = None) -> dict[str, float]:
        rows = self.results if rows is None else rows
        ans = [r for r in rows if r.answerable]
        ret = [r for r in ans if r.hit5 is not None]
        unans = [r for r in rows if not r.answerable]
        answered = [r for r in ans if not r.abstained]
        abstained = [r for r in rows if r.abstained]
        cits = sum(r.citations for r in rows if not r.abstained)
        out = {
            "n": len(rows),
            "hit@5": mean([r.hit5 for r in ret]) if ret else float("nan"),
            "mrr": mean([r.mrr for r in ret]) if ret else float("nan"),
            "ndcg@10": mean([r.ndcg10 for r in ret]) if ret else float("nan"),
            "key_fact_accuracy": mean([r.key_facts for r in ans]) if ans else float("nan"),
            "citation_support": mean([1.0 if r.supported else 0.0 for r in answered]) if answered else float("nan"),
            "citation_precision": (sum(r.citations_relevant for r in rows if not r.abstained) / cits) if cits else float("nan"),
            "citation_validity": (sum(r.citations_valid for r in rows if not r.abstained) / cits) if cits else float("nan"),
            "abstention_recall": mean([1.0 if r.abstained else 0.0 for r in unans]) if unans else float("nan"),
            "abstention_precision": (sum(1 for r in abstained if not r.answerable) / len(abstained)) if abstained else float("nan"),
            "false_abstention": mean([1.0 if r.abstained else 0.0 for r in ans]) if ans else float("nan"),
            "answer_chars": mean([float(r.length) for r in rows if not r.abstained]),
            "median_words": statistics.median([r.words for r in rows if not r.abstained] or [0]),
            "latency_p50_ms": percentile([r.latency_ms for r in rows], 50),
            "latency_p95_ms": percentile([r.latency_ms for r in rows], 95),
        }
        return out

    def by_category(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QuestionResult]] = defaultdict(list)
        for r in self.results:
            groups[r.category].append(r)
        return {c: self.summary(rs) for c, rs in sorted(groups.items())}


def score_question(q: GoldQuestion, answer: dict[str, Any], passages: list[str] | None, latency_ms: float,
                   doc_texts: dict[str, str]) -> QuestionResult:
    text = answer.get("answer", "")
    abstained = bool(answer.get("abstained"))
    citations = answer.get("citations", []) if not abstained else []
    gold_quotes = [norm(s.quote) for s in q.supporting]
    relevant = 0
    valid = 0
    supported = False
    for c in citations:
        quote = norm(c.get("quote", ""))
        doc = doc_texts.get(c.get("document_id", ""), "")
        if doc and doc[c.get("start", 0):c.get("end", 0)] == c.get("quote"):
            valid += 1
        overlaps = any(g in quote or (len(quote) > 30 and quote in g) for g in gold_quotes)
        if overlaps or any(fact_present(f, c.get("quote", "")) for f in q.key_facts):
            relevant += 1
        supported = supported or overlaps
    if citations and q.key_facts and not supported:
        # the cited quotes together state every key fact: that supports the answer as well
        cited = " ".join(c.get("quote", "") for c in citations)
        supported = all(fact_present(f, cited) for f in q.key_facts)
    rec = mr = nd = None
    if passages is not None and q.answerable:
        rel = relevant_quotes(passages, q)
        rec, mr, nd = hit_at_k(rel, K), mrr(rel), ndcg_at_k(rel, len(q.supporting), 10)
    return QuestionResult(
        id=q.id, category=q.category, answerable=q.answerable, abstained=abstained,
        key_facts=0.0 if (abstained and q.answerable) else key_fact_accuracy(text, q),
        supported=supported if q.answerable and not abstained else None, citations=len(citations),
        citations_relevant=relevant, citations_valid=valid, hit5=rec, mrr=mr, ndcg10=nd, length=len(text),
        words=len(re.findall(r"\w+", re.sub(r"\[\d+\]", " ", text))),
        latency_ms=latency_ms, answer=text)


def run_in_process(settings: Settings, label: str = "standaard", gold: list[GoldQuestion] | None = None,
                   engine=None) -> EvalReport:
    from assistant.engine import Vraagbaak

    from .gold import corpus_texts

    engine = engine or Vraagbaak(settings)
    gold = gold or load_gold()
    docs = corpus_texts(str(settings.corpus_dir))
    report = EvalReport(label)
    engine.ask("Wat heeft de sector Rijk gedaan?")  # warm up: model, index, caches
    for q in gold:
        t = time.perf_counter()
        ans = engine.ask(q.question, history=q.history)
        latency = (time.perf_counter() - t) * 1000
        resolved = engine.resolver.resolve(q.question, q.history).text
        hits = engine.search(resolved, k=10)
        passages = [h.text + "\n" + "\n".join(engine.retriever.text_of(a.chunk_id) for a in h.alternates) for h in hits]
        report.results.append(score_question(q, ans.model_dump(), passages, latency, docs))
    report.meta = {"mode": "in-process", "embedding_model": settings.embedding_model}
    return report


def run_against_api(base_url: str, settings: Settings, gold: list[GoldQuestion] | None = None,
                    api_key: str | None = None) -> EvalReport:
    import httpx

    from .gold import corpus_texts

    gold = gold or load_gold()
    docs = corpus_texts(str(settings.corpus_dir))
    report = EvalReport("api")
    headers = {"X-API-Key": api_key} if api_key else {}
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=60, headers=headers) as client:
        for q in gold:
            t = time.perf_counter()
            r = client.post("/ask", json={"question": q.question, "history": q.history})
            latency = (time.perf_counter() - t) * 1000
            r.raise_for_status()
            passages = None
            if not q.history:
                s = client.get("/search", params={"q": q.question, "k": 10})
                s.raise_for_status()
                passages = [h["text"] for h in s.json()["results"]]
            report.results.append(score_question(q, r.json(), passages, latency, docs))
    report.meta = {"mode": "api", "url": base_url}
    return report


def write_reports(reports: list[EvalReport], folder: Path, commit: str | None = None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    data = {"created": stamp, "commit": commit,
            "reports": [{"label": r.label, "meta": r.meta, "overall": r.summary(), "by_category": r.by_category(),
                         "questions": [vars(x) for x in r.results]} for r in reports]}
    jpath = folder / f"eval-{stamp}.json"
    jpath.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    mpath = folder / f"eval-{stamp}.md"
    mpath.write_text(render_markdown(reports, commit), encoding="utf-8")
    return jpath, mpath


COLUMNS = ["n", "hit@5", "mrr", "key_fact_accuracy", "citation_support", "citation_precision", "false_abstention",
           "abstention_recall", "median_words", "latency_p50_ms"]


def _fmt(v: float) -> str:
    if v != v:  # NaN
        return "–"
    return f"{v:.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:.3f}"


def render_table(rows: list[tuple[str, dict[str, float]]], columns: list[str] = COLUMNS) -> str:
    head = "| | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns) + "\n"
    return head + "\n".join(f"| {label} | " + " | ".join(_fmt(s.get(c, float('nan'))) for c in columns) + " |"
                            for label, s in rows)


def render_markdown(reports: list[EvalReport], commit: str | None = None) -> str:
    out = [f"# Vraagbaak evaluatie{f' (commit {commit})' if commit else ''}\n", "## Overall\n",
           render_table([(r.label, r.summary()) for r in reports]), ""]
    for r in reports:
        if r.label.startswith(("dev (", "test (")):
            out += [f"\n## Per categorie ({r.label})\n", render_table(list(r.by_category().items())), ""]
    return "\n".join(out)
