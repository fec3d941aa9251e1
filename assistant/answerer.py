"""Extractive answers: short, whole quoted sentences with numbered citations, no LLM.

Three shapes: a direct answer of 1–4 sentences (the figure-holding sentence first for a number
question), a sector overview for "what has sector X done" (per document only what is new against the
earlier document, repeats folded and counted), and a list of knelpunten with their proposed solutions.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from index.retriever import SearchHit
from ingest.sectors import SectorVocabulary

from .evidence import EvidenceScorer, Unit, is_repeat, select, units_of
from .models import Citation, SourceRef
from .query import Query

_BULLET = re.compile(r"^\s*(?:[•◦▪\-–*]\s*|(?:\d{1,2}|[a-z])[.)]\s+)")  # a bullet or a numbered item ("1)", "b.")
_FIGURE = re.compile(r"\d+[.,]\d+|\d+\s?%|\b\d{2,}\b(?!\s*(?:januari|februari|maart|april|mei|juni|juli|augustus|"
                     r"september|oktober|november|december))")


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    units: list[Unit]
    intent: str
    missing: str | None = None  # what the passages turned out not to give: the answer is then a decline


def as_sentence(text: str) -> str:
    t = re.sub(r"\s+", " ", text.strip().rstrip(";,")).strip()
    return t if t.endswith((".", "!", "?", ":", ")")) else t + "."


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class Citer:
    """Hands out citation numbers; the same passage cited twice keeps its number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_span: dict[tuple[str, int, int], int] = {}

    def cite(self, unit: Unit) -> int:
        key = (unit.document_id, unit.start, unit.end)
        if key in self._by_span:
            return self._by_span[key]
        m = unit.hit.metadata
        n = len(self.citations) + 1
        alts = [SourceRef(document_id=a.document_id, title=a.title, source_file=a.source_file, section=a.section,
                          date=a.date, page=a.page) for a in unit.hit.alternates]
        for twin in unit.also:
            tm = twin.hit.metadata
            alts.append(SourceRef(document_id=tm.get("document_id", ""), title=tm.get("title", ""),
                                  source_file=tm.get("source_file", ""), section=tm.get("section", ""),
                                  date=tm.get("date"), page=tm.get("page")))
        for alt_file in [x for x in (m.get("alternates") or "").split("|") if x]:
            alts.append(SourceRef(document_id=m.get("document_id", ""), title=f"{m.get('title', '')} (andere extractie)",
                                  source_file=alt_file, section=m.get("section", ""), date=m.get("date")))
        self.citations.append(Citation(
            n=n, document_id=m.get("document_id", ""), title=m.get("title", ""), source_file=m.get("source_file", ""),
            section=m.get("section", ""), sector=m.get("sector") or None, page=m.get("page"), date=m.get("date"),
            quote=unit.text, start=unit.start, end=unit.end, score=round(unit.score, 4), chunk_id=unit.hit.chunk_id,
            alternates=alts, source=m.get("source") or "bundled"))
        self._by_span[key] = n
        return n


def frame_of(unit: Unit) -> str:
    m = unit.hit.metadata
    return m.get("cite_as") or m.get("title") or "het document"


