"""Vraagbaak: the one entry point, ``ask(question, history, filters) -> Answer``.

Flow: resolve a follow-up against the history -> check scope -> hybrid retrieval -> evidence units
-> abstain or compose an extractive answer (or, when configured, an LLM answer validated against
the same passages).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from assistant.settings import Settings, get_settings
from index.retriever import HybridRetriever, SearchFilters, SearchHit
from index.store import ChromaStore

from .abstention import AbstentionPolicy
from .answerer import Citer, Composition, ExtractiveAnswerer, short
from .evidence import EvidenceScorer
from .followup import FollowUpResolver
from .models import Answer

log = logging.getLogger(__name__)


class IndexNotReady(RuntimeError):
    """The index is empty: run ``vraagbaak ingest`` first."""


class InvalidFilter(ValueError):
    pass


class Vraagbaak:
    def __init__(self, settings: Settings | None = None, retriever: HybridRetriever | None = None):
        self.settings = settings or get_settings()
        self.retriever = retriever or HybridRetriever(self.settings)
        self.store: ChromaStore = self.retriever.store
        self.vocab = self.retriever.vocab
        self.resolver = FollowUpResolver(self.vocab)
        self._lock = threading.Lock()
        self._generation = -1
        self._llm = None

    # -- setup ----------------------------------------------------------------------------
    def _prepare(self) -> None:
        self.retriever.refresh()
        if self.retriever.chunk_count() == 0:
            raise IndexNotReady("De index is leeg. Voer eerst `vraagbaak ingest` uit.")
        lex = self.retriever.lexical
        if lex.generation != self._generation:
            with self._lock:
                self._periods = {r.document_id: r.period for r in self.store.documents() if r.period}
                scorer = EvidenceScorer(lex.analyzer, lex.df, len(lex.ids))
                self._doc_texts: dict[str, str] = {}
                self.answerer = ExtractiveAnswerer(self.vocab, scorer, self.settings.max_answer_sentences,
                                                   doc_text=self._doc_text)
                years = {r.date[:4] for r in self.store.documents() if r.date}
                terms = {t for g in self.retriever.thesaurus.groups for term in g for t in term.split()}
                self.policy = AbstentionPolicy(self.vocab, "\n".join(self.retriever._texts.values()),
                                               self.settings.abstain_threshold, document_years=years,
                                               thesaurus_terms=terms)
                self._generation = lex.generation

    def _doc_text(self, document_id: str) -> str | None:
        if document_id not in self._doc_texts:
            got = self.store.get_document(document_id)
            self._doc_texts[document_id] = got[1] if got else ""
        return self._doc_texts[document_id] or None

    @property
    def llm(self):
        if self._llm is None and self.settings.llm_base_url and self.settings.llm_model:
            from .llm import LLMAnswerer

            self._llm = LLMAnswerer.from_settings(self.settings)
        return self._llm

    def parse_filters(self, raw: dict[str, Any] | SearchFilters | None) -> SearchFilters:
        if raw is None:
            return SearchFilters()
        if isinstance(raw, SearchFilters):
            return raw
        unknown = set(raw) - {"sector", "document_id", "kind", "year"}
        if unknown:
            raise InvalidFilter(f"Onbekend filter: {', '.join(sorted(unknown))} (toegestaan: sector, document_id, kind, year)")

        def as_list(v: Any) -> list:
            return [] if v is None else list(v) if isinstance(v, (list, tuple, set)) else [v]

        sectors = []
        for value in as_list(raw.get("sector")):
            sid = self.vocab.resolve(str(value))
            if sid is None:
                raise InvalidFilter(f"Onbekende sector '{value}'. Kies uit: {', '.join(s.id for s in self.vocab.sectors)}")
            sectors.append(sid)
        docs = [str(d) for d in as_list(raw.get("document_id"))]
        known = {r.document_id for r in self.store.documents() if r.status == "complete"}
        for d in docs:
            if d not in known:
                raise InvalidFilter(f"Onbekend document '{d}'. Zie `vraagbaak documents` voor de ids.")
        kinds = [str(k) for k in as_list(raw.get("kind"))]
        years = []
        for y in as_list(raw.get("year")):
            try:
                years.append(int(y))
            except (TypeError, ValueError):
                raise InvalidFilter(f"Jaar '{y}' is geen getal") from None
        return SearchFilters(sector=sectors, document_id=docs, kind=kinds, year=years)

    # -- asking ---------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | tuple = (), filters: dict | SearchFilters | None = None,
            top_k: int | None = None, use_llm: bool | None = None) -> Answer:
        answer: Answer | None = None
        for item in self._run(question, history, filters, top_k, use_llm, stream=False):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: list[dict] | tuple = (), filters: dict | SearchFilters | None = None,
               top_k: int | None = None) -> Iterator[str | Answer]:
        """Yields pieces of answer text as they are produced, then the complete Answer."""
        yield from self._run(question, history, filters, top_k, None, stream=True)

    def _run(self, question: str, history, filters, top_k, use_llm, stream: bool) -> Iterator[str | Answer]:
        question = (question or "").strip()
        if not question:
            raise ValueError("De vraag is leeg.")
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        self._prepare()
        flt = self.parse_filters(filters)
        history = [h if isinstance(h, dict) else h.model_dump() for h in (history or [])]
        resolved = self.resolver.resolve(question, history)
        if self.llm is not None and history and use_llm is not False:
            try:
                resolved.text = self.llm.condense(question, history) or resolved.text
            except Exception as exc:  # noqa: BLE001 - the extractive resolution stands
                log.warning("LLM condense failed: %s", exc)
        q = resolved.text
        timings["resolve_ms"] = _ms(t0)

        verdict = self.policy.before_retrieval(q)
        t1 = time.perf_counter()
        qa = self.retriever.analyse(q)
        if flt.sector and not qa.sectors:
            qa.sectors = list(flt.sector)  # a sector chosen in the filter counts as named in the question
        k = top_k or self.settings.top_k
        # one search serves both the evidence (top 8+) and, for an overview, the other documents' mentions (top 12)
        wide = self.retriever.search(q, k=max(k, 12), filters=flt, analysis=qa)
        hits = wide[:max(k, 8)]
        timings["retrieve_ms"] = _ms(t1)

        t2 = time.perf_counter()
        units = self.answerer.evidence(qa, hits)
        overview = self.answerer.wants_sector_overview(qa) or self.answerer.wants_knelpunten_overview(qa)
        if not verdict.abstain:
            verdict = self.policy.after_evidence(q, units, qa.count_noun, overview=overview)
        composition: Composition | None = None
        if not verdict.abstain:
            if self.answerer.wants_sector_overview(qa):
                # an overview is built from table rows; a sector known only as a document's author (VSO) gets a
                # direct answer instead
                rows = [h for h in self.retriever.sector_rows(qa.sectors[0])
                        if flt.accepts(h.metadata) and h.metadata.get("table")]
                mentions = [h for h in wide if qa.sectors[0] in (h.metadata.get("mentions") or "")]
                if rows:
                    composition = self.answerer.sector_overview(qa, rows, mentions, self._periods)
            elif self.answerer.wants_knelpunten_overview(qa):
                kn = [SearchHit(chunk_id=c, text=self.retriever.text_of(c), metadata=m, score=0.0)
                      for c, m in self.retriever.chunks().items() if m.get("knelpunt") and flt.accepts(m)]
                composition = self.answerer.knelpunten(qa, kn)
            if composition is None or not composition.text:
                composition = self.answerer.direct(qa, units, self._periods)
            if not composition.text:
                verdict.abstain, verdict.reason = True, "er is geen passage gevonden die op de vraag ingaat"
        timings["answer_ms"] = _ms(t2)

        mode = "extractive"
        notice = None
        if verdict.abstain:
            answer = self._abstain(question, q, verdict.reason, units)
        else:
            assert composition is not None
            text, citations = composition.text, composition.citations
            llm_answer = None
            if self.llm is not None and use_llm is not False:
                t3 = time.perf_counter()
                try:
                    pieces: list[str] = []
                    for piece in self.llm.stream(q, hits[:k]) if stream else [self.llm.answer(q, hits[:k])]:
                        pieces.append(piece)
                        if stream:
                            yield piece
                    llm_answer = self.llm.validate("".join(pieces), hits[:k], self.answerer.scorer.analyzer)
                    if llm_answer is None:
                        notice = "Het taalmodel gaf geen antwoord met geldige bronverwijzingen; hieronder het antwoord uit de documenten."
                except Exception as exc:  # noqa: BLE001 - timeout, connection or model error
                    log.warning("LLM failed: %s", exc)
                    notice = f"Het taalmodel was niet bereikbaar ({type(exc).__name__}); hieronder het antwoord uit de documenten."
                timings["llm_ms"] = _ms(t3)
            if llm_answer is not None:
                text, citations = llm_answer
                mode = "llm"
            elif stream:
                if notice:
                    yield f"{notice}\n\n"
                yield from _pieces(text)
            answer = Answer(question=question, answer=text, citations=citations, abstained=False, mode=mode,
                            intent=composition.intent, notice=notice)
        if verdict.abstain and stream:
            yield from _pieces(answer.answer)
        answer.resolved_question = q if resolved.carried else None
        timings["total_ms"] = _ms(t0)
        answer.timings = timings
        yield answer

    def _abstain(self, question: str, resolved: str, reason: str, units) -> Answer:
        citer = Citer()
        seen_chunks: set[str] = set()
        for u in units:
            if u.hit.chunk_id in seen_chunks or len(seen_chunks) >= 3:
                continue
            seen_chunks.add(u.hit.chunk_id)
            citer.cite(u)
        related = citer.citations
        text = f"Dat staat niet in de documenten: {reason}."
        if related:
            text += " Het dichtst in de buurt komen deze passages:\n" + "\n".join(
                f"- {short(c.quote, 160)} ({c.title}, {c.section})" for c in related)
        return Answer(question=question, answer=text, citations=[], abstained=True, related=related,
                      intent="onbekend")

    # -- browsing -------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: dict | SearchFilters | None = None) -> list[SearchHit]:
        query = (query or "").strip()
        if not query:
            raise ValueError("De zoekvraag is leeg.")
        self._prepare()
        return self.retriever.search(query, k=k, filters=self.parse_filters(filters))

    def documents(self) -> list[dict[str, Any]]:
        out = []
        for r in self.store.documents():
            if r.status == "alternate":
                continue
            out.append({"document_id": r.document_id, "title": r.title, "source_file": r.source_file, "kind": r.kind,
                        "date": r.date, "period": r.period, "chunk_count": r.chunk_count, "sectors": r.sectors,
                        "alternates": r.alternates, "status": r.status, "source": r.source, "uploader": r.uploader,
                        "uploaded_at": r.uploaded_at, "trusted": r.trusted})
        return out

    def document(self, document_id: str) -> dict[str, Any] | None:
        got = self.store.get_document(document_id)
        if got is None:
            return None
        rec, text = got
        chunks = [{"chunk_id": c, "section": m.get("section"), "sector": m.get("sector"), "start": m.get("start"),
                   "end": m.get("end"), "page": m.get("page"), "role": m.get("role")}
                  for c, m in self.retriever.chunks().items() if m.get("document_id") == document_id]
        chunks.sort(key=lambda c: c["start"] or 0)
        return {"document_id": rec.document_id, "title": rec.title, "source_file": rec.source_file, "kind": rec.kind,
                "date": rec.date, "period": rec.period, "status": rec.status, "alternates": rec.alternates,
                "alternate_of": rec.alternate_of, "source": rec.source, "uploader": rec.uploader,
                "uploaded_at": rec.uploaded_at, "trusted": rec.trusted, "text": text, "chunks": chunks}

    def sectors(self) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for m in self.retriever.chunks().values():
            if m.get("sector"):
                counts[m["sector"]] = counts.get(m["sector"], 0) + 1
        return [{"id": s.id, "name": s.name, "group": s.group, "aliases": list(s.aliases),
                 "organisations": list(s.organisations), "chunk_count": counts.get(s.id, 0)} for s in self.vocab.sectors]

    def health(self) -> dict[str, Any]:
        try:
            count = self.store.count()
            docs = [r for r in self.store.documents() if r.status == "complete"]
            model = self.store.embedding_model()
        except Exception as exc:  # noqa: BLE001 - health must answer even when the store is down
            return {"ready": False, "error": f"index niet bereikbaar: {type(exc).__name__}"}
        return {"ready": count > 0, "chunks": count, "documents": len(docs), "embedding_model": model,
                "configured_embedding_model": self.settings.embedding_model,
                "llm_configured": bool(self.settings.llm_base_url and self.settings.llm_model),
                "storage": "server" if self.settings.chroma_host else "embedded"}


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


def _pieces(text: str) -> Iterator[str]:
    """The extractive answer streamed a sentence or line at a time (it is ready at once, but reads as it arrives)."""
    import re

    for piece in re.split(r"(?<=[\n\]])", text):
        if piece:
            yield piece
