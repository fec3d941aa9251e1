"""Evidence units (the sentences and bullets of retrieved chunks) and how well each answers the question.

A unit's text is always an exact slice of its document's cleaned text, so it can be quoted. Each unit
gets a feature vector (dense similarity to the question from the unit vectors embedded at ingest,
idf-weighted coverage of the question's words, agreement of sector and year, what kind of sentence it
is against what the question asks) and one score from weights fitted on the dev set (data/weights.json).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.analysis import DutchAnalyzer
from index.retriever import SearchHit
from ingest.chunker import normalise_for_search
from ingest.sectors import SectorVocabulary
from ingest.units import unit_spans

from .query import FACETS, IntentCues, Query, named_in
from .weights import LinearModel

# a figure: a number that is neither a year ("in 2017") nor a day of a month ("per 30 juni"), which a count,
# amount or percentage question does not ask for
_FIGURE = re.compile(r"(?<![\w.,])(?!(?:19|20)\d\d(?![\d.,]*\d))\d+(?:[.,]\d+)*(?!\d|-[a-z])(?!\s*(?:januari|februari|maart|april|mei|"
                     r"juni|juli|augustus|september|oktober|november|december)\b)", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DATE = re.compile(r"\b(19|20)\d\d\b|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                   r"november|december", re.I)
_CONCRETE = re.compile(r"\b[A-Z][\w&-]*[a-z][\w&-]*|\b[A-Z]{2,}\b|\d+(?:[.,]\d+)*")
GENERIC_SHARE = 0.2  # a word in more than this share of chunks says nothing specific ("banenafspraak")
_MONEY = re.compile(r"€\s*\d|\d[\d.,]*\s*(euro|miljoen|mln|miljard)", re.I)

# What a unit says against what the question asks, and how its passage was retrieved. The passage features are
# relative (the chunk's fused score over the best chunk's, its BM25 score over the best) rather than ranks, and the
# unit's neighbours and section heading count as context: fitted on the dev questions written in the documents'
# words and tested on those written blind, they add about 0.08 to the share of questions whose facts are in the
# top three units, where rank alone overfits.
UNIT_FEATURES = ("dense", "dense_gap", "coverage", "coverage_rel", "chunk_score", "chunk_dense", "chunk_lexical",
                 "neighbour", "previous", "next", "section", "expansion", "number_q", "count_match",
                 "date_q", "percent_q", "money_q", "sector_match", "sector_conflict", "mention_match", "year_match",
                 "year_conflict", "entity_match", "role_results", "role_knelpunt", "solution", "cause", "list_intro",
                 "define", "bullet", "short", "length", "concrete", "opening")
# the first characters of a document long enough to have a letterhead apart from its content: its date, sender,
# addressee and what the document is. They share the words a question uses to name the document, but answer only a
# question that asks who or when, so for such a question the feature is off; a short document (an upload of a page
# or two) has no such opening.
OPENING_CHARS = 600
LONG_DOCUMENT_CHARS = 5 * OPENING_CHARS


@dataclass
class Unit:
    text: str
    start: int  # offsets into the document's cleaned text
    end: int
    hit: SearchHit
    rank: int
    tokens: set[str]
    bullet: bool = False
    paragraph: int = 0
    vector: np.ndarray | None = None
    features: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0
    score: float = 0.0  # fitted probability that this unit answers the question
    also: list["Unit"] = field(default_factory=list)  # the same passage in another document

    @property
    def document_id(self) -> str:
        return self.hit.metadata.get("document_id", "")

    @property
    def role(self) -> str:
        return self.hit.metadata.get("role", "")

    @property
    def sector(self) -> str | None:
        return self.hit.metadata.get("sector") or None


@lru_cache(maxsize=8192)
def _segment(text: str, section: str, base: int, analyzer: DutchAnalyzer) -> tuple[tuple, ...]:
    """(start, end, text, tokens, bullet, paragraph) per unit of a chunk; the same chunk is segmented once."""
    return tuple((base + sp.start, base + sp.end, text[sp.start:sp.end],
                  frozenset(analyzer.tokens(normalise_for_search(text[sp.start:sp.end]))), sp.bullet, base + sp.paragraph)
                 for sp in unit_spans(text, section))


def units_of(hit: SearchHit, rank: int, analyzer: DutchAnalyzer,
             vectors: list[tuple[int, int, list[float]]] = ()) -> list[Unit]:
    base = int(hit.metadata.get("start", 0))
    by_span = {(s, e): v for s, e, v in vectors}
    out = []
    for start, end, text, tokens, bullet, paragraph in _segment(hit.text, hit.metadata.get("section") or "", base, analyzer):
        vec = by_span.get((start, end))
        out.append(Unit(text=text, start=start, end=end, hit=hit, rank=rank, tokens=set(tokens), bullet=bullet,
                        paragraph=paragraph, vector=np.asarray(vec, dtype=np.float32) if vec is not None else None))
    return out


def count_in(text: str, noun: str, vocabulary: set[str] | frozenset[str] = frozenset()) -> bool:
    """Does the passage give a number of ``noun`` (in digits or words)? A compound also counts by its head
    ("garantiebanen" → "banen")."""
    nouns = [noun] + [noun[i:] for i in range(3, len(noun) - 3) if noun[i:] in vocabulary]
    for n in nouns:
        stem = n[:max(4, len(n) - 2)]
        if re.search(rf"(?:\d[\d.,]*|{_NUMBER_WORD.pattern})\s*(?:%|fte|\(fte\))?\s*(?:\w+\s+)?\w*{re.escape(stem)}",
                     text, re.I):
            return True
    return False


# numbers in words count as figures too ("drie bijeenkomsten"); left out are words that are mostly something else
# in Dutch: "een"/"one" (an article), "acht" (the verb "achten") and "ten" ("ten opzichte van")
_NUMBER_WORD = re.compile(r"\b(?:twee|drie|vier|vijf|zes|zeven|negen|tien|elf|twaalf|dertien|veertien|vijftien|"
                          r"twintig|dertig|veertig|vijftig|honderd|duizend|tientallen|honderden|duizenden|two|three|"
                          r"four|five|six|seven|eight|nine|eleven|twelve|twenty|hundred|thousand)\b", re.I)


def has_figure(text: str) -> bool:
    return bool(_FIGURE.search(text) or _NUMBER_WORD.search(text))


def has_money(text: str) -> bool:
    return bool(_MONEY.search(text))


class EvidenceScorer:
    """Features of (question, unit) and the fitted linear model over them."""

    def __init__(self, analyzer: DutchAnalyzer, df: dict[str, int], n_docs: int, sectors: SectorVocabulary,
                 cues: IntentCues, model: LinearModel, document_chars: dict[str, int] | None = None):
        self.analyzer = analyzer
        self.df = df
        self.n = max(n_docs, 1)
        self.idf_max = math.log(1 + (self.n + 0.5) / 0.5)
        self.sectors = sectors
        self.cues = cues
        self.model = model
        self.document_chars = document_chars or {}  # each document's length, for the "opening" feature

    def idf(self, token: str) -> float:
        d = self.df.get(token, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5)) if d else self.idf_max

    def coverage(self, tokens: set[str], wanted: list[str]) -> float:
        """idf-weighted share of ``wanted`` in ``tokens``; a word the corpus lacks still counts in the total."""
        total = sum(self.idf(t) for t in wanted)
        return sum(self.idf(t) for t in wanted if t in tokens) / total if total else 0.0

    def expansion_tokens(self, q: Query) -> list[str]:
        own = set(q.content)
        return [t for t in dict.fromkeys(self.analyzer.tokens(" ".join(q.expansions))) if t not in own]

    def score(self, units: list[Unit], q: Query, query_vector: np.ndarray | None) -> list[Unit]:
        """Units with features and fitted scores, best first."""
        if not units:
            return units
        extra = self.expansion_tokens(q)
        dense = [float(u.vector @ query_vector) if u.vector is not None and query_vector is not None
                 else float(u.hit.dense_similarity or 0.0) for u in units]
        years = set(q.years)
        asks_sender_or_date = q.has("who") or q.has("when")
        for u in units:
            u.coverage = self.coverage(u.tokens, q.content)
        context = _Context(units, dense, self)
        aliases = {sid: [a.lower() for a in (*self.sectors.by_id[sid].aliases, self.sectors.by_id[sid].name)]
                   for sid in q.sectors}
        for u, d in zip(units, dense):
            text_low = u.text.lower()
            u_years = set(re.findall(r"\b(?:19|20)\d\d\b", u.text))
            section = f"{u.hit.metadata.get('section', '')} {u.text}".lower()
            f = {
                "dense": d,
                "coverage": u.coverage,
                **context.of(u, d, q),
                "expansion": min(1.0, self.coverage(u.tokens, extra)) if extra else 0.0,
                "number_q": float(bool(q.intents & {"count", "amount", "percent"}) and has_figure(u.text)),
                "count_match": float(bool(q.count_noun) and count_in(u.text, q.count_noun, self.analyzer.vocabulary)),
                "date_q": float(q.has("when") and bool(_DATE.search(u.text))),
                "percent_q": float(q.has("percent") and "%" in u.text),
                "money_q": float(q.has("amount") and has_money(u.text)),
                "sector_match": float(bool(q.sectors) and u.sector in q.sectors),
                "sector_conflict": float(bool(q.sectors) and u.sector is not None and u.sector not in q.sectors),
                "mention_match": float(any(re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", text_low)
                                           for al in aliases.values() for a in al)),
                "year_match": float(bool(years & u_years)),
                "year_conflict": float(bool(years) and bool(u_years) and not (years & u_years)),
                "entity_match": (sum(1 for e in q.entities if named_in(e, section)) / len(q.entities))
                if q.entities else 0.0,
                "role_results": float(q.has("results") and u.role == "gevolgen"),
                "role_knelpunt": float(q.has("knelpunt") and u.role in ("knelpunt", "oplossing")),
                "solution": float(q.has("solution") and (u.role == "oplossing" or self.cues.found("solution_markers", u.text))),
                "cause": float(q.has("why") and self.cues.found("cause_markers", u.text)),
                "list_intro": float(u.text.rstrip().endswith(":")),
                "define": float(q.has("define") and bool(q.content) and bool(u.tokens)
                                and next(iter(self.analyzer.tokens(u.text[:60])), "") in q.content[:2]),
                "bullet": float(u.bullet),
                "short": float(len(u.text) < 40),
                "length": min(len(u.text), 400) / 400,
                # names and figures: a sentence that says what was done ("zes jobcarvers opgeleid") rather than
                # that something was done
                "concrete": min(1.0, len(_CONCRETE.findall(u.text[1:])) / 3),
                "opening": float(u.start < OPENING_CHARS and not asks_sender_or_date
                                 and self.document_chars.get(u.document_id, 0) >= LONG_DOCUMENT_CHARS),
            }
            u.features = f
            u.score = self.model.probability(f)
        return sorted(units, key=lambda u: (-u.score, u.document_id, u.start))


class _Context:
    """What a unit's score may depend on beyond its own text: the other candidates, its neighbours, its heading."""

    def __init__(self, units: list[Unit], dense: list[float], scorer: EvidenceScorer):
        self.scorer = scorer
        self.best_dense = max(dense)
        self.best_coverage = max(u.coverage for u in units) or 1.0
        self.best_chunk = max(u.hit.score for u in units) or 1.0
        self.best_lexical = max((u.hit.lexical_score or 0.0) for u in units) or 1.0
        self.neighbours: dict[int, tuple[float, float]] = {}
        by_chunk: dict[str, list[Unit]] = {}
        for u in units:
            by_chunk.setdefault(u.hit.chunk_id, []).append(u)
        for row in by_chunk.values():
            row.sort(key=lambda u: u.start)
            for i, u in enumerate(row):
                self.neighbours[id(u)] = (row[i - 1].coverage if i else 0.0, row[i + 1].coverage if i + 1 < len(row) else 0.0)
        self.sections: dict[str, float] = {}

    def of(self, u: Unit, dense: float, q: Query) -> dict[str, float]:
        previous, following = self.neighbours.get(id(u), (0.0, 0.0))
        heading = u.hit.metadata.get("section") or ""
        if heading not in self.sections:
            words = set(self.scorer.analyzer.tokens(normalise_for_search(heading)))
            self.sections[heading] = self.scorer.coverage(words, q.content)
        return {
            "dense_gap": dense - self.best_dense,
            "coverage_rel": u.coverage / self.best_coverage,
            "chunk_score": u.hit.score / self.best_chunk,
            "chunk_dense": float(u.hit.dense_similarity or 0.0),
            "chunk_lexical": (u.hit.lexical_score or 0.0) / self.best_lexical,
            "neighbour": max(previous, following),
            "previous": previous,
            "next": following,
            "section": self.sections[heading],
        }


