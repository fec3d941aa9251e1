"""Helpers for the benchmarks: timing percentiles and memory of a process."""
from __future__ import annotations

import math
import os
from pathlib import Path


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(p / 100 * len(v)) - 1))]


def _status_mb(field: str, pid: int | None) -> float:
    for line in Path(f"/proc/{pid or os.getpid()}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    return _status_mb("VmRSS", pid)


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident memory of a process in MB."""
    return _status_mb("VmHWM", pid)


def start_api(port: int, env: dict, workers: int = 1):
    """A real uvicorn serving the API on 127.0.0.1:``port``, returned once /health says the index is ready."""
    import subprocess
    import sys
    import time

    import httpx

    from assistant.settings import PROJECT_ROOT

    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "assistant.api:app_factory", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                            cwd=PROJECT_ROOT, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("ready"):
                break
        except (httpx.HTTPError, ValueError):
            time.sleep(0.3)
    return proc
