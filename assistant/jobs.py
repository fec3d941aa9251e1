"""Ingestion jobs: uploads, deletions and trust decisions run in the background, one at a time per index.

A job is a row in SQLite under var/ (so any API worker can report on it), claimed by the runner thread of one
worker. The index itself is guarded by a file lock (index/locking.py), which also serialises the CLI. Embedding
happens in a lower-priority child process (index/background.py), and the new chunks only become visible to
``/ask`` when the job bumps the index generation: until then questions are answered from the previous one.
A job whose worker died (SIGKILL) is picked up again by the next runner; every step is idempotent.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import threading
import uuid
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .settings import Settings

log = logging.getLogger(__name__)

_SCHEMA = """CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL, started TEXT,
    finished TEXT, owner_pid INTEGER, payload TEXT NOT NULL, outcomes TEXT NOT NULL DEFAULT '[]', error TEXT)"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        return db

    def create(self, kind: str, payload: dict[str, Any], job_id: str | None = None) -> str:
        job_id = job_id or uuid.uuid4().hex
        with self._connect() as db:
            db.execute("INSERT INTO jobs (id, kind, status, created, payload) VALUES (?, ?, 'queued', ?, ?)",
                       (job_id, kind, _now(), json.dumps(payload, ensure_ascii=False)))
        return job_id

    def claim(self) -> dict[str, Any] | None:
        """Take the oldest queued job, or a running one whose worker is gone."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created, rowid").fetchall()
            for row in rows:
                if row["status"] == "running" and (_alive(row["owner_pid"]) or row["owner_pid"] == os.getpid()):
                    continue
                db.execute("UPDATE jobs SET status='running', started=?, owner_pid=? WHERE id=?",
                           (_now(), os.getpid(), row["id"]))
                db.execute("COMMIT")
                return dict(row) | {"payload": json.loads(row["payload"])}
            db.execute("COMMIT")
            return None
        finally:
            db.close()

    def pending(self) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM jobs WHERE status IN ('queued', 'running') LIMIT 1").fetchone() is not None

    def finish(self, job_id: str, outcomes: list[dict[str, Any]], error: str | None = None) -> None:
        with self._connect() as db:
            db.execute("UPDATE jobs SET status=?, finished=?, outcomes=?, error=? WHERE id=?",
                       ("failed" if error else "done", _now(), json.dumps(outcomes, ensure_ascii=False), error, job_id))

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            return None
        return {"job_id": row["id"], "kind": row["kind"], "status": row["status"], "created": row["created"],
                "started": row["started"], "finished": row["finished"], "outcomes": json.loads(row["outcomes"]),
                "error": row["error"], "files": [f["name"] for f in json.loads(row["payload"]).get("files", [])]}


class JobRunner:
    """One background thread per API process; ``on_done`` lets the engine load the new index generation."""

    def __init__(self, settings: Settings, jobs: JobStore, store_factory: Callable[[], Any],
                 on_done: Callable[[], None] | None = None):
        self.settings = settings
        self.jobs = jobs
        self.store_factory = store_factory
        self.on_done = on_done
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._embeddings = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="vraagbaak-jobs", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._embeddings is not None:
            self._embeddings.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.jobs.claim()
            except sqlite3.Error as exc:
                log.warning("taken niet leesbaar: %s", exc)
                job = None
            if job is None:
                self._wake.wait(timeout=2.0)
                self._wake.clear()
                continue
            self.run(job)

    def run(self, job: dict[str, Any]) -> None:
        try:
            outcomes = self._execute(job["kind"], job["payload"])
            self.jobs.finish(job["id"], outcomes)
        except Exception as exc:  # noqa: BLE001 - a job fails with a reason; the runner goes on
            log.exception("taak %s mislukt", job["id"])
            self.jobs.finish(job["id"], [], error=f"De taak is mislukt ({type(exc).__name__}); probeer het opnieuw.")
        finally:
            if job["kind"] == "upload":
                shutil.rmtree(self.settings.staging_dir / job["id"], ignore_errors=True)
        if self.on_done:
            try:
                self.on_done()
            except Exception:  # noqa: BLE001 - the next question loads it instead
                log.exception("nieuwe indexgeneratie laden mislukt")

    def _indexer(self):
        from index.background import BackgroundEmbeddings
        from index.indexer import Indexer

        if self._embeddings is None:
            self._embeddings = BackgroundEmbeddings(self.settings.embedding_model, self.settings.embedding_batch_size,
                                                    self.settings.ingest_nice)
        return Indexer(self.settings, store=self.store_factory(), embeddings=self._embeddings.ensure_started())

    def _execute(self, kind: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        from index.indexer import DocumentNotFound, NotAnUpload, UploadItem

        if kind == "upload":
            items = [UploadItem(f["name"], Path(f["staged"]), f["uploader"], f["uploaded_at"]) for f in payload["files"]]
            present = [i for i in items if i.staged.exists()]
            outcomes = [asdict(o) for o in self._indexer().ingest_uploads(present)] if present else []
            done = {o["file"] for o in outcomes}
            outcomes = list(payload.get("rejected", [])) + outcomes
            # a rerun after a crash: files already handled (staging removed) are reported from the index
            for i in items:
                if i.name not in done:
                    outcomes.append({"file": i.name, "status": 200, "outcome": "unchanged",
                                     "detail": f"{i.name}: al verwerkt.", "document_id": None})
            return outcomes
        did = payload["document_id"]
        try:
            if kind == "delete":
                rec = self._indexer().delete_document(did)
                return [{"file": rec.source_file, "status": 200, "outcome": "deleted",
                         "detail": f"{did}: verwijderd (bestand, passages en zoekindex).", "document_id": did}]
            if kind == "trust":
                rec = self._indexer().set_trusted(did, bool(payload.get("trusted", True)))
                state = "vertrouwd: wordt gebruikt in antwoorden" if rec.trusted else "niet vertrouwd"
                return [{"file": rec.source_file, "status": 200, "outcome": "trusted" if rec.trusted else "untrusted",
                         "detail": f"{did}: {state}.", "document_id": did}]
        except DocumentNotFound:
            return [{"file": None, "status": 404, "outcome": "failed", "detail": f"Document '{did}' bestaat niet.",
                     "document_id": did}]
        except NotAnUpload:
            return [{"file": None, "status": 409, "outcome": "refused",
                     "detail": f"'{did}' is een meegeleverd document; alleen uploads kunnen dit.", "document_id": did}]
        raise ValueError(f"onbekende taak: {kind}")
