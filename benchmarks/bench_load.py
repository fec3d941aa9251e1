"""Load benchmark on loopback: uvicorn workers (2 by default), 20 concurrent clients posting /ask for 60 s (bounded
in time and count, stops by itself). Prints requests/s, latency p50/p95, 5xx count and the API's resident memory.
The per-client rate limit is switched off for the run: all 20 clients share one address.

    .venv/bin/python -m benchmarks.bench_load [--clients 20] [--seconds 60] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import socket
import threading
import time

import httpx

from evals.gold import load_gold

from .common import pct, peak_rss_mb, rss_mb, start_api

MAX_REQUESTS = 50_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    port = free_port()
    proc = start_api(port, dict(os.environ, VRAAGBAAK_ASK_RATE_PER_MIN="0"), workers=args.workers)
    url = f"http://127.0.0.1:{port}"
    try:
        questions = [q for q in load_gold() if not q.history]
        httpx.post(f"{url}/ask", json={"question": questions[0].question}, timeout=60)  # warm
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds
        counter = {"n": 0}

        def client(i: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as c:
                j = i
                while time.monotonic() < stop_at:
                    with lock:
                        if counter["n"] >= MAX_REQUESTS:
                            return
                        counter["n"] += 1
                    q = questions[j % len(questions)].question
                    j += args.clients
                    t = time.perf_counter()
                    try:
                        code = c.post("/ask", json={"question": q}).status_code
                    except httpx.HTTPError:
                        code = 599
                    dt = (time.perf_counter() - t) * 1000
                    with lock:
                        latencies.append(dt)
                        statuses[code] = statuses.get(code, 0) + 1

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        n = len(latencies)
        errors = sum(v for k, v in statuses.items() if k >= 500)
        print(f"{args.clients} clients, {wall:.0f} s, {args.workers} uvicorn worker(s): {n} requests, {n / wall:.1f} requests/s, "
              f"p50 {pct(latencies, 50):.0f} ms, p95 {pct(latencies, 95):.0f} ms, 5xx: {errors}, statuses {statuses}")
        pids = [proc.pid] + _children(proc.pid)
        print(f"API processes memory: RSS {sum(rss_mb(p) for p in pids):.0f} MB now over {len(pids)} process(es), "
              f"peak of the largest {max(peak_rss_mb(p) for p in pids):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
