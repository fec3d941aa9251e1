"""ExtractiveAnswerer: a concise Dutch answer built only from quoted document passages, no LLM.

Three shapes: a sector overview per document and period (activities and results), a list of
knelpunten with their proposed solutions, and a direct answer that leads with the passage that
best answers the question (the one holding the figure, for "hoeveel/wanneer/welk percentage").
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from index.retriever import QueryAnalysis, SearchHit
from ingest.sectors import SectorVocabulary

from .evidence import EvidenceScorer, Unit, extend_with_context, select, units_of
from .models import Citation, SourceRef

_BROAD_KNELPUNT = re.compile(
    r"^\s*(welke|wat zijn|wat waren|noem|geef|which|what are|what were|list)\b.{0,40}\b(knelpunten|problemen|"
    r"belemmeringen|bottlenecks|problems|obstacles)\b", re.I)
_SECTOR_OVERVIEW = re.compile(
    r"gedaan|ondernomen|activiteiten|doet|doen\b|deed|deden|bezig|what (has|have|did)|done|activities|overzicht|overview|"
    r"aan de slag", re.I)
_SHORT = 230
_ACTIVITY_WORDS = re.compile(r"gedaan|ondernomen|activiteit|activities|\bdone\b|\bdoen\b|\bdoet\b|\bdeed|aan de slag",
                             re.I)
PROBLEM_CUES = re.compile(
    r"^Probleem\s+\d|complexe opgave|ontbreken van betrouwbare|nagenoeg onmogelijk|tegenstrijdig|conflicterend|"
    r"verschil in telling|bureaucratie|pervers|telt niet mee|tellen niet meer mee|krimp|hoger gelegd|lat .{0,30}hoger|"
    r"onzekerheid|struikelblok|moeilijk om|na twee jaar niet meer", re.I)
_META_KNELPUNT = re.compile(r"knelpunten (gesignaleerd|onderkend|aangegeven)|oog heeft voor de knelpunten|"
                            r"knelpunten snel worden opgelost|herkent het VSO", re.I)


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    units: list[Unit]
    intent: str


def short(text: str, limit: int = _SHORT) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def as_sentence(text: str) -> str:
    t = text.strip().rstrip(";,")
    return t if t.endswith((".", "!", "?", ":", "…", ")")) else t + "."


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


class ExtractiveAnswerer:
    def __init__(self, vocabulary: SectorVocabulary, scorer: EvidenceScorer, max_sentences: int = 5,
                 doc_text=None):
        self.doc_text = doc_text or (lambda _document_id: None)
        self.vocab = vocabulary
        self.scorer = scorer
        self.max_sentences = max_sentences

    # -- evidence -------------------------------------------------------------------------
    def evidence(self, qa: QueryAnalysis, hits: list[SearchHit]) -> list[Unit]:
        units: list[Unit] = []
        for rank, hit in enumerate(hits):
            units.extend(units_of(hit, rank, self.scorer.analyzer))
        return self.scorer.score(units, qa)

    # -- shapes ---------------------------------------------------------------------------
    def wants_sector_overview(self, qa: QueryAnalysis) -> bool:
        """"What has sector X done / achieved?" in any phrasing (results questions get the results part)."""
        return bool(qa.sectors) and not qa.knelpunt and not qa.count_noun \
            and (bool(_SECTOR_OVERVIEW.search(qa.text)) or qa.results or qa.compare)

    def wants_knelpunten_overview(self, qa: QueryAnalysis) -> bool:
        return qa.knelpunt and not qa.sectors and bool(_BROAD_KNELPUNT.search(qa.text))

    def direct(self, qa: QueryAnalysis, units: list[Unit], periods: dict[str, str]) -> Composition:
        limit = 3 if qa.count_noun else self.max_sentences
        chosen = select(units, limit)
        if not chosen:
            return Composition("", [], [], "vraag")
        chosen = [extend_with_context(u, units, self.doc_text(u.document_id)) for u in chosen]
        # an extension may now contain another chosen unit: keep the containing one
        chosen = [u for u in chosen if not any(o is not u and o.document_id == u.document_id and o.start <= u.start
                                               and u.end <= o.end and (o.start, o.end) != (u.start, u.end) for o in chosen)]
        # the best passage leads; the others follow in document and reading order
        lead = chosen[0]
        rest = sorted(chosen[1:], key=lambda u: (u.document_id != lead.document_id, u.hit.metadata.get("date") or "",
                                                 u.document_id, u.start))
        chosen = [lead] + rest
        citer = Citer()
        groups: "OrderedDict[str, list[Unit]]" = OrderedDict()
        for u in chosen:
            groups.setdefault(u.document_id, []).append(u)
        paragraphs = []
        for i, (_doc, us) in enumerate(groups.items()):
            frame = us[0].hit.metadata.get("cite_as") or us[0].hit.metadata.get("title", "het document")
            opener = f"Volgens {frame}" if i == 0 else f"Daarnaast meldt {frame}"
            body = " ".join(f"{as_sentence(u.text)} [{citer.cite(u)}]" for u in us)
            paragraphs.append(f"{opener}: {body}")
        return Composition("\n\n".join(paragraphs), citer.citations, chosen, "vraag")

    def sector_overview(self, qa: QueryAnalysis, rows: list[SearchHit], mentions: list[SearchHit],
                        periods: dict[str, str]) -> Composition:
        sector = qa.sectors[0]
        name = self.vocab.name(sector) or sector
        citer = Citer()
        by_doc: "OrderedDict[str, list[SearchHit]]" = OrderedDict()
        for h in rows:
            by_doc.setdefault(h.document_id, []).append(h)
        results_only = qa.results and not qa.compare and not _ACTIVITY_WORDS.search(qa.text)
        parts = [f"{'Resultaten' if results_only else 'Overzicht'} voor de sector {name}, per document:"]
        used: list[Unit] = []
        for doc_id, hits in by_doc.items():
            meta = hits[0].metadata
            frame = meta.get("cite_as") or meta.get("title", doc_id)
            period = periods.get(doc_id)
            header = f"**{frame[:1].upper()}{frame[1:]}**" + (f" (periode {period})" if period else "")
            org = meta.get("organisation")
            lines = [header + (f" — {org}" if org else "")]
            parts_wanted = (("gevolgen", "Gevolgen", 6),) if results_only else \
                (("activiteiten", "Activiteiten", 4), ("gevolgen", "Gevolgen", 4))
            for role, label, limit in parts_wanted:
                units = [u for h in hits if (h.metadata.get("role") == role or (role == "activiteiten" and
                         h.metadata.get("role") not in ("gevolgen",)))
                         for u in units_of(h, 0, self.scorer.analyzer)]
                units = [u for u in units if len(u.text) >= 25]
                if role == "gevolgen":
                    # results with figures first, shown in reading order
                    keep = {id(u) for u in sorted(units, key=lambda u: not re.search(r"\d", u.text))[:limit]}
                    units = [u for u in units if id(u) in keep]
                units = units[:limit]
                if units:
                    lines.append(f"{label}:")
                    for u in units:
                        lines.append(f"- {short(u.text)} [{citer.cite(u)}]")
                        used.append(u)
            parts.append("\n".join(lines))
        extra = []
        aliases = [a.lower() for a in (*self.vocab.by_id[sector].aliases, self.vocab.by_id[sector].name)]
        for h in mentions:
            if h.document_id in by_doc:
                continue
            for u in units_of(h, 0, self.scorer.analyzer):
                if any(re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", u.text.lower()) for a in aliases):
                    frame = h.metadata.get("cite_as") or h.metadata.get("title", "")
                    extra.append(f"- {frame[:1].upper()}{frame[1:]}: {short(u.text)} [{citer.cite(u)}]")
                    used.append(u)
                    break
            if len(extra) >= 2:
                break
        if extra:
            parts.append("Elders genoemd:\n" + "\n".join(extra))
        return Composition("\n\n".join(parts), citer.citations, used, "sectoroverzicht")

    def knelpunten(self, qa: QueryAnalysis, hits: list[SearchHit]) -> Composition:
        """Each knelpunt the documents name (one problem statement per section), with its proposed solution."""
        units = self.scorer.score([u for i, h in enumerate(hits) for u in units_of(h, i, self.scorer.analyzer)], qa)
        groups: "OrderedDict[tuple[str, str], list[Unit]]" = OrderedDict()
        for u in sorted(units, key=lambda u: (u.document_id, u.start)):
            groups.setdefault((u.document_id, u.hit.metadata.get("section", "")), []).append(u)
        items: list[tuple[tuple, Unit, Unit | None]] = []
        for (_doc, section), us in groups.items():
            problems = [u for u in us if u.role in ("knelpunt", "tekst", "gevolgen", "activiteiten")
                        and PROBLEM_CUES.search(u.text) and not _META_KNELPUNT.search(u.text)]
            if not problems:
                continue
            problem = problems[0]
            follow = [u for u in us if u.start > problem.start and u.role != "oplossing"][:1]
            if follow and PROBLEM_CUES.search(follow[0].text) and follow[0].start - problem.end <= 2:
                problem = _joined(problem, follow[0])
            solutions = [u for u in us if u.role == "oplossing" or re.match(r"^Een\s+(mogelijke\s+)?oplossing", u.text)]
            numbered = "Probleem" in section
            core = None
            if numbered:
                # the sentence that states the problem itself ("... tellen niet meer mee"), after the introduction
                core = next((u for u in us if u.start >= problem.end and u.role == "knelpunt"
                             and PROBLEM_CUES.search(u.text) and not u.text.startswith("Probleem")), None)
            items.append(((0 if numbered else 1, problem.hit.metadata.get("date") or "", problem.start), problem,
                          solutions[0] if solutions else None, core))
        items.sort(key=lambda it: (it[0][0], it[0][1] and -int(it[0][1][:4]) or 0, it[0][2]))
        citer = Citer()
        lines = ["De documenten noemen deze knelpunten:"]
        used: list[Unit] = []
        for _key, problem, solution, core in items[:7]:
            section = problem.hit.metadata.get("section", "")
            frame = problem.hit.metadata.get("cite_as") or problem.hit.metadata.get("title", "")
            label = section.split("›")[-1].strip()
            head = f"**{label}** ({frame})" if label.startswith("Probleem") else f"Volgens {frame}"
            line = f"- {head}: {short(problem.text, 320)} [{citer.cite(problem)}]"
            used.append(problem)
            if core is not None:
                line += f" {short(core.text, 260)} [{citer.cite(core)}]"
                used.append(core)
            if solution is not None:
                line += f" Voorgestelde oplossing: {short(solution.text, 260)} [{citer.cite(solution)}]"
                used.append(solution)
            lines.append(line)
        if len(lines) == 1:
            return Composition("", [], [], "knelpunten")
        return Composition("\n".join(lines), citer.citations, used, "knelpunten")


def _joined(a: Unit, b: Unit) -> Unit:
    """Two adjacent sentences of one chunk quoted as one passage."""
    local = a.start - int(a.hit.metadata.get("start", 0))
    text = a.hit.text[local:local + (b.end - a.start)]
    return Unit(text=text, start=a.start, end=b.end, hit=a.hit, rank=a.rank, tokens=a.tokens | b.tokens,
                bullet=a.bullet, score=max(a.score, b.score), coverage=max(a.coverage, b.coverage),
                reasons=a.reasons, also=a.also, paragraph=a.paragraph)
