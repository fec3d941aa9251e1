"""Thumbs up/down on answers, kept in SQLite under var/, with a cap on rows and on the file's size."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path


class FeedbackFull(RuntimeError):
    """The feedback store reached its cap; nothing more is written until an operator empties it."""


class FeedbackStore:
    def __init__(self, path: Path, max_rows: int = 10_000, max_bytes: int = 20 * 1024 * 1024):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("""CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, question TEXT NOT NULL,
                answer TEXT NOT NULL, rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT)""")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def _size(self) -> int:
        return sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal")) if p.exists())

    def add(self, question: str, answer: str, rating: str, comment: str | None = None) -> int:
        with self._lock, self._connect() as db:
            rows = db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
            if rows >= self.max_rows or self._size() >= self.max_bytes:
                raise FeedbackFull("De opslag voor feedback is vol; probeer het later opnieuw.")
            cur = db.execute("INSERT INTO feedback (created, question, answer, rating, comment) VALUES (?, ?, ?, ?, ?)",
                             (datetime.now(timezone.utc).isoformat(), question, answer, rating, comment))
            return int(cur.lastrowid)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])

    def all(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]
