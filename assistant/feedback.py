"""Thumbs up/down on answers, kept in SQLite under var/."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path


class FeedbackStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("""CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, question TEXT NOT NULL,
                answer TEXT NOT NULL, rating TEXT NOT NULL CHECK (rating IN ('up', 'down')), comment TEXT)""")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, question: str, answer: str, rating: str, comment: str | None = None) -> int:
        with self._lock, self._connect() as db:
            cur = db.execute("INSERT INTO feedback (created, question, answer, rating, comment) VALUES (?, ?, ?, ?, ?)",
                             (datetime.now(timezone.utc).isoformat(), question, answer, rating, comment))
            return int(cur.lastrowid)

    def all(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]
