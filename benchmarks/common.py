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
