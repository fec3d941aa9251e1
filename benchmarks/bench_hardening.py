"""Hardening figures over real HTTP (one uvicorn worker on loopback, its own copy of the index under a temp dir):

- ``/ask`` p95 while idle, and while a 250 KB upload is being embedded (target: under 2x idle)
- the API's RSS after 300 MB and 1 GB request bodies (target: no growth beyond 50 MB)
- the bad-input matrix of tests/assistant/test_hardening_live.py: cases passed

Prints figures, asserts nothing. Bounded: each phase stops by count or time.

    .venv/bin/python -m benchmarks.bench_hardening [--idle-asks 100] [--upload-kb 250]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx

from assistant.settings import PROJECT_ROOT, Settings

from .common import pct, rss_mb, start_api

KEY = {"X-API-Key": "bench-sleutel"}
QUESTIONS = ["Wat heeft de sector Gemeenten gedaan?", "Hoeveel extra banen moet de sector Rijk realiseren?",
             "Wat zijn de grootste knelpunten?", "Wat heeft Defensie gedaan?", "Wat is de banenafspraak?"]


def say(line: str) -> None:
    print(line, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_document(kb: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    vocab = ("werkgever werknemer afspraak regio gemeente scholing begeleiding plaatsing contract proef traject "
             "coach budget subsidie loonkosten vacature functie team locatie overleg evaluatie rapport planning "
             "uitvoering netwerk kennis ervaring").split()
    out, p = ["# Synthetisch verslag\n"], 0
    while sum(map(len, out)) < kb * 1024:
        p += 1
        sents = [" ".join(rng.choice(vocab) for _ in range(12)).capitalize() + f" {rng.randint(1, 999)}." for _ in range(5)]
        out.append(f"\n## Onderdeel {p}\n\n" + " ".join(sents) + "\n")
    return "".join(out).encode()


def asks(c: httpx.Client, n: int | None = None, until=None) -> list[float]:
    lat, i = [], 0
    while (n is None or i < n) and (until is None or not until()) and i < 5000:
        t = time.perf_counter()
        c.post("/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
        lat.append((time.perf_counter() - t) * 1000)
        i += 1
    return lat


def send_body(url: str, path: str, size: int, headers: dict, chunked: bool) -> str:
    """Stream ``size`` bytes of body; report how the server answered (it may close before it is all sent)."""
    block = b"a" * (1024 * 1024)

    def gen():
        sent = 0
        while sent < size:
            yield block
            sent += len(block)

    hdrs = dict(headers)
    if not chunked:
        hdrs["Content-Length"] = str(size)
    try:
        r = httpx.post(f"{url}{path}", content=gen(), headers=hdrs, timeout=120)
        return str(r.status_code)
    except httpx.HTTPError as exc:
        return f"verbinding gesloten door de server ({type(exc).__name__})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle-asks", type=int, default=100)
    ap.add_argument("--upload-kb", type=int, default=250)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="vraagbaak-bench-"))
    cache = PROJECT_ROOT / "var" / "cache"
    settings = Settings(var_dir=tmp / "var", embedding_cache_dir=cache if cache.is_dir() else None)
    from index.indexer import Indexer

    t = time.perf_counter()
    src = PROJECT_ROOT / "var"
    if (src / "chroma").is_dir():  # a copy of the project's index: the benchmark never writes to the real one
        for part in ("chroma", "bm25"):
            if (src / part).is_dir():
                shutil.copytree(src / part, settings.var_dir / part)
    Indexer(settings).ingest()
    say(f"index of the bundled corpus ready in {time.perf_counter() - t:.1f} s")
    port = free_port()
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(settings.var_dir), VRAAGBAAK_API_KEY="bench-sleutel",
               VRAAGBAAK_ASK_RATE_PER_MIN="0", VRAAGBAAK_FEEDBACK_RATE_PER_MIN="0",
               VRAAGBAAK_TRUST_UPLOADS="true")
    if settings.embedding_cache_dir:
        env["VRAAGBAAK_EMBEDDING_CACHE_DIR"] = str(settings.embedding_cache_dir)
    proc = start_api(port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=120) as c:
            asks(c, 10)  # warm
            idle = asks(c, args.idle_asks)
            say(f"/ask idle: {len(idle)} requests, p50 {pct(idle, 50):.0f} ms, p95 {pct(idle, 95):.0f} ms")

            doc = synthetic_document(args.upload_kb)
            t = time.perf_counter()
            job_id = c.post("/documents", files={"files": ("verslag.md", doc, "text/markdown")}, headers=KEY).json()["job_id"]
            state = {"status": "queued"}

            def finished() -> bool:
                state.update(c.get(f"/jobs/{job_id}").json())
                return state["status"] in ("done", "failed") or time.perf_counter() - t > 900

            during = asks(c, until=finished)
            while not finished():
                time.sleep(0.5)
            took = time.perf_counter() - t
            outcome = state["outcomes"][0]["outcome"] if state.get("outcomes") else state.get("error")
            say(f"upload of {len(doc) / 1024:.0f} KB: job {state['status']} ({outcome}) after {took:.1f} s")
            say(f"/ask during that upload: {len(during)} requests, p50 {pct(during, 50):.0f} ms, "
                  f"p95 {pct(during, 95):.0f} ms = {pct(during, 95) / max(pct(idle, 95), 1e-9):.2f}x the idle p95 "
                  f"(target < 2x)")

        base = rss_mb(proc.pid)
        say(f"API RSS before large bodies: {base:.0f} MB")
        for label, path, size, headers, chunked in (
                ("300 MB JSON to /ask, with Content-Length", "/ask", 300 << 20, {"Content-Type": "application/json"}, False),
                ("300 MB JSON to /ask, chunked", "/ask", 300 << 20, {"Content-Type": "application/json"}, True),
                ("1 GB upload without a key", "/documents", 1 << 30, {"Content-Type": "multipart/form-data; boundary=x"}, True),
                ("1 GB upload with the key, with Content-Length", "/documents", 1 << 30,
                 {"Content-Type": "multipart/form-data; boundary=x", **KEY}, False),
                ("1 GB upload with the key, chunked", "/documents", 1 << 30,
                 {"Content-Type": "multipart/form-data; boundary=x", **KEY}, True)):
            t = time.perf_counter()
            answer = send_body(url, path, size, headers, chunked)
            now = rss_mb(proc.pid)
            say(f"{label}: answer {answer} in {time.perf_counter() - t:.2f} s; RSS {now:.0f} MB "
                  f"({now - base:+.0f} MB)")
        staged = [p for p in (settings.var_dir / "staging").rglob("*") if p.is_file()] if (settings.var_dir / "staging").exists() else []
        say(f"files left in staging: {len(staged)}")

        sys.path.insert(0, str(PROJECT_ROOT))
        from tests.assistant.test_hardening_live import MATRIX

        env_key = {"X-API-Key": "campagne-sleutel"}
        passed = 0
        failed = []
        with httpx.Client(base_url=url, timeout=60) as c:
            for case_id, method, path, kwargs, status, needle in MATRIX:
                kw = dict(kwargs)
                if kw.get("headers") == env_key:
                    kw["headers"] = KEY
                if case_id == "upload-too-large":  # this server allows 20 MB: send more than that
                    kw["files"] = {"files": ("groot.txt", b"a" * (21 << 20), "text/plain")}
                r = c.request(method, path, **kw)
                ok = r.status_code == status and needle.lower() in r.text.lower() and "Traceback" not in r.text
                passed += ok
                if not ok:
                    failed.append(f"{case_id} ({r.status_code})")
        say(f"bad-input matrix: {passed} of {len(MATRIX)} cases passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