class ExtractiveAnswerer:
    def __init__(self, sectors: SectorVocabulary, scorer: EvidenceScorer, max_sentences: int = 4,
                 word_budget: int = 90, doc_text=None):
        self.doc_text = doc_text or (lambda _document_id: None)
        self.sectors = sectors
        self.scorer = scorer
        self.max_sentences = max_sentences
        self.word_budget = word_budget

    # -- direct ---------------------------------------------------------------------------
    def direct(self, q: Query, units: list[Unit]) -> Composition:
        chosen = select(units, q, self.scorer, limit=self.max_sentences, budget=self.word_budget)
        if not chosen:
            return Composition("", [], [], "vraag")
        lead = chosen[0]
        if q.intents & {"count", "amount", "percent", "when"}:
            figures = [u for u in chosen if u.features.get("count_match") or u.features.get("money_q")
                       or u.features.get("percent_q") or u.features.get("date_q")]
            # the figure for the sector the question names comes first, before a higher-scored one for another
            lead = min(figures, key=lambda u: (not _agrees(q, u), not _names(u)), default=lead)
        chosen = [self._with_list(u) for u in chosen]
        lead = next(u for u in chosen if u.start == lead.start and u.document_id == lead.document_id)
        rest = sorted((u for u in chosen if u is not lead),
                      key=lambda u: (u.document_id != lead.document_id, u.hit.metadata.get("date") or "", u.start))
        ordered = [lead] + rest
        citer = Citer()
        groups: "OrderedDict[str, list[Unit]]" = OrderedDict()
        for u in ordered:
            groups.setdefault(u.document_id, []).append(u)
        paragraphs = []
        caveat = self._disagreement(q, lead)
        if caveat:
            paragraphs.append(caveat)
        missing = self._sector_missing(q, lead)
        for i, us in enumerate(groups.values()):
            opener = f"Volgens {frame_of(us[0])}" if i == 0 else f"Daarnaast meldt {frame_of(us[0])}"
            paragraphs.append(f"{opener}: " + " ".join(self._render(u, citer) for u in us))
        return Composition("\n\n".join(paragraphs), citer.citations, ordered, "vraag", missing)

    def _render(self, unit: Unit, citer: Citer) -> str:
        n = citer.cite(unit)
        lines = [ln for ln in unit.text.split("\n") if ln.strip()]
        if len(lines) > 1:  # a sentence that introduces a list, with its items
            items = "\n".join(f"- {as_sentence(_BULLET.sub('', ln))}" for ln in lines[1:])
            return f"{as_sentence(lines[0])} [{n}]\n{items}\n"
        return f"{as_sentence(unit.text)} [{n}]"

    def _with_list(self, unit: Unit, max_items: int = 5) -> Unit:
        """A sentence that ends in a colon is quoted with the list it introduces (read from the document)."""
        if not unit.text.rstrip().endswith(":"):
            return unit
        doc = self.doc_text(unit.document_id)
        if not doc or doc[unit.start:unit.end] != unit.text:
            return unit
        end, pos, taken = None, unit.end, 0
        for line in doc[unit.end:unit.end + 1200].split("\n"):
            line_start = pos
            pos += len(line) + 1
            if not line.strip():
                continue
            if taken >= max_items or not _BULLET.match(line):
                break
            end = line_start + len(line.rstrip())
            taken += 1
        if end is None:
            return unit
        return Unit(text=doc[unit.start:end], start=unit.start, end=end, hit=unit.hit, rank=unit.rank,
                    tokens=unit.tokens, bullet=unit.bullet, paragraph=unit.paragraph, vector=unit.vector,
                    features=unit.features, coverage=unit.coverage, score=unit.score, also=unit.also)

    def _sector_missing(self, q: Query, lead: Unit) -> str | None:
        """A figure asked for one sector whose best figure-holding sentence is another sector's: the documents do not
        give it (on the 578 dev questions, every answer of this kind was to a question they do not answer)."""
        if (q.intents & {"count", "amount", "percent"}) and q.sectors and not _agrees(q, lead):
            return f"dat cijfer voor de sector {self.sectors.name(q.sectors[0])}"
        return None

    def _disagreement(self, q: Query, lead: Unit) -> str | None:
        """A figure for another year than the question names is said to be so, not passed off."""
        if not (q.intents & {"count", "amount", "percent"}):
            return None
        if q.years and lead.features.get("year_conflict"):
            given = ", ".join(sorted(set(re.findall(r"\b(?:19|20)\d\d\b", lead.text))))
            return f"Voor {', '.join(q.years)} geven de documenten dit niet; wel voor {given}:"
        return None

    # -- sector overview ------------------------------------------------------------------
    def sector_overview(self, q: Query, rows: list[SearchHit], query_vector, unit_vectors, periods: dict[str, str],
                        results_only: bool, results_too: bool = False) -> Composition:
        """Per document what is new about the sector: activities and a result, only results (``results_only``),
        or mostly results when the question asks for both (``results_too``)."""
        sector = q.sectors[0]
        name = self.sectors.name(sector) or sector
        by_doc: "OrderedDict[str, list[SearchHit]]" = OrderedDict()
        for h in rows:
            by_doc.setdefault(h.document_id, []).append(h)
        citer = Citer()
        parts = [f"Resultaten van de sector {name}, per document:" if results_only
                 else f"Wat de sector {name} deed, per document:"]
        used: list[Unit] = []
        earlier: list[Unit] = []
        for doc_id, hits in by_doc.items():
            units = [u for i, h in enumerate(hits) for u in units_of(h, i, self.scorer.analyzer, unit_vectors.get(h.chunk_id, []))
                     if len(u.text) >= 25]
            units = self.scorer.score(units, q, query_vector)
            new = [u for u in units if not any(is_repeat(u, e) for e in earlier)]
            folded = len(units) - len(new)
            earlier.extend(units)
            wanted = ([("gevolgen", 3)] if results_only else [("activiteiten", 1), ("gevolgen", 2)] if results_too
                      else [("activiteiten", 2), ("gevolgen", 1)])
            picked: list[Unit] = []
            for role, limit in wanted:
                pool = [u for u in new if (u.role == "gevolgen") == (role == "gevolgen")]
                if role == "gevolgen":  # a result with a figure (a count, a share) says more than one without
                    pool.sort(key=lambda u: (not _FIGURE.search(u.text), -u.score))
                # a point the document states twice (under two sectors' headings) is shown once
                picked.extend(_distinct(pool, picked)[:limit])
            if not picked and not folded:
                continue
            meta = hits[0].metadata
            period = periods.get(doc_id)
            header = f"**{capitalised(meta.get('cite_as') or meta.get('title', doc_id))}**" + \
                (f" (periode {period})" if period else "")
            lines = [header]
            for u in sorted(picked, key=lambda u: u.start):
                lines.append(f"- {as_sentence(u.text)} [{citer.cite(u)}]")
                used.append(u)
            if folded:
                lines.append(f"- {folded} punt{'en' if folded != 1 else ''} uit een eerder document "
                             f"herhaald en hier weggelaten.")
            parts.append("\n".join(lines))
        if not used:
            return Composition("", [], [], "sectoroverzicht")
        return Composition("\n\n".join(parts), citer.citations, used, "sectoroverzicht")

    # -- knelpunten ----------------------------------------------------------------------
    def knelpunten(self, rows, names: dict[str, str], limit: int = 5) -> Composition:
        """Each knelpunt of the table built at ingest (ingest/knelpunten.py): the sentence that states it and
        its proposed solution, each quoted; a knelpunt named in two documents appears once."""
        citations: list[Citation] = []
        lines = ["De documenten noemen deze knelpunten:"]
        for row in rows[:limit]:
            problem = next((q for q in row.quotes if q["role"] == "knelpunt"), None)
            solution = next((q for q in row.quotes if q["role"] == "oplossing"), None)
            if problem is None:
                continue
            parts = [f"- **{row.title}** ({names.get(row.document_id) or row.document_title}): "
                     f"{as_sentence(first_sentence(problem['text']))} [{_cite(citations, row, problem)}]"]
            if solution is not None:
                parts.append(f"Voorgestelde oplossing: {as_sentence(first_sentence(solution['text']))} "
                             f"[{_cite(citations, row, solution)}]")
            lines.append(" ".join(parts))
        if len(lines) == 1:
            return Composition("", [], [], "knelpunten")
        return Composition("\n".join(lines), citations, [], "knelpunten")


