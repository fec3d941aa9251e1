"""Query understanding: what a question is about and what kind of answer it wants.

One step, ``QueryUnderstanding.run(text) -> Query``: typo repair against the corpus vocabulary
(rapidfuzz), sectors by alias (after repair), years and named entities, thesaurus expansions, and
intent cues from ``data/intents.json``. Cues are features; the decisions built on them are fitted.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein
from wordfreq import zipf_frequency

from index.analysis import DUTCH_STOPWORDS, DutchAnalyzer, raw_tokens
from index.thesaurus import Thesaurus
from ingest.sectors import SectorVocabulary

from .language import is_english

YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")  # a year, shared by every step that reads one
_COUNT_NOUN = re.compile(r"\b(?:hoeveel|how\s+many|aantal|number\s+of)\s+(?:extra\s+|nieuwe\s+|new\s+)?([a-zà-ÿ-]{4,})", re.I)
REAL_WORD_ZIPF = 2.0  # wordfreq's log scale: 2 is about once per ten million words
COMPOUND_PART_ZIPF = 3.0  # each side of a compound an everyday word (about once per million words)
FACETS = {"solution": "solution_markers", "why": "cause_markers", "results": "results", "knelpunt": "knelpunt"}
# wordfreq's log scale: "interior" 4.6, "minister" 5.0; place names stay under it ("amsterdam" 4.0, "netherlands" 4.3)
EVERYDAY_ENGLISH_ZIPF = 4.5
INTENTS = ("overview", "results", "knelpunt", "solution", "compare", "count", "amount", "quantity", "when", "percent", "why",
           "how", "define", "who", "which")


@dataclass
class Query:
    text: str  # the question as it will be answered (a follow-up already resolved)
    search_text: str  # the same with repaired typos: what the retrievers see
    sectors: list[str]
    years: list[str]
    entities: list[str]  # capitalised names that are not sectors ("Defensie" is a sector, "Plasterk" an entity)
    expansions: list[str]
    intents: set[str] = field(default_factory=set)
    count_noun: str | None = None
    repairs: dict[str, str] = field(default_factory=dict)
    english: bool = False
    content: list[str] = field(default_factory=list)  # analysed tokens of the question's own content words
    parts: list[list[str]] = field(default_factory=list)  # content tokens per part of a two-part question, else []
    facet: str | None = None  # what a second part without a subject of its own asks ("… en wat wordt voorgesteld?")
    outside: list[str] = field(default_factory=list)  # sectors outside government and education it names ("woningcorporaties")

    def has(self, intent: str) -> bool:
        return intent in self.intents


class IntentCues:
    """Cue words per intent, matched at a word start in lower case."""

    def __init__(self, cues: dict[str, list[str]]):
        self.cues = cues
        self._patterns = {name: re.compile("|".join(_cue_pattern(c) for c in words), re.I)
                          for name, words in cues.items() if not name.startswith("_") and words}

    @classmethod
    def from_file(cls, path: Path) -> "IntentCues":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def found(self, name: str, text: str) -> bool:
        p = self._patterns.get(name)
        return bool(p and p.search(f"{text} "))

    def strip(self, name: str, text: str) -> str:
        p = self._patterns.get(name)
        return p.sub(" ", text) if p else text

    def strip_all(self, names, text: str) -> str:
        for name in names:
            text = self.strip(name, text)
        return text

    def words(self, name: str) -> set[str]:
        return {w for c in self.cues.get(name, []) for w in raw_tokens(c.rstrip("*"))}


def _cue_pattern(cue: str) -> str:
    """A cue matches whole words; ``stem*`` also matches longer words that start with the stem."""
    if cue.endswith("*"):
        return rf"(?<![\w]){re.escape(cue[:-1])}"
    return rf"(?<![\w]){re.escape(cue.strip())}(?![\w])"


class TypoRepair:
    """Maps a word the corpus lacks onto the nearest corpus word (one edit for short words, two for long ones)."""

    def __init__(self, vocabulary: dict[str, int], protected: set[str]):
        self.vocabulary = vocabulary  # word -> how many chunks use it
        self.words = list(vocabulary)
        self.protected = protected

    def repair(self, word: str) -> str | None:
        w = word.lower()
        if len(w) < 5 or w in self.vocabulary or w in self.protected or not w.isalpha():
            return None
        if zipf_frequency(w, "nl") >= REAL_WORD_ZIPF or zipf_frequency(w, "en") >= REAL_WORD_ZIPF:
            return None  # a real word the corpus happens not to use ("begroting") is no typo
        limit = 1 if len(w) < 8 else 2
        found = process.extract(w, self.words, scorer=Levenshtein.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        # a short word two edits away only for a letter in the wrong place or two left out ("aanjaagr", "wrkgever")
        found = [f for f in found if f[1] <= 1 or len(w) >= 9 or Indel.distance(w, f[0]) <= 2]
        if not found:
            return None
        best = min(found, key=lambda f: (f[1], -self.vocabulary.get(f[0], 0), f[0]))
        if best[1] > 1 and self._compound(w):
            return None  # two everyday words written as one ("driemeting") is a word, not two typos
        return best[0]


    @staticmethod
    def _compound(word: str, part: int = 4) -> bool:
        """Dutch writes compounds as one word: each side a common word, with or without a linking s."""
        def common(w: str) -> bool:
            return zipf_frequency(w, "nl") >= COMPOUND_PART_ZIPF
        for i in range(part, len(word) - part + 1):
            head, tail = word[:i], word[i:]
            if common(tail) and (common(head) or (head.endswith("s") and common(head[:-1]))):
                return True
        return False


class QueryUnderstanding:
    def __init__(self, sectors: SectorVocabulary, thesaurus: Thesaurus, cues: IntentCues, analyzer: DutchAnalyzer,
                 vocabulary: dict[str, int], use_thesaurus: bool = True):
        self.sectors = sectors
        self.thesaurus = thesaurus
        self.cues = cues
        self.analyzer = analyzer
        self.use_thesaurus = use_thesaurus
        alias_words = {w for s in sectors.sectors for a in (*s.aliases, s.name) for w in raw_tokens(a)}
        thesaurus_words = {w for g in thesaurus.groups for t in g for w in raw_tokens(t)}
        cue_words = {w for name in cues.cues if not name.startswith("_") for w in cues.words(name)}
        known = dict(vocabulary)
        for w in alias_words:
            known.setdefault(w, 1)
        self.repairer = TypoRepair(known, protected=thesaurus_words | cue_words | set(DUTCH_STOPWORDS))
        self.alias_words = alias_words
        self.question_words = cue_words | set(DUTCH_STOPWORDS)

    def run(self, text: str) -> Query:
        english = is_english(text)
        repairs: dict[str, str] = {}
        if not english:
            for w in dict.fromkeys(re.findall(r"[A-Za-zà-ÿ]+", text)):
                fixed = self.repairer.repair(w)
                if fixed and fixed != w.lower():
                    repairs[w] = fixed
        search_text = text
        for wrong, right in repairs.items():
            search_text = re.sub(rf"(?<![\w]){re.escape(wrong)}(?![\w])", right, search_text)
        sectors = self.sectors.find_all(search_text, compounds=True)
        expansions = self.thesaurus.expand(search_text) if self.use_thesaurus else []
        if self.use_thesaurus:
            # a sector named one way (an alias, English) reaches the lexical index under its other names too
            for sid in sectors:
                sec = self.sectors.by_id[sid]
                expansions.extend(a for a in (sec.name, *sec.aliases[:4]) if a.lower() not in search_text.lower())
        intents = {name for name in INTENTS if self.cues.found(name, search_text)}
        if "percent" in intents or ("quantity" not in intents and not self._asks_for("amount", search_text)):
            intents.discard("amount")
        if "quantity" in intents and not intents & {"amount", "percent"} \
                and self.cues.found("quantity", " ".join(search_text.split()[:3])):
            # the question opens by asking a size that is no sum of money or share ("hoe hoog is het quotum"): a
            # number; "op de hoogte" or "de omvang van het probleem" further on asks none
            intents.add("count")
        count = _COUNT_NOUN.search(search_text)
        content_text = self.cues.strip("fillers", self.cues.strip("document_words", search_text))
        return Query(
            text=text, search_text=search_text, sectors=sectors, years=YEAR.findall(text),
            entities=self.entities(text, english), expansions=expansions, intents=intents,
            count_noun=count.group(1).lower() if count else None, repairs=repairs, english=english,
            content=list(dict.fromkeys(self.analyzer.tokens(content_text))), parts=self.parts(content_text),
            facet=self.facet(content_text), outside=self.sectors.find_outside(search_text))

    def _asks_for(self, intent: str, text: str, head: int = 5) -> bool:
        """The cue is what the question word asks about ("wat verdient …", "welk maandsalaris …", "wat is het
        budget …"): a question word first and the cue in the first few words. A money word further on ("… voor
        budgetgestuurde sectoren") or in a yes/no question ("krijgen we een boete als …") asks for no amount."""
        words = text.split()
        return bool(words) and words[0].lower() in self.cues.words("asking_words") \
            and self.cues.found(intent, " ".join(words[:head]))

    def parts(self, text: str) -> list[list[str]]:
        """A question that asks two things ("waarom …, en wat stelt men voor?"), split at the first joiner after
        which both sides keep two content words of their own (a word that only says what kind of answer is wanted,
        "voorgesteld", is not one); [] for a question that asks one thing."""
        for at, size in self._joints(text):
            first = list(dict.fromkeys(self.analyzer.tokens(text[:at])))
            second = [t for t in dict.fromkeys(self.analyzer.tokens(self.cues.strip_all(FACETS, text[at + size:])))
                      if t not in first]
            if len(first) >= 2 and len(second) >= 2:
                return [first, second]
        return []

    def _joints(self, text: str) -> list[tuple[int, int]]:
        low = f"{text} ".lower()
        return sorted((m.start(), len(joiner)) for joiner in self.cues.cues.get("part_joiners", [])
                      for m in re.finditer(re.escape(joiner), low) if m.start() > 0)

    def facet(self, text: str) -> str | None:
        """The kind of answer a second part asks about the first part's subject, when it names no subject of its
        own: "Waarom vallen zij uit het register en wat wordt voorgesteld?" asks a solution for the same problem."""
        for at, size in self._joints(text):
            first, second = text[:at], text[at:]
            if len(self.analyzer.tokens(first)) < 2 or len(self.analyzer.tokens(self.cues.strip_all(FACETS, second))) >= 2:
                continue
            facet = next((f for f in FACETS if self.cues.found(f, second)), None)
            if facet:
                return facet
        return None

    def entities(self, text: str, english: bool = False) -> list[str]:
        """Capitalised words after the first that name no sector: people, organisations, places. A compound with a
        hyphen names its capitalised part ("VNG-projectleider" names the VNG); in an English question an everyday
        English word ("the Interior minister") is no name. Neighbouring names, joined by nothing but a particle, are
        one name ("Tamara van Ark", "Sociale Verzekeringsbank")."""
        matches = list(re.finditer(r"[\w'’-]+", text))
        names: list[str] = []
        end = -1
        for i, m in enumerate(matches):
            w = _named_part(m.group())
            if not (i > 0 and w[:1].isupper() and len(w) > 2 and not w.isupper()
                    and not (english and zipf_frequency(w.lower(), "en") >= EVERYDAY_ENGLISH_ZIPF)
                    and not w[:1].isdigit() and w.lower() not in self.alias_words and not self.sectors.find_all(w)
                    and w.lower() not in self.question_words):  # "Hoeveel" opening a joined earlier question
                continue
            if names and _PARTICLES.fullmatch(text[end:m.start()]):
                names[-1] = f"{names[-1]}{text[end:m.start()]}{w}"
            else:
                names.append(w)
            end = m.start() + len(w)
        return names


def named_in(name: str, low_text: str) -> bool:
    """Each capitalised word of ``name`` occurs as a word of ``low_text`` (lower case): "Universiteit Maastricht" is
    named by "de Universiteit van Maastricht", "Tamara van Ark" not by "arbeidsmarkt"."""
    parts = [w for w in name.split() if w[:1].isupper()] or [name]
    # a hyphenated compound names it too ("de Wajong-uitkering")
    return all(re.search(rf"(?<![\w-]){re.escape(w.lower())}(?!\w)", low_text) for w in parts)


_PARTICLES = re.compile(r"\s+(?:(?:van|de|der|den|ter|von)\s+)*", re.I)  # not "of" (Dutch "or") or "te"


def _named_part(word: str) -> str:
    """"VNG-projectleider" -> "VNG": the part before a hyphen when the rest is lower case; "Noord-Brabant" stays."""
    head, _, rest = word.partition("-")
    return head if rest and rest.islower() and head[:1].isupper() else word
