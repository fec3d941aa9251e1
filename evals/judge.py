"""Optional LLM judge (RAGAS-style faithfulness and answer relevance), only when an LLM is configured."""
from __future__ import annotations

import json
import re

from assistant.settings import Settings

from .runner import EvalReport

PROMPT = """Beoordeel het antwoord op de vraag. Geef JSON {{"faithfulness": 0-1, "relevance": 0-1}}.
faithfulness: staat elke bewering in het antwoord in de geciteerde passages? relevance: beantwoordt het de vraag?
Vraag: {question}
Antwoord: {answer}"""


def judge_report(report: EvalReport, settings: Settings) -> None:
    if not (settings.llm_base_url and settings.llm_model):
        print("LLM-beoordeling overgeslagen: geen VRAAGBAAK_LLM_BASE_URL/VRAAGBAAK_LLM_MODEL ingesteld.")
        return
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                       api_key=settings.llm_api_key or "niet-nodig", temperature=0, timeout=settings.llm_timeout_s)
    scores = []
    for r in report.results:
        if r.abstained:
            continue
        out = model.invoke(PROMPT.format(question=r.id, answer=r.answer)).content
        m = re.search(r"\{.*\}", str(out), re.S)
        if m:
            try:
                scores.append(json.loads(m.group(0)))
            except json.JSONDecodeError:
                continue
    if scores:
        report.meta["judge_faithfulness"] = sum(s.get("faithfulness", 0) for s in scores) / len(scores)
        report.meta["judge_relevance"] = sum(s.get("relevance", 0) for s in scores) / len(scores)
        print(f"LLM-oordeel: faithfulness {report.meta['judge_faithfulness']:.3f}, "
              f"relevance {report.meta['judge_relevance']:.3f} over {len(scores)} antwoorden")
