"""Conversations per browser, kept in the same SQLite file as the feedback.

A browser is known only by the random id the chat page gives it (a cookie); a conversation is its list of turns
(question, answer, citations) stored as JSON. Reading or writing another browser's conversation finds nothing.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path


class ConversationStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("""CREATE TABLE IF NOT EXISTS conversations (
                browser_id TEXT NOT NULL, conversation_id TEXT NOT NULL, title TEXT NOT NULL,
                created TEXT NOT NULL, updated TEXT NOT NULL, messages TEXT NOT NULL,
                PRIMARY KEY (browser_id, conversation_id))""")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def save(self, browser_id: str, conversation_id: str, title: str, messages: list[dict]) -> dict:
        now = datetime.now(timezone.utc).isoformat()
        with self._lock, self._connect() as db:
            db.execute("""INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (browser_id, conversation_id) DO UPDATE SET title = excluded.title,
                updated = excluded.updated, messages = excluded.messages""",
                       (browser_id, conversation_id, title, now, now, json.dumps(messages, ensure_ascii=False)))
        return self.get(browser_id, conversation_id) or {}

    def list(self, browser_id: str, limit: int = 50) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("""SELECT conversation_id, title, created, updated, json_array_length(messages) AS turns
                FROM conversations WHERE browser_id = ? ORDER BY updated DESC LIMIT ?""", (browser_id, limit))
            return [dict(r) for r in rows]

    def get(self, browser_id: str, conversation_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM conversations WHERE browser_id = ? AND conversation_id = ?",
                             (browser_id, conversation_id)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["messages"] = json.loads(out["messages"])
        return out

    def delete(self, browser_id: str, conversation_id: str) -> bool:
        with self._lock, self._connect() as db:
            cur = db.execute("DELETE FROM conversations WHERE browser_id = ? AND conversation_id = ?",
                             (browser_id, conversation_id))
            return cur.rowcount > 0
