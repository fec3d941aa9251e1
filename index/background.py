"""Passage embedding in a separate, low-priority process, so ingestion never takes CPU or locks from queries.

The API's job runner embeds uploads through this; the vectors come back over a pipe and are written to the
store by the runner's thread. The child runs at a lower priority (``nice`` 10 by default, VRAAGBAAK_INGEST_NICE):
while questions are being answered it gets little of the CPU they need, but it is not starved by other work.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading

from langchain_core.embeddings import Embeddings

from .embeddings import get_embeddings, model_name

_BATCH = 8


def _serve(conn, model: str, batch_size: int, nice: int) -> None:  # the child process
    try:
        os.nice(nice)
    except OSError:
        pass
    emb = get_embeddings(model, batch_size)
    conn.send((model_name(emb), int(getattr(emb, "dim", 0))))
    while True:
        try:
            texts = conn.recv()
        except EOFError:  # the parent is gone
            return
        if texts is None:
            return
        try:
            conn.send(("ok", emb.embed_documents(texts)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the job
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class BackgroundEmbeddings(Embeddings):
    """``embed_documents`` in the low-priority child; ``embed_query`` is not offered (queries stay in-process)."""

    def __init__(self, model: str, batch_size: int = 32, nice: int = 10):
        self.model = model
        self.nice = nice
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None
        self.name = ""
        self.dim = 0

    def _start(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self.model, self.batch_size, self.nice), daemon=True,
                                 name="vraagbaak-embedder")
        self._proc.start()
        child.close()
        self._conn = parent
        self.name, self.dim = parent.recv()

    def ensure_started(self) -> "BackgroundEmbeddings":
        with self._lock:
            self._start()
        return self

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        with self._lock:
            self._start()
            for i in range(0, len(texts), _BATCH):
                out.extend(self._batch(list(texts[i:i + _BATCH])))
        return out

    def _batch(self, texts: list[str], retry: bool = True) -> list[list[float]]:
        try:
            self._conn.send(texts)
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            if not retry:
                raise
            self._proc = None  # the child died (killed, out of memory): start a new one and try this batch once more
            self._start()
            return self._batch(texts, retry=False)
        if status != "ok":
            raise RuntimeError(f"embedden mislukt: {payload}")
        return payload

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError("vragen worden in het API-proces zelf ingebed")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except (OSError, BrokenPipeError):
                    pass
            if self._proc is not None:
                self._proc.join(timeout=5)
                if self._proc.is_alive():
                    self._proc.kill()
            self._proc = self._conn = None