def _words(text: str) -> int:
    return len(text.split())


def similarity(a: Unit, b: Unit) -> float:
    if a.vector is not None and b.vector is not None:
        return float(a.vector @ b.vector)
    inter = len(a.tokens & b.tokens)
    return inter / len(a.tokens | b.tokens) if a.tokens and b.tokens else 0.0


def is_repeat(a: Unit, b: Unit) -> bool:
    """The same point in other words or another document (a 2017 update repeating the 2016 annex)."""
    if a.text == b.text:
        return True
    if set(_NUMBER.findall(a.text)) != set(_NUMBER.findall(b.text)):
        return False  # the same sentence with other figures is news ("41 … 49,78 fte" then "88 … 109,53 fte")
    inter = len(a.tokens & b.tokens)
    jac = inter / len(a.tokens | b.tokens) if a.tokens and b.tokens else 0.0
    return jac > 0.6 or (a.vector is not None and b.vector is not None and float(a.vector @ b.vector) > 0.95)


def select(units: list[Unit], q: Query, scorer: EvidenceScorer, limit: int = 4, floor: float = 0.5,
           diversity: float = 0.3, budget: int = 10_000) -> list[Unit]:
    """Maximal marginal relevance until the question's words are covered: 1..``limit`` units.

    Stops when the next unit scores under ``floor`` × the best, or when everything of the question that the
    candidates can cover is covered and the next unit adds little. After the first unit, one that would take
    the answer over ``budget`` words is skipped: a shorter one may still fit."""
    if not units:
        return []
    best = units[0].score
    pool = [u for u in units if u.score >= floor * best]
    coverable = set(q.content) & set().union(*(u.tokens for u in pool))
    chosen: list[Unit] = []
    while pool and len(chosen) < limit:
        def mmr(u: Unit) -> float:
            return (1 - diversity) * u.score - diversity * max((similarity(u, c) for c in chosen), default=0.0)

        nxt = max(pool, key=lambda u: (mmr(u), -u.start))
        pool.remove(nxt)
        twin = next((c for c in chosen if is_repeat(nxt, c)), None)
        if twin is not None:
            if twin.document_id != nxt.document_id:
                twin.also.append(nxt)
            continue
        if chosen:
            covered = set(q.content) & set().union(*(c.tokens for c in chosen))
            adds = (set(q.content) & nxt.tokens) - covered
            if covered >= coverable and nxt.score < 0.85 * best:
                break
            if not adds and nxt.score < 0.7 * best:
                continue
            if not _fits(chosen, nxt, budget):
                continue
        chosen.append(nxt)
    chosen = _cover_parts(chosen, units, q, scorer, budget)
    chosen = _cover_facet(chosen, units, q, scorer, budget)
    return _with_continuation(chosen, units, scorer, budget)


