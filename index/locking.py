"""One writer per index at a time, across threads and processes (API workers, job runners, the CLI)."""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def index_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``; each holder opens its own descriptor, so threads exclude each other too.
    The kernel releases it when the holder dies (SIGKILL included)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
