"""Evidence units: the sentences and bullets of retrieved chunks, scored against the question.

A unit's text is always an exact slice of its document's cleaned text, so it can be quoted.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from index.analysis import DutchAnalyzer
from ingest.chunker import normalise_for_search
from index.retriever import QueryAnalysis, SearchHit
from ingest.sentences import sentence_spans

_BULLET = re.compile(r"^[•◦]\s*")
_NUMBER = re.compile(r"\d")
_MONEY = re.compile(r"€\s*\d|\d[\d.,]*\s*(euro|miljoen|mln)", re.I)
_DATE_WORDS = re.compile(r"\b(19|20)\d\d\b|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                         r"november|december", re.I)
_SOLUTION_START = re.compile(r"^(Een\s+(mogelijke\s+)?oplossing|Een\s+andere\s+optie)", re.I)
_WHEN_Q = re.compile(r"\b(wanneer|sinds wanneer|per wanneer|welk jaar|when|since when|welke datum|welke periode)\b", re.I)
_PERCENT_Q = re.compile(r"percentage|procent|%|percent", re.I)
_AMOUNT_Q = re.compile(r"hoogte van|welk bedrag|hoeveel geld|hoeveel kost|how much money|bedrag|budget|verdient|"
                       r"salaris|\bloon\b|earn|salary", re.I)
_SOLUTION_Q = re.compile(r"oplossing|opgelost|solution|remedy|voorstel", re.I)
_AUTHOR_Q = re.compile(r"wie schre|afzender|auteur|van wie|who wrote|author|aan wie|gericht aan", re.I)
_WHY_Q = re.compile(r"\b(waarom|why|reden|aanleiding)\b", re.I)
_WHY_CUES = re.compile(r"aanleiding|omdat|doordat|vanwege|reden|daardoor|waardoor", re.I)
_DEFINE_CUES = re.compile(r"staat bekend als|houdt in dat|wordt verstaan|is een (landelijke )?afspraak|zijn mensen die", re.I)
_DEFINE_Q = re.compile(r"^\s*(?:wie|wat)\s+(?:is|zijn|was|waren)\s+(?:de|het|een)?\s*(\w{4,})", re.I)
# words that pick a document ("volgens de memo") rather than say what the answer is about
_DOC_WORDS = re.compile(r"\b(volgens|voortgangsmemo|memo|plan van aanpak|bijlage|update|document(en)?|staat|zegt|noemt|"
                        r"beschrijft)\b", re.I)
MAX_UNIT = 420


@dataclass
class Unit:
    text: str
    start: int
    end: int
    hit: SearchHit
    rank: int
    tokens: set[str]
    bullet: bool = False
    score: float = 0.0
    coverage: float = 0.0
    reasons: list[str] = field(default_factory=list)
    also: list["Unit"] = field(default_factory=list)  # the same passage in other documents
    paragraph: int = 0  # offset of the paragraph (line) the unit belongs to

    @property
    def document_id(self) -> str:
        return self.hit.metadata.get("document_id", "")

    @property
    def role(self) -> str:
        return self.hit.metadata.get("role", "")


def _is_heading(line: str, meta: dict) -> bool:
    s = line.strip().rstrip(":").strip()
    if not s:
        return True
    if len(s.split()) >= 6 and not s.startswith("Sector "):
        return False  # a heading that is a whole statement ("IV. Elke sector maakt een Plan van Aanpak ...")
    if s in ("Gevolgen", "Resultaten", "In de planning", "Acties van universiteiten", "Vanuit VSNU"):
        return True
    if re.match(r"^Tabel\s+\d", s) and len(s) < 120:
        return True
    parts = [p.strip() for p in (meta.get("section") or "").split("›")]
    return s in parts


def units_of(hit: SearchHit, rank: int, analyzer: DutchAnalyzer) -> list[Unit]:
    text = hit.text
    base = int(hit.metadata.get("start", 0))
    out: list[Unit] = []
    pos = 0
    for line in text.split("\n"):
        ls, le = pos, pos + len(line)
        pos = le + 1
        if _is_heading(line, hit.metadata):
            continue
        salutation = re.match(r"^(Geachte [^,]{3,60},\s*)", line)
        if salutation:  # "Geachte mevrouw X, De minister heeft ...": the letter's content starts after the greeting
            ls += salutation.end()
        m = _BULLET.match(line)
        if m:
            us = ls + m.end()
            if le - us <= MAX_UNIT:
                spans = [(us, le)]
            else:
                spans = sentence_spans(text, us, le)
            bullet = True
        else:
            spans = sentence_spans(text, ls, le)
            bullet = False
        for s, e in spans:
            piece = text[s:e].strip()
            if len(piece) < 12:
                continue
            if (piece.startswith(("Hoogachtend", "Ministerie van")) or "Postbus" in piece) and len(piece) < 300:
                continue  # letter furniture: address block, closing
            out.append(Unit(text=piece, start=base + s, end=base + s + len(piece), hit=hit, rank=rank,
                            tokens=set(analyzer.tokens(normalise_for_search(piece))), bullet=bullet,
                            paragraph=base + ls))
    return out


class EvidenceScorer:
    """Scores units by idf-weighted overlap with the question plus the intent of the question."""

    def __init__(self, analyzer: DutchAnalyzer, df: dict[str, int], n_docs: int):
        self.analyzer = analyzer
        self.df = df
        self.n = max(n_docs, 1)
        self.idf_max = math.log(1 + (self.n + 0.5) / 0.5)

    def idf(self, token: str) -> float:
        d = self.df.get(token, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5)) if d else self.idf_max

    def question_tokens(self, qa: QueryAnalysis) -> tuple[list[str], list[str]]:
        own = list(dict.fromkeys(self.analyzer.tokens(_DOC_WORDS.sub(" ", qa.text))))
        extra = [t for t in dict.fromkeys(self.analyzer.tokens(" ".join(qa.expansions))) if t not in own]
        return own, extra

    def score(self, units: list[Unit], qa: QueryAnalysis) -> list[Unit]:
        own, extra = self.question_tokens(qa)
        known_own = [t for t in own if t in self.df]
        total = sum(self.idf(t) for t in known_own) or 1.0
        when_q = bool(_WHEN_Q.search(qa.text))
        percent_q = bool(_PERCENT_Q.search(qa.text))
        solution_q = bool(_SOLUTION_Q.search(qa.text))
        author_q = bool(_AUTHOR_Q.search(qa.text))
        why_q = bool(_WHY_Q.search(qa.text))
        which_q = bool(re.match(r"^\s*(welke|which|what are the)\b", qa.text, re.I))
        define = _DEFINE_Q.match(qa.text)
        define_noun = define.group(1).lower() if define else None
        for u in units:
            hit_own = sum(self.idf(t) for t in known_own if t in u.tokens)
            hit_extra = sum(self.idf(t) for t in extra if t in u.tokens)
            u.coverage = min(1.0, (hit_own + 0.5 * hit_extra) / total)
            s = u.coverage + 0.15 / (1 + u.rank)
            if qa.count_noun:
                if _count_in(u.text, qa.count_noun, self.analyzer.vocabulary) or \
                        (is_amount_question(qa.text) and has_money(u.text)):
                    s += 0.35
                    u.reasons.append("aantal")
                elif _NUMBER.search(u.text):
                    s += 0.08
            if when_q and _DATE_WORDS.search(u.text):
                s += 0.2
            if percent_q and "%" in u.text:
                s += 0.3
            if qa.results and u.role == "gevolgen":
                s += 0.1
            if qa.knelpunt and u.role in ("knelpunt", "oplossing"):
                s += 0.1
            if solution_q and (u.role == "oplossing" or _SOLUTION_START.match(u.text)):
                s += 0.3
            if author_q and re.match(r"^(Van|Aan|From|To)\s*:", u.text):
                s += 0.4
            if why_q and _WHY_CUES.search(u.text):
                s += 0.3
            if which_q and u.text.rstrip().endswith(":"):
                s += 0.2  # "Welke onderzoeken ...?": the sentence that introduces the list
            if define_noun and re.match(rf"^[¹²³⁴⁵⁶⁷⁸⁹]*\s*(De|Het)\s+{re.escape(define_noun)}\b", u.text, re.I):
                s += 0.3
            if define_noun and _DEFINE_CUES.search(u.text):
                s += 0.4
            if qa.sectors and u.hit.sector in qa.sectors:
                s += 0.1
            if len(u.text) < 40:
                s -= 0.1
            u.score = s
        return sorted(units, key=lambda u: -u.score)


def _count_in(text: str, noun: str, vocabulary: set[str] | frozenset[str] = frozenset()) -> bool:
    """Does the passage give a number of ``noun``? A compound also counts by its head ("garantiebanen" → "banen")."""
    nouns = [noun] + [noun[i:] for i in range(3, len(noun) - 3) if noun[i:] in vocabulary]
    for n in nouns:
        stem = n[:max(4, len(n) - 2)]
        if re.search(rf"\d[\d.,]*\s*(?:%|fte|\(fte\))?\s*(?:extra\s+|nieuwe\s+)?\w*{re.escape(stem)}", text, re.I):
            return True
    return False


def has_money(text: str) -> bool:
    return bool(_MONEY.search(text))


def is_amount_question(text: str) -> bool:
    return bool(_AMOUNT_Q.search(text))


def select(units: list[Unit], limit: int, floor: float = 0.45) -> list[Unit]:
    """Best units, diversified (no near-repeats), above a share of the best score."""
    chosen: list[Unit] = []
    if not units:
        return chosen
    best = units[0].score
    for u in units:
        if len(chosen) >= limit or u.score < floor * best:
            break
        twin = next((c for c in chosen if _jaccard(u.tokens, c.tokens) > 0.5 or u.text == c.text), None)
        if twin is not None:
            if twin.document_id != u.document_id and _jaccard(u.tokens, twin.tokens) > 0.8:
                twin.also.append(u)
            continue
        chosen.append(u)
    return chosen


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def extend_with_context(unit: Unit, pool: list[Unit], doc_text: str | None = None, max_len: int = 420) -> Unit:
    """A sentence that introduces a list is quoted with the list (read from the document, so across chunk
    boundaries); a short sentence is quoted together with the next sentence of its paragraph."""
    end = None
    headings = {p.strip() for p in (unit.hit.metadata.get("section") or "").split("›")}
    is_heading = unit.text.strip() in headings or unit.text.strip().rstrip(".") in headings
    if (unit.text.rstrip().endswith(":") or is_heading) and doc_text and doc_text[unit.start:unit.end] == unit.text:
        lines = doc_text[unit.end:unit.end + 900].lstrip("\n").split("\n")
        offset = unit.end + (len(doc_text[unit.end:unit.end + 900]) - len(doc_text[unit.end:unit.end + 900].lstrip("\n")))
        taken = 0
        for line in lines:
            if not line.strip():
                offset += len(line) + 1
                continue
            if taken >= (2 if is_heading else 5) or offset + len(line) - unit.start > 700:
                break
            end = offset + len(line)
            offset = end + 1
            taken += 1
        if end is not None:
            return _widened(unit, doc_text[unit.start:end], end)
    same = sorted((u for u in pool if u.hit.chunk_id == unit.hit.chunk_id and u.start > unit.start),
                  key=lambda u: u.start)
    if not same:
        return unit
    nxt = same[0]
    if unit.bullet or len(unit.text) >= 160 or nxt.paragraph != unit.paragraph:
        return unit
    if nxt.end - unit.start > max_len + 200:
        return unit
    local = unit.start - int(unit.hit.metadata.get("start", 0))
    return _widened(unit, unit.hit.text[local:local + (nxt.end - unit.start)], nxt.end, nxt.tokens)


def _widened(unit: Unit, text: str, end: int, extra_tokens: set[str] | None = None) -> Unit:
    return Unit(text=text, start=unit.start, end=end, hit=unit.hit, rank=unit.rank,
                tokens=unit.tokens | (extra_tokens or set()), bullet=unit.bullet, score=unit.score,
                coverage=unit.coverage, reasons=unit.reasons, also=unit.also, paragraph=unit.paragraph)
