"""ChromaStore: the chunk collection and the document registry, embedded or on a Chroma server.

The registry is a second collection (one record per document: content hash, status, cleaned
text, alternates) so that both storage modes keep all state in Chroma and API workers stay
stateless. A document's status is ``pending`` while its chunks are being replaced; a later run
repairs anything left pending by an interrupted ingest.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .config import StoreConfig

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

STATE_ID = "__state__"
_DUMMY = [1.0]


class EmbeddingModelMismatch(RuntimeError):
    """The index was built with another embedding model; vectors must never be mixed."""


class IndexUnavailable(RuntimeError):
    pass


@dataclass
class DocumentRecord:
    document_id: str
    source_file: str
    content_hash: str
    fingerprint: str
    status: str  # pending | complete | alternate
    title: str
    kind: str
    date: str | None = None
    period: str | None = None
    short_title: str | None = None
    format: str = "txt"
    alternate_of: str | None = None
    alternates: list[str] = field(default_factory=list)
    signature: list[int] = field(default_factory=list)
    messiness: float = 0.0
    chunk_count: int = 0
    sectors: list[str] = field(default_factory=list)
    path: str | None = None
    knelpunten: list[dict] = field(default_factory=list)  # built at ingest (ingest/knelpunten.py)
    source: str = "bundled"  # bundled | upload
    uploader: str | None = None
    uploaded_at: str | None = None
    trusted: bool = True

    def to_metadata(self) -> dict[str, Any]:
        meta = {
            "source_file": self.source_file, "content_hash": self.content_hash, "fingerprint": self.fingerprint,
            "status": self.status, "title": self.title, "kind": self.kind, "date": self.date, "period": self.period,
            "short_title": self.short_title, "format": self.format, "alternate_of": self.alternate_of,
            "alternates": json.dumps(self.alternates), "signature": json.dumps(self.signature),
            "messiness": float(self.messiness), "chunk_count": int(self.chunk_count),
            "knelpunten": json.dumps(self.knelpunten, ensure_ascii=False) if self.knelpunten else None,
            "sectors": json.dumps(self.sectors), "path": self.path, "source": self.source,
            "uploader": self.uploader, "uploaded_at": self.uploaded_at, "trusted": bool(self.trusted),
        }
        return {k: v for k, v in meta.items() if v is not None}

    @classmethod
    def from_metadata(cls, document_id: str, meta: dict[str, Any]) -> "DocumentRecord":
        return cls(
            document_id=document_id, source_file=meta.get("source_file", ""), content_hash=meta.get("content_hash", ""),
            fingerprint=meta.get("fingerprint", ""), status=meta.get("status", "pending"), title=meta.get("title", ""),
            kind=meta.get("kind", "document"), date=meta.get("date"), period=meta.get("period"),
            short_title=meta.get("short_title"), format=meta.get("format", "txt"), alternate_of=meta.get("alternate_of"),
            alternates=json.loads(meta.get("alternates", "[]")), signature=json.loads(meta.get("signature", "[]")),
            messiness=float(meta.get("messiness", 0.0)), chunk_count=int(meta.get("chunk_count", 0)),
            sectors=json.loads(meta.get("sectors", "[]")), path=meta.get("path"),
            knelpunten=json.loads(meta.get("knelpunten", "[]")),
            source=meta.get("source", "bundled"), uploader=meta.get("uploader"), uploaded_at=meta.get("uploaded_at"),
            trusted=bool(meta.get("trusted", True)),
        )


def make_client(settings: StoreConfig):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class ChromaStore:
    def __init__(self, settings: StoreConfig, client=None):
        self.settings = settings
        self.client = client or make_client(settings)
        # embedding_function=None: we always pass our own vectors; Chroma's default would download a model.
        self.chunks = self.client.get_or_create_collection(
            settings.collection, embedding_function=None, metadata={"hnsw:space": "cosine"})
        self.registry = self.client.get_or_create_collection(
            f"{settings.collection}_documents", embedding_function=None)
        # the sentences and bullets of every chunk, embedded at ingest, for choosing the answering sentence
        self.units = self.client.get_or_create_collection(
            f"{settings.collection}_units", embedding_function=None, metadata={"hnsw:space": "cosine"})

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        got = self.registry.get(ids=[STATE_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def _put_state(self, state: dict[str, Any]) -> None:
        # Chroma merges metadata on upsert; delete first so removed keys really go.
        self.registry.delete(ids=[STATE_ID])
        self.registry.add(ids=[STATE_ID], embeddings=[_DUMMY], metadatas=[state or {"generation": 0}], documents=["state"])

    def generation(self) -> int:
        return int(self.state().get("generation", 0))

    def bump_generation(self) -> int:
        state = self.state()
        state["generation"] = int(state.get("generation", 0)) + 1
        self._put_state(state)
        return state["generation"]

    def embedding_model(self) -> str | None:
        return self.state().get("embedding_model")

    def check_model(self, name: str, dim: int, claim: bool = False) -> None:
        """Raise when the index holds vectors of another model; with ``claim``, record ``name`` on a new index."""
        state = self.state()
        recorded = state.get("embedding_model")
        if recorded and recorded != name:
            raise EmbeddingModelMismatch(
                f"De index is gebouwd met embeddingmodel '{recorded}', maar ingesteld is '{name}'. "
                f"Opnieuw indexeren is nodig: `vraagbaak ingest --reindex` (of zet VRAAGBAAK_EMBEDDING_MODEL={recorded}).")
        if not recorded and claim:
            state.update({"embedding_model": name, "dim": dim})
            self._put_state(state)

    # -- documents ------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        got = self.registry.get(include=["metadatas"])
        return sorted(
            (DocumentRecord.from_metadata(i, m) for i, m in zip(got["ids"], got["metadatas"]) if i != STATE_ID),
            key=lambda r: r.document_id)

    def get_document(self, document_id: str) -> tuple[DocumentRecord, str] | None:
        got = self.registry.get(ids=[document_id], include=["metadatas", "documents"])
        if not got["ids"] or document_id == STATE_ID:
            return None
        return DocumentRecord.from_metadata(document_id, got["metadatas"][0]), got["documents"][0] or ""

    def put_document(self, record: DocumentRecord, text: str) -> None:
        # delete + add, not upsert: Chroma merges metadata, and a field that became empty must not linger
        self.registry.delete(ids=[record.document_id])
        self.registry.add(ids=[record.document_id], embeddings=[_DUMMY], metadatas=[record.to_metadata()],
                          documents=[text or " "])

    def delete_document(self, document_id: str) -> None:
        self.delete_chunks_of(document_id)
        self.registry.delete(ids=[document_id])

    # -- chunks ---------------------------------------------------------------------------
    def delete_chunks_of(self, document_id: str) -> None:
        self.chunks.delete(where={"document_id": document_id})
        self.units.delete(where={"document_id": document_id})

    def add_units(self, ids: list[str], vectors: list[list[float]], metadatas: list[dict]) -> None:
        for i in range(0, len(ids), 1000):
            self.units.upsert(ids=ids[i:i + 1000], embeddings=vectors[i:i + 1000], metadatas=metadatas[i:i + 1000])

    def unit_vectors(self) -> dict[str, list[tuple[int, int, list[float]]]]:
        """(start, end, vector) of every unit, per chunk id; offsets are into the document text."""
        out: dict[str, list[tuple[int, int, list[float]]]] = {}
        offset, page = 0, 5000
        while True:
            got = self.units.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
            for meta, vec in zip(got["metadatas"], got["embeddings"]):
                out.setdefault(meta["chunk_id"], []).append((int(meta["start"]), int(meta["end"]), vec))
            if len(got["ids"]) < page:
                return out
            offset += page

    def chunk_vectors(self) -> tuple[list[str], list[list[float]]]:
        """Every chunk's id and stored vector, for exact search over a small collection."""
        ids: list[str] = []
        vectors: list[list[float]] = []
        offset, page = 0, 5000
        while True:
            got = self.chunks.get(include=["embeddings"], limit=page, offset=offset)
            ids.extend(got["ids"])
            vectors.extend(got["embeddings"])
            if len(got["ids"]) < page:
                return ids, vectors
            offset += page

    def add_chunks(self, ids: list[str], vectors: list[list[float]], texts: list[str], metadatas: list[dict]) -> None:
        batch = 1000
        try:
            batch = min(batch, self.client.get_max_batch_size())
        except Exception:  # noqa: BLE001 - older servers do not expose it
            pass
        for i in range(0, len(ids), batch):
            self.chunks.upsert(ids=ids[i:i + batch], embeddings=vectors[i:i + batch],
                               documents=texts[i:i + batch], metadatas=metadatas[i:i + batch])

    def update_chunk_metadata(self, ids: list[str], metadatas: list[dict]) -> None:
        for i in range(0, len(ids), 1000):
            self.chunks.update(ids=ids[i:i + 1000], metadatas=metadatas[i:i + 1000])

    def count(self) -> int:
        return self.chunks.count()

    def all_chunks(self, where: dict | None = None) -> tuple[list[str], list[str], list[dict]]:
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict] = []
        offset, page = 0, 5000
        while True:
            got = self.chunks.get(where=where, include=["documents", "metadatas"], limit=page, offset=offset)
            ids.extend(got["ids"])
            docs.extend(got["documents"])
            metas.extend(got["metadatas"])
            if len(got["ids"]) < page:
                break
            offset += page
        return ids, docs, metas

    def query(self, vector: list[float], n: int, where: dict | None = None, total: int | None = None) -> list[tuple[str, float]]:
        total = self.count() if total is None else total
        if total == 0:
            return []
        got = self.chunks.query(query_embeddings=[vector], n_results=min(n, total), where=where,
                                include=["distances"])
        return list(zip(got["ids"][0], got["distances"][0]))