def _agrees(q: Query, unit: Unit) -> bool:
    """The unit is not about another sector than the one the question names: it names that sector, or its passage
    belongs to no other sector."""
    f = unit.features
    return not q.sectors or bool(f.get("mention_match")) or not f.get("sector_conflict")


def _names(unit: Unit) -> bool:
    """The unit is positively about the sector asked: it names it, or its passage belongs to it."""
    return bool(unit.features.get("mention_match") or unit.features.get("sector_match"))


def first_sentence(text: str) -> str:
    from ingest.sentences import sentence_spans

    spans = sentence_spans(text)
    return text[spans[0][0]:spans[0][1]] if spans else text


def _cite(citations: list[Citation], row, quote: dict) -> int:
    """A citation of the knelpunt's passage: only its first sentence is quoted, with exact offsets."""
    text = first_sentence(quote["text"])
    offset = quote["text"].find(text)
    n = len(citations) + 1
    citations.append(Citation(n=n, document_id=row.document_id, title=row.document_title, source_file="",
                              section=row.section, sector=row.sector, date=row.date, quote=text,
                              start=quote["start"] + offset, end=quote["start"] + offset + len(text),
                              alternates=list(row.also_in)))
    return n


def _distinct(units: list[Unit], shown: list[Unit]) -> list[Unit]:
    """The units in order, without one that repeats a unit already ``shown`` or an earlier one of ``units``."""
    out: list[Unit] = []
    for u in units:
        if not any(is_repeat(u, o) for o in (*shown, *out)):
            out.append(u)
    return out
