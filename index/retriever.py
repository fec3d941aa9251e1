"""HybridRetriever: dense (Chroma) + lexical (BM25), fused by reciprocal rank, repeats collapsed.

Each step is a small component with ``run``: ``DenseRetriever``, ``LexicalRetriever``, ``RankFusion``
(the joiner, weights passed in) and ``collapse_repeats``. The retriever only retrieves: what the question
means (sectors, intent, typos) is the assistant's business, which passes extra terms and a boost in.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import FusionWeights, IndexConfig
from .embeddings import get_embeddings, model_name
from .lexical import LexicalIndex
from .provenance import answerable
from .store import ChromaStore

Boost = Callable[[dict[str, Any], str], float]  # (chunk metadata, chunk text) -> bonus in units of a top vote


@dataclass
class SearchFilters:
    sector: list[str] = field(default_factory=list)
    document_id: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    year: list[int] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.sector or self.document_id or self.kind or self.year)

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        for key, values in (("sector", self.sector), ("document_id", self.document_id), ("kind", self.kind),
                            ("year", self.year)):
            if values:
                clauses.append({key: {"$in": list(values)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, meta: dict[str, Any]) -> bool:
        return ((not self.sector or meta.get("sector") in self.sector)
                and (not self.document_id or meta.get("document_id") in self.document_id)
                and (not self.kind or meta.get("kind") in self.kind)
                and (not self.year or meta.get("year") in self.year))


@dataclass
class Source:
    document_id: str
    title: str
    source_file: str
    section: str
    date: str | None
    page: int | None
    chunk_id: str


@dataclass
class SearchHit:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_similarity: float | None = None
    lexical_score: float | None = None
    alternates: list[Source] = field(default_factory=list)

    @property
    def document_id(self) -> str:
        return self.metadata.get("document_id", "")

    @property
    def sector(self) -> str | None:
        return self.metadata.get("sector") or None


def _unit_rows(vectors: list[list[float]]) -> np.ndarray:
    """The vectors as float32 rows of length 1 (cosine becomes a dot product)."""
    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    m = np.asarray(vectors, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def _cosines(rows: np.ndarray, vector: list[float]) -> np.ndarray:
    return rows @ _unit_rows([vector])[0]


def _best_first(ids: list[str], scores: np.ndarray, idx: np.ndarray, n: int) -> list[tuple[str, float]]:
    """The ``n`` best of the positions ``idx``; equal scores in position (id) order, in every process."""
    idx = idx[np.lexsort((idx, -scores[idx]))][:n]
    return [(ids[i], float(scores[i])) for i in idx]


@dataclass
class ChunkMatrix:
    """Every chunk's unit-length vector, in id order, for exact cosine search."""

    ids: list[str]
    vectors: np.ndarray  # (chunks, dim), float32, rows of length 1

    @classmethod
    def of(cls, ids: list[str], vectors: list[list[float]]) -> "ChunkMatrix":
        order = sorted(range(len(ids)), key=lambda i: ids[i])
        return cls([ids[i] for i in order], _unit_rows([vectors[i] for i in order]))

    def top(self, vector: list[float], n: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; equal similarities in id order."""
        if not self.ids:
            return []
        idx = np.arange(len(self.ids)) if mask is None else np.nonzero(mask)[0]
        return _best_first(self.ids, _cosines(self.vectors, vector), idx, n)


class UnitMatrix:
    """Every evidence unit's (sentence or bullet) unit-length vector with the chunk it belongs to: a chunk scores
    by its best unit, so one sentence that says exactly what is asked is not averaged away by the rest."""

    def __init__(self, units: dict[str, list[tuple[int, int, list[float]]]]):
        self.chunk_ids = sorted(c for c, rows in units.items() if rows)
        self.owner = np.asarray([i for i, c in enumerate(self.chunk_ids) for _ in units[c]], dtype=np.int64)
        self.vectors = _unit_rows([v for c in self.chunk_ids for _, _, v in units[c]])

    def top(self, vector: list[float], n: int, accept: Callable[[str], bool] | None = None) -> list[tuple[str, float]]:
        """(chunk id, similarity of its best unit), best first; equal similarities in id order."""
        if not len(self.owner):
            return []
        best = np.full(len(self.chunk_ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, self.owner, _cosines(self.vectors, vector))
        idx = np.arange(len(self.chunk_ids)) if accept is None else \
            np.array([i for i, c in enumerate(self.chunk_ids) if accept(c)], dtype=np.int64)
        return _best_first(self.chunk_ids, best, idx, n) if len(idx) else []


class DenseRetriever:
    """Dense candidates: exact over a ``ChunkMatrix`` when one is given, else Chroma's approximate HNSW."""

    def __init__(self, store: ChromaStore, embed_query: Callable[[str], list[float]], size: int | None = None,
                 exact: ChunkMatrix | None = None, metadata: dict[str, dict[str, Any]] | None = None):
        self.store = store
        self.embed_query = embed_query
        self.size = size  # chunks in the collection, when the caller knows it
        self.exact = exact
        self.metadata = metadata or {}

    def run(self, query: str, filters: SearchFilters, top_k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first."""
        vector = self.embed_query(query)
        if self.exact is not None:
            mask = None if filters.is_empty() else np.array(
                [filters.accepts(self.metadata.get(cid, {})) for cid in self.exact.ids], dtype=bool)
            return self.exact.top(vector, top_k, mask)
        return [(cid, 1.0 - float(dist))
                for cid, dist in self.store.query(vector, top_k, filters.chroma_where(), total=self.size)]


class LexicalRetriever:
    def __init__(self, lexical: LexicalIndex, metadata: dict[str, dict[str, Any]], expansion_weight: float):
        self.lexical = lexical
        self.metadata = metadata
        self.expansion_weight = expansion_weight

    def run(self, query: str, filters: SearchFilters, top_k: int, extra_terms: list[str] = ()) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; extra terms (synonyms, repaired typos) weigh less."""
        tokens = self.lexical.query_tokens(query)
        extra = [t for t in dict.fromkeys(self.lexical.query_tokens(" ".join(extra_terms))) if t not in tokens]
        mask = None
        if not filters.is_empty():
            mask = np.array([filters.accepts(self.metadata.get(cid, {})) for cid in self.lexical.ids], dtype=bool)
        return self.lexical.top(tokens, top_k, mask, extra=extra, extra_weight=self.expansion_weight)


class RankFusion:
    """Weighted reciprocal rank fusion; ties broken by chunk id so every process ranks alike."""

    def __init__(self, k: int = 60):
        self.k = k

    def run(self, rankings: list[tuple[list[str], float]]) -> dict[str, float]:
        fused: dict[str, float] = {}
        for ids, weight in rankings:
            for rank, cid in enumerate(ids, 1):
                fused[cid] = fused.get(cid, 0.0) + weight / (self.k + rank)
        return fused

    @property
    def top_vote(self) -> float:
        return 1.0 / (self.k + 1)


def collapse_repeats(hits: list[SearchHit]) -> list[SearchHit]:
    """Repeated passages (same repeat group or same text) become one hit carrying every source."""
    kept: list[SearchHit] = []
    by_key: dict[str, SearchHit] = {}
    for hit in hits:
        group = hit.metadata.get("repeat_group") or ""
        keys = [f"t:{hash(hit.text.strip())}"] + ([f"g:{group}"] if group else [])
        owner = next((by_key[key] for key in keys if key in by_key), None)
        if owner is None:
            kept.append(hit)
            for key in keys:
                by_key[key] = hit
            continue
        if owner.document_id != hit.document_id:
            m = hit.metadata
            owner.alternates.append(Source(document_id=m.get("document_id", ""), title=m.get("title", ""),
                                           source_file=m.get("source_file", ""), section=m.get("section", ""),
                                           date=m.get("date"), page=m.get("page"), chunk_id=hit.chunk_id))
    return kept


class HybridRetriever:
    def __init__(self, config: IndexConfig, weights: FusionWeights | None = None, store: ChromaStore | None = None,
                 reranker: str | None = None, trust_uploads: bool | None = None):
        self.config = config
        # False: an upload answers only once an operator marked it trusted (default: the config's setting)
        self.trust_uploads = getattr(config, "trust_uploads", False) if trust_uploads is None else trust_uploads
        self.weights = weights or FusionWeights()
        self.store = store or ChromaStore(config)
        self.fusion = RankFusion(self.weights.rrf_k)
        self._lexical: LexicalIndex | None = None
        self._meta: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}
        self._units: dict[str, list[tuple[int, int, list[float]]]] | None = None
        self._matrix: ChunkMatrix | None = None
        self._unit_matrix: UnitMatrix | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._embeddings = None
        self.reranker = None
        if reranker:
            from .rerank import CrossEncoderReranker

            self.reranker = CrossEncoderReranker(reranker)

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def embeddings(self):
        if self._embeddings is None:
            emb = get_embeddings(self.config.embedding_model, self.config.embedding_batch_size)
            self.store.check_model(model_name(emb), getattr(emb, "dim", 0))
            self._embeddings = emb
        return self._embeddings

    def refresh(self, force: bool = False) -> None:
        """Load (or rebuild) the lexical index and chunk metadata when the index generation moved."""
        now = time.monotonic()
        if not force and self._lexical is not None and now - self._checked < 2.0:
            return
        with self._lock:
            generation = self.store.generation()
            self._checked = now
            if not force and self._lexical is not None and self._lexical.generation == generation:
                return
            ids, texts, metas = self.store.all_chunks()
            lex = LexicalIndex.load(self.config.lexical_dir)
            if lex is None or lex.generation != generation or lex.ids != ids and set(lex.ids) != set(ids):
                lex = LexicalIndex.build(ids, [m.get("search_text", "") for m in metas], generation)
                try:
                    lex.save(self.config.lexical_dir)
                except OSError:
                    pass
            # untrusted uploads stay out of answers (index/provenance.py); only chunks in _meta are ever returned
            keep = [answerable(m, self.trust_uploads) for m in metas]
            # the search text lives on in the BM25 index; keeping it per chunk too would double the memory
            self._meta = {cid: {k: v for k, v in m.items() if k != "search_text"}
                          for cid, m, ok in zip(ids, metas, keep) if ok}
            self._texts = {cid: t for cid, t, ok in zip(ids, texts, keep) if ok}
            self._units = None
            self._matrix = None
            self._unit_matrix = None
            self._lexical = lex

    @property
    def lexical(self) -> LexicalIndex:
        self.refresh()
        assert self._lexical is not None
        return self._lexical

    def chunk_count(self) -> int:
        self.refresh()
        return len(self._meta)

    def chunks(self) -> dict[str, dict[str, Any]]:
        self.refresh()
        return self._meta

    def text_of(self, chunk_id: str) -> str:
        self.refresh()
        return self._texts.get(chunk_id, "")

    def embed_query(self, text: str) -> list[float]:
        """The query vector, remembered: the dense retriever and the unit scorer both need it."""
        return list(self._embed_query_cached(text))

    def unit_vectors(self, chunk_ids: list[str]) -> dict[str, list[tuple[int, int, list[float]]]]:
        """Vectors of the units of these chunks; all of them are read once per index generation."""
        self.refresh()
        units = self._units
        if units is None:
            with self._lock:  # checked again inside: another thread may have read them meanwhile
                units = self._units
                if units is None:
                    units = self._units = self.store.unit_vectors()
        return {c: units.get(c, []) for c in chunk_ids}

    def document_chars(self) -> dict[str, int]:
        """Each document's length in characters, as far as its answerable chunks reach."""
        self.refresh()
        ends: dict[str, int] = {}
        for m in self._meta.values():
            doc = m.get("document_id", "")
            ends[doc] = max(ends.get(doc, 0), int(m.get("end", 0)))
        return ends

    def chunk_matrix(self) -> ChunkMatrix | None:
        """The chunk vectors for exact dense search, read once per index generation; None above the limit."""
        def build(meta: dict[str, dict[str, Any]]) -> ChunkMatrix:
            ids, vectors = self.store.chunk_vectors()
            keep = [i for i, cid in enumerate(ids) if cid in meta]
            return ChunkMatrix.of([ids[i] for i in keep], [vectors[i] for i in keep])

        return self._scan_matrix("_matrix", build)

    def unit_matrix(self) -> UnitMatrix | None:
        """The unit vectors by chunk, for the third ranking; like exact dense search, None above the limit."""
        return self._scan_matrix("_unit_matrix", lambda meta: UnitMatrix(self.unit_vectors(list(meta))))

    def _scan_matrix(self, attr: str, build: Callable[[dict[str, dict[str, Any]]], Any]) -> Any:
        """A matrix that a query scans whole, built once per index generation; None above the exact limit. It is
        kept only for the generation it was built for, and the built one is returned either way."""
        self.refresh()
        meta = self._meta
        if len(meta) > self.weights.exact_dense_limit:
            return None
        matrix = getattr(self, attr)
        if matrix is None:
            matrix = build(meta)
            with self._lock:
                if self._meta is meta and getattr(self, attr) is None:
                    setattr(self, attr, matrix)
        return matrix

    @lru_cache(maxsize=512)
    def _embed_query_cached(self, text: str) -> tuple[float, ...]:
        return tuple(self.embeddings.embed_query(text))

    # -- search ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: SearchFilters | None = None, extra_terms: list[str] = (),
               boost: Boost | None = None) -> list[SearchHit]:
        """Top ``k`` chunks for ``query``: dense and lexical candidates, fused, boosted, repeats collapsed."""
        w = self.weights
        self.refresh()
        filters = filters or SearchFilters()
        n = max(w.candidates, k * 4)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if w.use_dense and self._meta:
            dense = DenseRetriever(self.store, self.embed_query, len(self._meta), self.chunk_matrix(),
                                   self._meta).run(query, filters, n)
        if w.use_lexical and self._lexical is not None:
            lexical = LexicalRetriever(self._lexical, self._meta, w.expansion).run(query, filters, n, list(extra_terms))
        rankings = [([c for c, _ in dense], w.dense), ([c for c, _ in lexical], w.lexical)]
        units = self.unit_matrix() if w.use_dense and w.unit_dense and self._meta else None
        if units is not None:
            meta = self._meta
            best_units = units.top(self.embed_query(query), n,
                                   None if filters.is_empty() else lambda c: c in meta and filters.accepts(meta[c]))
            if best_units:
                rankings.append(([c for c, _ in best_units], w.unit_dense))
        fused = self.fusion.run(rankings)
        if boost is not None:
            # in units of a top vote of the dense and lexical rankings together: a third ranking adds votes, and
            # the boost keeps its strength against them
            scale = sum(weight for _, weight in rankings) / max(w.dense + w.lexical, 1e-9)
            for cid in fused:
                fused[cid] += boost(self._meta.get(cid, {}), self._texts.get(cid, "")) * self.fusion.top_vote * scale
        dense_at = {c: (r, s) for r, (c, s) in enumerate(dense, 1)}
        lex_at = {c: (r, s) for r, (c, s) in enumerate(lexical, 1)}
        ranked = sorted(fused, key=lambda c: (-fused[c], c))
        hits = [SearchHit(chunk_id=c, text=self._texts.get(c, ""), metadata=self._meta.get(c, {}), score=fused[c],
                          dense_rank=dense_at.get(c, (None, None))[0], dense_similarity=dense_at.get(c, (None, None))[1],
                          lexical_rank=lex_at.get(c, (None, None))[0], lexical_score=lex_at.get(c, (None, None))[1])
                for c in ranked if c in self._meta]
        if w.use_dedup:
            hits = collapse_repeats(hits)
        if self.reranker is not None:
            from .rerank import rerank

            hits = rerank(self.reranker, query, hits, top=max(k * 3, 15))
        return hits[:k]

    def sector_rows(self, sector: str) -> list[SearchHit]:
        """Every chunk labelled with ``sector``, ordered by document date and position."""
        self.refresh()
        rows = [SearchHit(chunk_id=c, text=self._texts[c], metadata=m, score=0.0)
                for c, m in self._meta.items() if m.get("sector") == sector]
        rows.sort(key=lambda h: (h.metadata.get("date") or "", h.metadata.get("document_id", ""), h.metadata.get("start", 0)))
        return rows
