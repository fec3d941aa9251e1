"""One scored decision: do the documents answer this question?

A logistic model (weights and threshold in data/weights.json, fitted by ``vraagbaak fit`` on the dev set
plus generated unanswerable questions) over retrieval and evidence features. Nothing vetoes on its own:
a word the corpus lacks lowers coverage, a year or name the evidence never mentions is one feature among
others. When it declines, ``missing`` says what the documents do not give.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

from index.retriever import SearchHit
from ingest.sectors import word_pattern

from .evidence import GENERIC_SHARE, EvidenceScorer, Unit, has_money
from .query import YEAR, Query, named_in
from .weights import LinearModel

ABSTAIN_FEATURES = ("best_unit", "best_dense", "dense_margin", "chunk_dense", "coverage_known", "unknown", "unknown_rare", "unknown_specific", "specific_missing", "year_missing", "year_unsupported",
                    "entity_missing", "sector_missing", "number_missing", "money_missing", "figure_elsewhere", "outside_sector", "english", "english_dense")


COMMON_ZIPF = 3.5  # wordfreq's log scale: an everyday Dutch word


@dataclass
class Verdict:
    abstain: bool
    probability: float = 0.0
    missing: list[str] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        if self.missing:
            return "de documenten noemen " + " en ".join(self.missing[:2]) + " niet"
        return "de gevonden passages gaan niet over wat er gevraagd wordt"


class AbstentionPolicy:
    def __init__(self, scorer: EvidenceScorer, model: LinearModel, cue_words: frozenset[str] = frozenset(),
                 synonyms: Callable[[str], list[tuple[str, list[str]]]] | None = None):
        self.scorer = scorer
        self.model = model
        # words that say what kind of answer is wanted ("deed", "hoeveel"), not what it is about: a cue word the
        # corpus happens to lack is no sign that the documents miss the topic
        self.cue_words = cue_words
        # the thesaurus: each of its terms in a question, with that term's synonyms; a word the corpus lacks may have a
        # synonym it uses
        self.synonyms = synonyms

    def _understood(self, q: Query) -> frozenset[str]:
        """Tokens of question words the corpus lacks but knows a synonym of ("sanctie" where it says "boete", "social
        agreement" where it says "sociaal akkoord"): the expansion reaches their passages, so they are no sign of a
        topic the documents miss."""
        if self.synonyms is None:
            return frozenset()
        out: set[str] = set()
        for term, others in self.synonyms(q.search_text):
            tokens = self.scorer.analyzer.tokens(term)
            unknown = {t for t in tokens if t not in self.scorer.df}
            if unknown and any((syn := self.scorer.analyzer.tokens(s)) and all(t in self.scorer.df for t in syn)
                               for s in others):
                out |= unknown  # its known parts ("personeel" in "personeelsomvang") stay words of the topic
        return frozenset(out)

    def features(self, q: Query, hits: list[SearchHit], units: list[Unit]) -> dict[str, float]:
        top = units[:6]
        context = _context(hits)
        # the question's topic: not its cue or filler words ("hoeveel", "eigenlijk"), not the sector it named, not a
        # word the corpus lacks whose synonym it uses
        named = self._sector_names(q) | self._understood(q)
        topic = [t for t in q.content if t not in self.cue_words and t not in named]
        known = [t for t in topic if t in self.scorer.df]
        unknown = sum(self.scorer.idf(t) for t in topic if t not in self.scorer.df)
        total = sum(self.scorer.idf(t) for t in topic)
        # words the corpus lacks that are rare in Dutch too (names, jargon, typos left unrepaired) say more than
        # everyday phrasing ("eigenlijk", "precies") does
        rare = [w for w in re.findall(r"[A-Za-zà-ÿ-]{4,}", q.search_text)
                if self._unknown_word(w) and zipf_frequency(w.lower(), "nl") < COMMON_ZIPF
                and not set(self.scorer.analyzer.tokens(w)) <= self.cue_words | named]
        top3 = set().union(*(u.tokens for u in units[:3])) if units else set()
        # the words that say what the question is about in particular: not those most passages use ("banenafspraak")
        generic_df = max(1.0, GENERIC_SHARE * self.scorer.n)
        # an everyday word the corpus lacks ("eigenlijk") is phrasing, not a subject
        specific = [t for t in topic if (t in self.scorer.df and self.scorer.df[t] <= generic_df)
                    or (t not in self.scorer.df and zipf_frequency(t, "nl") < COMMON_ZIPF)]
        specific_known = [t for t in specific if t in self.scorer.df]
        chunk_dense = max((h.dense_similarity or 0.0 for h in hits), default=0.0)
        sectors_seen = {u.sector for u in top} | {s for h in hits[:6] for s in (h.metadata.get("mentions") or "").split("|")}
        return {
            "best_unit": units[0].score if units else 0.0,
            "best_dense": max((u.features.get("dense", 0.0) for u in top), default=0.0),
            # a passage that stands out from the other candidates, against a flat field of near misses
            "dense_margin": self._margin([u.features.get("dense", 0.0) for u in units]),
            "chunk_dense": chunk_dense,  # the best passage by meaning
            # of the question's words the corpus knows, how much the best evidence holds
            "coverage_known": self.scorer.coverage(top3, known) if known else 1.0,  # nothing known to miss
            "unknown": unknown / total if total else 0.0,
            "unknown_rare": min(1.0, len(rare) / max(len(q.content), 1)),
            # the question's own subject is a word the corpus lacks ("supermarkten", "kinderopvang")
            "unknown_specific": 1 - len(specific_known) / len(specific) if specific else 0.0,
            "specific_missing": 1 - self.scorer.coverage(top3, specific_known) if specific_known else 0.0,
            "year_missing": float(bool(q.years) and not any(y in context for y in q.years)),
            # the year may occur somewhere in the passages ("vanaf 2019 …") without the best sentences being about it
            "year_unsupported": float(bool(q.years) and not any(
                y in u.text or _dated(u, [y]) for u in units[:3] for y in q.years)),
            "entity_missing": (sum(1 for e in q.entities if not named_in(e, context)) / len(q.entities))
            if q.entities else 0.0,
            "sector_missing": float(bool(q.sectors) and not (set(q.sectors) & sectors_seen)),
            "number_missing": float(bool(q.intents & {"count", "percent"}) and not any(
                u.features.get("number_q") for u in units[:3])),
            "money_missing": float(q.has("amount") and not any(has_money(u.text) for u in units[:3])),
            "figure_elsewhere": self._figure_elsewhere(q, units[:5]),
            # a sector outside government and education ("woningcorporaties") that no passage found mentions
            "outside_sector": float(bool(_unmentioned(q.outside, context))),
            "english": float(q.english),
            # an English question meets Dutch passages at a lower similarity: its own slope, not a decline
            "english_dense": chunk_dense if q.english else 0.0,
        }

    @staticmethod
    def _margin(values: list[float]) -> float:
        if len(values) < 3:
            return 0.0
        ordered = sorted(values, reverse=True)
        return ordered[0] - ordered[len(ordered) // 2]

    @staticmethod
    def _figure_elsewhere(q: Query, units: list[Unit]) -> float:
        """A figure is asked for a named sector, year or organisation, and the best passages give figures only for
        others ("hoeveel banen heeft de provincie Utrecht …" against the provinces' total). A sentence whose passage
        names no year speaks for its document's date; an organisation named earlier in the passage is its subject."""
        if not (q.intents & {"count", "amount", "percent"}) or not (q.sectors or q.years or q.entities):
            return 0.0
        figures = [u for u in units if u.features.get("number_q")]
        counted = [u for u in figures if u.features.get("count_match")]
        if counted:  # with a counted noun ("hoeveel banen") that some figure counts, only those figures answer
            figures = counted
        if not figures:
            return 0.0
        agrees = any((not q.sectors or u.features.get("sector_match") or u.features.get("mention_match"))
                     and (not q.years or u.features.get("year_match") or _dated(u, q.years, published=_undated(u)))
                     and (not q.entities or any(_named_before(e, u) for e in q.entities)) for u in figures)
        return float(not agrees)

    def _sector_names(self, q: Query) -> frozenset[str]:
        """The words by which the question named its sectors ("police"): understood, never unknown words. Only the
        sectors it named: the words of other sectors' names ("onderzoek", "raad") stay ordinary words."""
        words: set[str] = set()
        for sid in q.sectors:
            sec = self.scorer.sectors.by_id[sid]
            words |= set(self.scorer.analyzer.tokens(" ".join((*sec.aliases, sec.name))))
        return frozenset(words)

    def _unknown_word(self, word: str) -> bool:
        """A word with content that no chunk uses in any analysed form."""
        tokens = self.scorer.analyzer.tokens(word)
        return bool(tokens) and not any(t in self.scorer.df for t in tokens)

    def decide(self, q: Query, hits: list[SearchHit], units: list[Unit]) -> Verdict:
        if not units:
            return Verdict(True, 1.0, ["een passage die hierop ingaat"])
        f = self.features(q, hits, units)
        p = self.model.probability(f)
        verdict = Verdict(p >= self.model.threshold, p, features=f)
        if verdict.abstain:
            verdict.missing = self.missing(q, f, hits)
        return verdict

    def missing(self, q: Query, f: dict[str, float], hits: list[SearchHit]) -> list[str]:
        """What the question asks that the evidence does not give, in words a user recognises."""
        out: list[str] = []
        context = _context(hits)
        if f["money_missing"]:
            out.append("het gevraagde bedrag")
        elif f["number_missing"]:
            out.append("het gevraagde aantal" if q.has("count") else "het gevraagde percentage")
        if f.get("figure_elsewhere") and not (f.get("money_missing") or f.get("number_missing")):
            asked = [self.scorer.sectors.name(s) or s for s in q.sectors] + q.entities + list(q.years)
            out.append("dat cijfer voor " + ", ".join(asked))
        if f["year_missing"] or f.get("year_unsupported"):
            out.append("gegevens over " + ", ".join(q.years))
        out.extend(f"'{e}'" for e in q.entities if not named_in(e, context))
        out.extend(f"'{name}'" for name in _unmentioned(q.outside, context)[:1])
        understood = self._understood(q)
        rare = [w for w in re.findall(r"[A-Za-zà-ÿ-]{6,}", q.search_text) if self._unknown_word(w)
                and not set(self.scorer.analyzer.tokens(w)) <= self.cue_words | understood]
        named = " ".join(q.entities).lower()
        out.extend(f"'{w}'" for w in [w for w in rare if not word_pattern(w).search(named)][:1])  # not a name again
        return list(dict.fromkeys(out))  # a name can be both an entity and an unknown word


def _unmentioned(names: list[str], context: str) -> list[str]:
    """The names that the passages' text never uses as a word."""
    return [n for n in names if not word_pattern(n).search(context)]


def _undated(u: Unit) -> bool:
    """Neither the sentence, its passage nor its heading names a year: it speaks for its document's date."""
    return not YEAR.search(f"{u.hit.metadata.get('section', '')} {u.hit.text}")


def _named_before(name: str, u: Unit) -> bool:
    """The name occurs, as words, in the unit's passage up to the end of the unit (its subject, named earlier)."""
    at = u.hit.text.find(u.text)
    upto = u.hit.text[:at + len(u.text)] if at >= 0 else u.hit.text
    return named_in(name, upto.lower())


def _dated(u: Unit, years: list[str], published: bool = True) -> bool:
    """The unit's heading or document title names one of the years ("de update van 2017"); with ``published``, the
    document's date counts too (a report of 2018 may give 2017's figures: not for a figure's year)."""
    m = u.hit.metadata
    where = f"{m.get('section', '')} {m.get('title', '')}" + (f" {m.get('date', '')}" if published else "")
    return any(y in where for y in years)


def _context(hits: list[SearchHit]) -> str:
    """What the best passages say, with their headings and their documents' titles and dates ("de update van 2017")."""
    return " ".join(f"{h.metadata.get('title', '')} {h.metadata.get('date', '')} {h.metadata.get('section', '')} "
                    f"{h.text}" for h in hits[:6]).lower()
