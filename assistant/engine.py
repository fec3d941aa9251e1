"""Vraagbaak: the one entry point, ``ask(question, history, filters) -> Answer``.

The answer path, step by step:
resolve a follow-up -> understand the question (sectors, years, intent, typos) -> retrieve (dense + BM25,
fused, boosted) -> score evidence units -> one scored abstain decision -> compose an extractive answer
(or, when configured, an LLM answer validated against the same passages).
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from assistant.settings import Settings, get_settings
from index.retriever import HybridRetriever, SearchFilters, SearchHit
from index.store import ChromaStore
from index.thesaurus import Thesaurus
from ingest.sectors import SectorVocabulary

from .abstention import ABSTAIN_FEATURES, AbstentionPolicy, Verdict
from .answerer import Citer, Composition, ExtractiveAnswerer, as_sentence, frame_of
from .evidence import GENERIC_SHARE, UNIT_FEATURES, EvidenceScorer, Unit, units_of
from .followup import FollowUpResolver
from .knelpunten import build_rows
from .models import Answer
from .query import IntentCues, Query, QueryUnderstanding
from .ranking import boost_for
from .shape import SHAPE_FEATURES, shape_features, topical_words
from .weights import Weights

log = logging.getLogger(__name__)
_MONTHS = ("januari februari maart april mei juni juli augustus september oktober november december january february "
           "march may june july august october")
EVIDENCE_CHUNKS = 8  # chunks whose units are scored


def retriever_for(settings: Settings, store: ChromaStore | None = None) -> HybridRetriever:
    return HybridRetriever(settings, settings.fusion_weights(), store=store, reranker=settings.reranker,
                           trust_uploads=settings.trust_uploads)


class IndexNotReady(RuntimeError):
    """The index is empty: run ``vraagbaak ingest`` first."""


class InvalidFilter(ValueError):
    pass


class Vraagbaak:
    def __init__(self, settings: Settings | None = None, retriever: HybridRetriever | None = None):
        self.settings = settings or get_settings()
        self.retriever = retriever or retriever_for(self.settings)
        self.store: ChromaStore = self.retriever.store
        self.vocab = SectorVocabulary.from_file(self.settings.sectors_path)
        self.thesaurus = Thesaurus.from_file(self.settings.thesaurus_path)
        self.cues = IntentCues.from_file(self.settings.intents_path)
        self.weights = Weights.load(self.settings.weights_path)
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
                self._doc_texts: dict[str, str] = {}
                vocabulary: dict[str, int] = {}
                from index.analysis import raw_tokens

                for text in self.retriever._texts.values():
                    for w in set(raw_tokens(text)):
                        if len(w) >= 4 and w.isalpha():
                            vocabulary[w] = vocabulary.get(w, 0) + 1
                self.understanding = QueryUnderstanding(self.vocab, self.thesaurus, self.cues, lex.analyzer, vocabulary,
                                                        use_thesaurus=self.settings.use_thesaurus)
                self.scorer = EvidenceScorer(lex.analyzer, lex.df, len(lex.ids), self.vocab, self.cues,
                                             self.weights.check("unit", UNIT_FEATURES), self.retriever.document_chars())
                self.answerer = ExtractiveAnswerer(self.vocab, self.scorer, self.settings.max_answer_sentences,
                                                   self.settings.answer_word_budget,
                                                   doc_text=self._doc_text)
                self._cue_tokens = {t for name in self.cues.cues if not name.startswith("_")
                                    for t in lex.analyzer.tokens(" ".join(c.rstrip("*") for c in self.cues.cues[name]))}
                self.shape_model = self.weights.check("shape", SHAPE_FEATURES)
                self.policy = AbstentionPolicy(self.scorer, self.weights.check("abstain", ABSTAIN_FEATURES),
                                               frozenset(self._cue_tokens),
                                               self.thesaurus.matches if self.settings.use_thesaurus else None)
                self.resolver = FollowUpResolver(self.vocab, self.cues, self.understand, self._strength)
                generic_df = GENERIC_SHARE * max(len(lex.ids), 1)
                self._generic = {t for t, d in lex.df.items() if d > generic_df}
                self._generation = lex.generation
                self._knelpunt_vocabulary: set[str] | None = None
                self._months = set(lex.analyzer.tokens(_MONTHS))

    def _doc_text(self, document_id: str) -> str | None:
        if document_id not in self._doc_texts:
            got = self.store.get_document(document_id)
            self._doc_texts[document_id] = got[1] if got else ""
        return self._doc_texts[document_id] or None

    def understand(self, text: str) -> Query:
        return self.understanding.run(text)

    def _strength(self, q: Query) -> float:
        """How well a question alone finds passages: the best dense similarity of its top chunks."""
        hits = self.retrieve(q, SearchFilters(), 3)
        return max((h.dense_similarity or 0.0 for h in hits), default=0.0)

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

    def retrieve(self, q: Query, filters: SearchFilters, k: int) -> list[SearchHit]:
        boost = boost_for(q, self.settings.sector_boost if self.settings.use_sector_boost else 0.0,
                          self.scorer.analyzer.vocabulary)
        return self.retriever.search(q.search_text, k=k, filters=filters, extra_terms=q.expansions, boost=boost)

    def evidence(self, q: Query, hits: list[SearchHit]) -> list[Unit]:
        top = hits[:EVIDENCE_CHUNKS]
        vectors = self.retriever.unit_vectors([h.chunk_id for h in top])
        units = [u for rank, h in enumerate(top) for u in units_of(h, rank, self.scorer.analyzer, vectors.get(h.chunk_id, []))]
        return self.scorer.score(units, q, self._query_vector(q))

    def _query_vector(self, q: Query) -> np.ndarray | None:
        if not self.settings.use_dense:
            return None
        return np.asarray(self.retriever.embed_query(q.search_text), dtype=np.float32)

    def _specific(self, q: Query) -> set[str]:
        """The question's content words beyond intent cues, sector names and words every chunk uses."""
        cue = self._cue_tokens
        names = set()
        for sid in q.sectors:
            sec = self.vocab.by_id[sid]
            names |= set(self.scorer.analyzer.tokens(" ".join((*sec.aliases, sec.name, "sector"))))
        return set(q.content) - cue - names - self._generic

    def shape_features(self, q: Query, units: list[Unit]) -> dict[str, float]:
        return shape_features(q, units, topical_words(self._specific(q), self._months), self.scorer)

    def shape(self, q: Query, units: list[Unit] | None = None) -> str:
        """Which answer shape (assistant/shape.py): for a question naming a sector, ``overview`` or ``direct`` by
        the fitted shape model; ``knelpunten`` for "which knelpunten are there"; else ``direct``."""
        units = units or []
        specific = self._specific(q)
        if q.sectors and not q.has("knelpunt") and self.shape_model.decide(
                shape_features(q, units, topical_words(specific, self._months), self.scorer)):
            return "overview"
        pointed = q.intents & {"count", "amount", "percent", "when", "why", "who", "define"}
        if q.has("knelpunt") and not q.sectors and not (pointed - {"define"}) and len(specific) <= 2 \
                and (q.has("which") or q.has("define")) and not (specific & self._knelpunt_words()) \
                and not (specific and any(specific <= u.tokens for u in units[:5])):
            # the list, unless the question names one knelpunt ("het probleem met de meeteltermijn") or a passage
            # holds all of the question's own words ("betrouwbare cijfers")
            return "knelpunten"
        return "direct"

    def _knelpunt_words(self) -> set[str]:
        """The words of the knelpunten's titles in the ingest table, minus those every chunk uses."""
        if self._knelpunt_vocabulary is None:
            titles = " ".join(r.title for r in build_rows(self.store.documents()))
            self._knelpunt_vocabulary = set(self.scorer.analyzer.tokens(titles)) - self._generic
        return self._knelpunt_vocabulary

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
        q = self.understand(resolved.text)
        if flt.sector and not q.sectors:
            q.sectors = list(flt.sector)  # a sector chosen in the filter counts as named in the question
        timings["understand_ms"] = _ms(t0)

        t1 = time.perf_counter()
        k = top_k or self.settings.top_k
        hits = self.retrieve(q, flt, max(k, EVIDENCE_CHUNKS))
        timings["retrieve_ms"] = _ms(t1)

        t2 = time.perf_counter()
        units = self.evidence(q, hits)
        shape = self.shape(q, units)
        verdict = self.policy.decide(q, hits, units)
        composition: Composition | None = None
        if not verdict.abstain:
            composition = self._compose(q, shape, units, flt)
            if not composition.text:
                verdict = Verdict(True, 1.0, ["een passage die hierop ingaat"])
            elif composition.missing:
                verdict = Verdict(True, verdict.probability, [composition.missing], verdict.features)
        timings["answer_ms"] = _ms(t2)

        mode = "extractive"
        notice = None
        if verdict.abstain:
            answer = self._abstain(question, verdict, units)
        else:
            assert composition is not None
            text, citations = composition.text, composition.citations
            llm_answer = None
            if self.llm is not None and use_llm is not False:
                t3 = time.perf_counter()
                try:
                    pieces: list[str] = []
                    for piece in self.llm.stream(q.text, hits[:k]) if stream else [self.llm.answer(q.text, hits[:k])]:
                        pieces.append(piece)
                        if stream:
                            yield piece
                    llm_answer = self.llm.validate("".join(pieces), hits[:k], self.scorer.analyzer)
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
        answer.resolved_question = resolved.text if resolved.carried else None
        timings["total_ms"] = _ms(t0)
        answer.timings = timings
        yield answer

    def _compose(self, q: Query, shape: str, units: list[Unit], flt: SearchFilters) -> Composition:
        if shape == "overview":
            rows = [h for h in self.retriever.sector_rows(q.sectors[0]) if flt.accepts(h.metadata) and h.metadata.get("table")]
            if rows:
                vectors = self.retriever.unit_vectors([h.chunk_id for h in rows])
                results_only = q.has("results") and not q.has("overview")
                got = self.answerer.sector_overview(q, rows, self._query_vector(q), vectors, self._periods, results_only,
                                                    results_too=q.has("results"))
                if got.text:
                    return got
        if shape == "knelpunten":
            rows = [r for r in build_rows(self.store.documents())
                    if (not flt.document_id or r.document_id in flt.document_id)
                    and (not flt.sector or r.sector in flt.sector)]
            names = {m.get("document_id"): m.get("cite_as") for m in self.retriever.chunks().values() if m.get("cite_as")}
            got = self.answerer.knelpunten(rows, names)
            if got.text:
                return got
        return self.answerer.direct(q, units)

    def _abstain(self, question: str, verdict: Verdict, units: list[Unit]) -> Answer:
        """Says what the documents do not give, then what they do say nearest to the question."""
        citer = Citer()
        shown: list[Unit] = []
        for u in units:
            if len(shown) >= 2:
                break
            if any(u.hit.chunk_id == s.hit.chunk_id for s in shown) or len(u.text) < 40:
                continue
            shown.append(u)
        text = f"Dat staat niet in de documenten: {verdict.reason}."
        if shown:
            text += " Wel staat er:\n" + "\n".join(
                f"- {as_sentence(u.text)} [{citer.cite(u)}] ({frame_of(u)})" for u in shown)
        return Answer(question=question, answer=text, citations=[], abstained=True, related=citer.citations,
                      intent="onbekend")

    # -- browsing -------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, filters: dict | SearchFilters | None = None) -> list[SearchHit]:
        """Ranked passages for a query, understood as a question is (typos repaired, sectors boosted)."""
        query = (query or "").strip()
        if not query:
            raise ValueError("De zoekvraag is leeg.")
        self._prepare()
        flt = self.parse_filters(filters)
        q = self.understand(query)
        if flt.sector and not q.sectors:
            q.sectors = list(flt.sector)
        return self.retrieve(q, flt, k)

    def documents(self) -> list[dict[str, Any]]:
        out = []
        for r in self.store.documents():
            if r.status == "alternate":
                continue
            out.append({"document_id": r.document_id, "title": r.title, "short_title": r.short_title,
                        "source_file": r.source_file, "kind": r.kind,
                        "date": r.date, "period": r.period, "chunk_count": r.chunk_count, "sectors": r.sectors,
                        "alternates": r.alternates, "status": r.status, "source": r.source, "uploader": r.uploader,
                        "uploaded_at": r.uploaded_at, "trusted": r.trusted})
        return out

    def document(self, document_id: str) -> dict[str, Any] | None:
        got = self.store.get_document(document_id)
        if got is None:
            return None
        rec, text = got
        # from the store, not the retriever: an untrusted upload is shown here (for review) though it never answers
        ids, _texts, metas = self.store.all_chunks(where={"document_id": document_id})
        chunks = [{"chunk_id": c, "section": m.get("section"), "sector": m.get("sector"), "start": m.get("start"),
                   "end": m.get("end"), "page": m.get("page"), "role": m.get("role")} for c, m in zip(ids, metas)]
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
