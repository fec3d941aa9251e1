"""`ask` latency in the default (extractive) mode, warm, over the gold questions. Prints figures.

    .venv/bin/python -m benchmarks.bench_ask
"""
from __future__ import annotations

import time

from assistant.engine import Vraagbaak
from evals.gold import load_gold

from .common import pct


def main(rounds: int = 3) -> None:
    engine = Vraagbaak()
    gold = load_gold()
    engine.ask("Wat heeft de sector Rijk gedaan?")
    times = []
    for _ in range(rounds):
        for q in gold:
            engine.retriever._embed_query_cached.cache_clear()  # every call embeds its question, as a new one would
            t = time.perf_counter()
            engine.ask(q.question, history=q.history)
            times.append((time.perf_counter() - t) * 1000)
    print(f"ask, default mode, {len(times)} calls over {len(gold)} gold questions: p50 {pct(times, 50):.1f} ms, "
          f"p95 {pct(times, 95):.1f} ms, max {max(times):.1f} ms")


if __name__ == "__main__":
    main()