def _fits(chosen: list[Unit], unit: Unit, budget: int) -> bool:
    return sum(_words(c.text) for c in chosen) + _words(unit.text) <= budget


def _cover_parts(chosen: list[Unit], units: list[Unit], q: Query, scorer: EvidenceScorer, budget: int) -> list[Unit]:
    """A two-part question gets a sentence for each part: when the chosen units leave a part's words mostly
    uncovered, the unit that best covers that part (coverage times fitted score) is added, within the budget."""
    for part in q.parts:
        if scorer.coverage(set().union(*(c.tokens for c in chosen)), part) >= 0.5:
            continue
        candidates = [u for u in units if not any(u is c or is_repeat(u, c) for c in chosen) and _fits(chosen, u, budget)]
        best = max(candidates, key=lambda u: scorer.coverage(u.tokens, part) * u.score, default=None)
        if best is not None and scorer.coverage(best.tokens, part) >= 0.3:
            chosen.append(best)
    return chosen


def _cover_facet(chosen: list[Unit], units: list[Unit], q: Query, scorer: EvidenceScorer, budget: int,
                 reach: int = 1500, floor: float = 0.5) -> list[Unit]:
    """A second part without a subject of its own ("… en wat wordt voorgesteld?") gets a sentence that says that
    about the same subject: one with the facet's markers (a solution, a cause) scoring at least ``floor`` × the
    best, found near a quoted sentence in its document (within ``reach`` characters), else one that covers the
    question's subject. It takes the place of the weakest other sentences when the answer would run over its
    budget; the best sentence always stays."""
    markers = FACETS.get(q.facet or "")
    if markers is None or not chosen or any(scorer.cues.found(markers, c.text) for c in chosen):
        return chosen
    subject = scorer.analyzer.tokens(scorer.cues.strip_all((*FACETS, markers), q.search_text))

    def near(u: Unit) -> bool:
        return any(u.document_id == c.document_id and abs(u.start - c.start) <= reach for c in chosen)

    candidates = [u for u in units if scorer.cues.found(markers, u.text) and u.score >= floor * chosen[0].score
                  and not any(u is c or is_repeat(u, c) for c in chosen)
                  and (near(u) or scorer.coverage(u.tokens, subject) >= 0.3)]
    best = max(candidates, key=lambda u: (near(u), u.score), default=None)
    if best is None:
        return chosen
    kept = list(chosen)
    while len(kept) > 1 and not _fits(kept, best, budget):
        kept.remove(min(kept[1:], key=lambda u: u.score))
    return kept + [best] if _fits(kept, best, budget) else chosen


