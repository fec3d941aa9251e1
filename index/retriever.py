"""HybridRetriever: dense (Chroma) + lexical (BM25) with reciprocal rank fusion, sector awareness,
metadata filters applied inside both retrievers, and collapse of repeated passages into one hit."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.settings import Settings
from ingest.sectors import SectorVocabulary

from .embeddings import get_embeddings, model_name
from .lexical import LexicalIndex
from .provenance import answerable
from .store import ChromaStore
from .thesaurus import Thesaurus

_KNELPUNT_Q = re.compile(r"knelpunt|probleem|problemen|belemmer|struikel|bottleneck|obstacle|problem|barrier|"
                         r"moeilijk|lastig|waar\s+lopen|tegen\s+aan|oplossing|solution|perspectief", re.I)
_RESULT_Q = re.compile(r"gevolg|resultaat|resultaten|opgeleverd|bereikt|effect|result|outcome|gerealiseerd|achiev|"
                       r"geboekt|behaald|voortgang|progress", re.I)
_COMPARE_Q = re.compile(r"verschil|veranderd|verandering|vergele|ten opzichte van|een jaar eerder|tussen\s+20\d\d\s+en|"
                        r"nieuw\b|compare|changed|difference|earlier", re.I)
_COUNT_Q = re.compile(r"\b(?:hoeveel|how\s+many|how\s+much|aantal)\s+(?:extra\s+)?(\w{4,})", re.I)
_KIND_HINTS = (
    (re.compile(r"\bmemo\b|voortgangsmemo|(noemt|schrijft|meldt|volgens) de aanjager", re.I), "memo"),
    (re.compile(r"plan van aanpak|action plan", re.I), "plan van aanpak"),
    (re.compile(r"\bbijlage\b|\bannex\b|\bupdate\b|\btabel\b", re.I), "bijlage"),
)
_ACTIVITY_Q = re.compile(r"gedaan|ondernomen|activiteit|doet|doen|deed|deden|bezig|aanpak|acties|what\s+(has|have|did)|"
                         r"activities|done|overzicht|overview", re.I)


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
    alternates: list[Source] = field(default_factory=list)

    @property
    def document_id(self) -> str:
        return self.metadata.get("document_id", "")

    @property
    def sector(self) -> str | None:
        return self.metadata.get("sector") or None


@dataclass
class QueryAnalysis:
    text: str
    sectors: list[str]
    expansions: list[str]
    knelpunt: bool
    results: bool
    activity: bool
    compare: bool = False
    count_noun: str | None = None
    kinds: list[str] = field(default_factory=list)


class HybridRetriever:
    def __init__(self, settings: Settings, store: ChromaStore | None = None):
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self.vocab = SectorVocabulary.from_file(settings.sectors_path)
        self.thesaurus = Thesaurus.from_file(settings.thesaurus_path)
        self._lexical: LexicalIndex | None = None
        self._meta: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}
        self._checked = 0.0
        self._lock = threading.Lock()
        self._embeddings = None
        self.reranker = None
        if settings.reranker:
            from .rerank import CrossEncoderReranker

            self.reranker = CrossEncoderReranker(settings.reranker)

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def embeddings(self):
        if self._embeddings is None:
            emb = get_embeddings(self.settings.embedding_model, self.settings.embedding_batch_size)
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
            lex = LexicalIndex.load(self.settings.lexical_dir)
            if lex is None or lex.generation != generation or lex.ids != ids and set(lex.ids) != set(ids):
                lex = LexicalIndex.build(ids, [m.get("search_text", "") for m in metas], generation)
                try:
                    lex.save(self.settings.lexical_dir)
                except OSError:
                    pass
            # untrusted uploads stay out of answers (index/provenance.py); only chunks in _meta are ever returned
            keep = [answerable(m, self.settings.trust_uploads) for m in metas]
            # the search text lives on in the BM25 index; keeping it per chunk too would double the memory
            self._meta = {cid: {k: v for k, v in m.items() if k != "search_text"}
                          for cid, m, ok in zip(ids, metas, keep) if ok}
            self._texts = {cid: t for cid, t, ok in zip(ids, texts, keep) if ok}
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

    # -- query analysis -------------------------------------------------------------------
    def analyse(self, query: str) -> QueryAnalysis:
        expansions = self.thesaurus.expand(query) if self.settings.use_thesaurus else []
        sectors = self.vocab.find_all(query)
        if self.settings.use_thesaurus:
            # the Dutch names of a sector named in another way (an alias, English) reach the lexical index too
            for sid in sectors:
                sec = self.vocab.by_id[sid]
                expansions.extend(a for a in (sec.name, *sec.aliases[:4]) if a.lower() not in query.lower())
        count = _COUNT_Q.search(query)
        return QueryAnalysis(
            text=query, sectors=sectors, expansions=expansions,
            knelpunt=bool(_KNELPUNT_Q.search(query)), results=bool(_RESULT_Q.search(query)),
            activity=bool(_ACTIVITY_Q.search(query)), compare=bool(_COMPARE_Q.search(query)),
            count_noun=count.group(1).lower() if count else None,
            kinds=[kind for pattern, kind in _KIND_HINTS if pattern.search(query)],
        )

    # -- search ---------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: SearchFilters | None = None,
               analysis: QueryAnalysis | None = None) -> list[SearchHit]:
        s = self.settings
        k = k or s.top_k
        self.refresh()
        filters = filters or SearchFilters()
        qa = analysis or self.analyse(query)
        n = max(s.candidates, k * 4)
        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        dense_sim: dict[str, float] = {}
        lex_rank: dict[str, int] = {}

        if s.use_dense and self._meta:
            vector = self.embeddings.embed_query(query)
            for rank, (cid, dist) in enumerate(self.store.query(vector, n, filters.chroma_where()), 1):
                dense_rank[cid] = rank
                dense_sim[cid] = 1.0 - float(dist)
                fused[cid] = fused.get(cid, 0.0) + s.dense_weight / (s.rrf_k + rank)
        if s.use_lexical and self._lexical is not None:
            tokens = self._lexical.query_tokens(query)
            extra: list[str] = []
            if qa.expansions:
                # expansions weigh less than the question's own words
                extra = [t for t in dict.fromkeys(self._lexical.query_tokens(" ".join(qa.expansions))) if t not in tokens]
            mask = None
            if not filters.is_empty():
                mask = np.array([filters.accepts(self._meta.get(cid, {})) for cid in self._lexical.ids], dtype=bool)
            for rank, (cid, _score) in enumerate(self._lexical.top(tokens, n, mask, extra=extra, extra_weight=0.4), 1):
                lex_rank[cid] = rank
                fused[cid] = fused.get(cid, 0.0) + s.lexical_weight / (s.rrf_k + rank)

        top_vote = 1.0 / (s.rrf_k + 1)
        for cid in list(fused):
            meta = self._meta.get(cid, {})
            bonus = 0.0
            if s.use_sector_boost and qa.sectors:
                if meta.get("sector") in qa.sectors:
                    bonus += s.sector_boost * top_vote
                elif any(x in qa.sectors for x in (meta.get("mentions") or "").split("|") if x):
                    bonus += 0.25 * s.sector_boost * top_vote
            if qa.knelpunt and meta.get("knelpunt"):
                bonus += 0.5 * top_vote
            if qa.results and meta.get("role") == "gevolgen":
                bonus += 0.3 * top_vote
            if qa.kinds and meta.get("kind") in qa.kinds:
                bonus += 0.5 * top_vote
            if qa.count_noun and _has_count(self._texts.get(cid, ""), qa.count_noun):
                bonus += 0.5 * top_vote
            fused[cid] += bonus

        ranked = sorted(fused, key=lambda c: (-fused[c], c))  # ties broken by id: the same answer in every process
        hits = [SearchHit(chunk_id=c, text=self._texts.get(c, ""), metadata=self._meta.get(c, {}), score=fused[c],
                          dense_rank=dense_rank.get(c), lexical_rank=lex_rank.get(c), dense_similarity=dense_sim.get(c))
                for c in ranked if c in self._meta]
        if s.use_dedup:
            hits = self._collapse(hits)
        if self.reranker is not None:
            from .rerank import rerank

            hits = rerank(self.reranker, query, hits, top=max(k * 3, 15))
        if qa.sectors and not qa.knelpunt and not qa.count_noun and (qa.activity or qa.results or qa.compare):
            mode = "gevolgen" if (qa.results or qa.compare) else "opening"
            hits = self._sector_first(hits, qa.sectors, mode, filters)
        return hits[:k]

    def _collapse(self, hits: list[SearchHit]) -> list[SearchHit]:
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
                owner.alternates.append(self._source(hit))
        return kept

    @staticmethod
    def _source(hit: SearchHit) -> Source:
        m = hit.metadata
        return Source(document_id=m.get("document_id", ""), title=m.get("title", ""), source_file=m.get("source_file", ""),
                      section=m.get("section", ""), date=m.get("date"), page=m.get("page"), chunk_id=hit.chunk_id)

    def _sector_first(self, hits: list[SearchHit], sectors: list[str], mode: str,
                      filters: SearchFilters) -> list[SearchHit]:
        """For "what has sector X done / achieved": one chunk of that sector from every document, in date
        order, first; then the sector's other chunks by relevance; then the rest.

        ``mode`` picks the chunk per document: the row's opening ("opening"), its first results block
        ("gevolgen", falling back to the opening) or the best-ranked one ("best")."""
        rank = {h.chunk_id: i for i, h in enumerate(hits)}
        lead: list[SearchHit] = []
        for sector in sectors[:2]:
            per_doc: dict[str, list[SearchHit]] = {}
            for row in self.sector_rows(sector):
                if filters.accepts(row.metadata):
                    per_doc.setdefault(row.document_id, []).append(row)
            for rows in per_doc.values():
                if mode == "gevolgen":
                    pick = next((r for r in rows if r.metadata.get("role") == "gevolgen"), rows[0])
                elif mode == "best":
                    pick = min(rows, key=lambda r: rank.get(r.chunk_id, 10**6))
                else:
                    pick = rows[0]
                lead.append(pick)
        lead.sort(key=lambda h: (h.metadata.get("date") or "", h.metadata.get("start", 0)))
        by_id = {h.chunk_id: h for h in hits}
        lead = [by_id.get(h.chunk_id, h) for h in lead]
        lead_ids = {h.chunk_id for h in lead}
        same_sector = [h for h in hits if h.sector in sectors and h.chunk_id not in lead_ids]
        rest = [h for h in hits if h.sector not in sectors and h.chunk_id not in lead_ids]
        return lead + same_sector + rest

    def sector_rows(self, sector: str) -> list[SearchHit]:
        """Every chunk labelled with ``sector``, ordered by document date and position."""
        self.refresh()
        rows = [SearchHit(chunk_id=c, text=self._texts[c], metadata=m, score=0.0)
                for c, m in self._meta.items() if m.get("sector") == sector]
        rows.sort(key=lambda h: (h.metadata.get("date") or "", h.metadata.get("document_id", ""), h.metadata.get("start", 0)))
        return rows


def _has_count(text: str, noun: str) -> bool:
    """Does the passage state a number of ``noun`` ("2.370 werkgevers", "109,53 fte", "42 banen")?"""
    stem = noun[:max(4, len(noun) - 2)]
    return bool(re.search(rf"\d[\d.,]*\s*(?:%|fte|\(fte\))?\s*(?:extra\s+|nieuwe\s+)?\w*{re.escape(stem)}", text, re.I))
