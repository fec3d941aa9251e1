"""When to say "the documents do not answer this": questions outside the corpus, and weak evidence."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.analysis import raw_tokens
from ingest.sectors import SectorVocabulary

from .evidence import Unit, has_money, is_amount_question

OUTSIDE_SECTORS = re.compile(
    r"\b(zorg|zorgsector|welzijn|bouw|bouwsector|banken|bankensector|verzekeraars|horeca|retail|detailhandel|"
    r"industrie|landbouw|transportsector|logistiek|ict-sector|health\s*care|construction|banking|insurers|"
    r"hospitality|agriculture)\b", re.I)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_QUESTION_WORDS = frozenset("""
hoeveel welke welk wanneer waarom waardoor waarmee percentage procent aantal verschil verschilt verschillen
gedaan geboekt bereikt behaald ondernomen opgeleverd gerealiseerd realiseerden realiseerde noemt noemen zegt
beschrijft onderscheidt gebeurt gebeurde veranderd veranderde vergeleken belangrijkste grootste voorgestelde
voorgesteld volgens precies ongeveer eigenlijk wij onze jullie""".split())
_ENGLISH = re.compile(r"\b(the|what|which|who|how|did|does|have|has|were|was|of|in|many|much|must|are|is|do|for|and|"
                      r"to|with|there|since|when|why|main|about|they|their)\b", re.I)


@dataclass
class Verdict:
    abstain: bool
    reason: str = ""


class AbstentionPolicy:
    def __init__(self, vocabulary: SectorVocabulary, corpus_text: str, threshold: float = 0.3,
                 document_years: set[str] | None = None, thesaurus_terms: set[str] | None = None):
        self.thesaurus_terms = thesaurus_terms or set()
        self.document_years = document_years or set()
        self.vocab = vocabulary
        self.blob = re.sub(r"\s+", " ", corpus_text.lower())
        self.alias_words = {w for s in vocabulary.sectors for a in (*s.aliases, s.name) for w in raw_tokens(a)}
        self.threshold = threshold

    def known(self, word: str) -> bool:
        """Does the corpus use this word, or a form of it (a shared stem of all but its last letters)?"""
        w = word.lower()
        if w in self.alias_words or w in self.thesaurus_terms:
            return True
        return (len(w) < 8 and w in self.blob) or w[:max(5, len(w) - 3)] in self.blob

    @staticmethod
    def is_english(question: str) -> bool:
        words = re.findall(r"[a-zA-Z]+", question)
        return bool(words) and len(_ENGLISH.findall(question)) / len(words) >= 0.2

    def before_retrieval(self, question: str) -> Verdict:
        m = OUTSIDE_SECTORS.search(question)
        if m and not self.vocab.find_all(question):
            return Verdict(True, f"de documenten gaan over de overheids- en onderwijssectoren, niet over '{m.group(0)}'")
        if not self.is_english(question):
            unknown = [w for w in raw_tokens(question) if len(w) >= 8 and not w[0].isdigit()
                       and w not in _QUESTION_WORDS and not self.known(w)]
            if unknown:
                return Verdict(True, f"de documenten noemen '{unknown[0]}' nergens")
        missing = [n for n in self.proper_nouns(question) if n.lower() not in self.blob]
        if missing:
            return Verdict(True, f"de documenten noemen '{missing[0]}' nergens")
        return Verdict(False)

    @staticmethod
    def proper_nouns(question: str) -> list[str]:
        words = re.findall(r"[\w'’-]+", question)
        return [w for i, w in enumerate(words) if i > 0 and w[:1].isupper() and len(w) > 2 and not w.isupper()
                and not w[:1].isdigit()]

    def after_evidence(self, question: str, units: list[Unit], count_noun: str | None,
                       overview: bool = False) -> Verdict:
        if not units:
            return Verdict(True, "er is geen passage gevonden die op de vraag ingaat")
        best = max(u.coverage for u in units)
        years = set(_YEAR.findall(question))
        top = units[:6]
        foreign = years - self.document_years
        if foreign and not any(any(y in u.text for y in foreign) for u in top):
            return Verdict(True, f"de documenten bevatten hierover geen gegevens voor {', '.join(sorted(years))}")
        if is_amount_question(question) and not any(has_money(u.text) for u in top[:3]):
            return Verdict(True, "de documenten noemen hiervoor geen bedrag")
        if count_noun and not self.is_english(question) and not is_amount_question(question):
            sector_words = self.alias_words
            names = [n.lower() for n in self.proper_nouns(question) if n.lower() not in sector_words]

            def context(u: Unit) -> str:
                return f"{u.hit.metadata.get('section', '')} {u.hit.text}".lower()

            ok = [u for u in top if "aantal" in u.reasons and all(n in context(u) for n in names)
                  and (not years or any(y in u.text for y in years))]
            if not ok:
                return Verdict(True, "de documenten geven dit aantal niet")
        if overview:
            return Verdict(False)
        threshold = self.threshold * (0.5 if self.is_english(question) else 1.0)
        if best < threshold:
            return Verdict(True, "de gevonden passages gaan niet over wat er gevraagd wordt")
        return Verdict(False)