def _with_continuation(chosen: list[Unit], units: list[Unit], scorer: EvidenceScorer, budget: int) -> list[Unit]:
    """The sentence right after the best one, in the same paragraph, when it finishes what the best one starts: it
    opens by referring back ("Zij dienen zich wel zelf te melden …", "De invulling van deze functies …"), it goes
    on about a word of the best one that few passages use (``_elaborates``), or the best one only announces it (a
    few words, or "… die hieronder worden uitgewerkt"). The words are general language (data/intents.json)."""
    lead = chosen[0]
    row = [u for u in units if u.hit.chunk_id == lead.hit.chunk_id and u.paragraph == lead.paragraph]
    following = min((u for u in row if u.start >= lead.end), key=lambda u: u.start, default=None)
    if following is not None and not any(following is c for c in chosen) and _fits(chosen, following, budget) \
            and (_refers_back(following, scorer) or _words(lead.text) <= 8 or scorer.cues.found("forward", lead.text)
                 or _elaborates(following, lead, scorer)):
        chosen.insert(1, following)
    # and the sentence before it, when the best one refers back to it ("Het Borisproject dat hiervoor …")
    previous = max((u for u in row if u.end <= lead.start), key=lambda u: u.start, default=None)
    if previous is not None and not any(previous is c for c in chosen) and _fits(chosen, previous, budget) \
            and _refers_back(lead, scorer):
        chosen.insert(0, previous)
    return chosen


def _elaborates(unit: Unit, lead: Unit, scorer: EvidenceScorer, rare: float = 0.15) -> bool:
    """The sentence goes on about the same thing: it repeats a word of the lead that few passages use ("Bazen
    Verbazen is een project …" then "De insteek van de bijeenkomst is …"; "bijeenkomst" is in 15% of them)."""
    shared = unit.tokens & lead.tokens
    return any(t in scorer.df and scorer.df[t] <= rare * scorer.n for t in shared)


def _refers_back(unit: Unit, scorer: EvidenceScorer) -> bool:
    """The sentence opens by pointing at the one before it: a reference word first, or a demonstrative early on."""
    words = [w.lower() for w in re.findall(r"\w+", unit.text)[:4]]
    return bool(words) and (words[0] in scorer.cues.words("anaphora")
                            or bool(set(words) & scorer.cues.words("demonstratives")))
