"""Follow-up questions without an LLM: join a question to the history only when it is elliptical.

Elliptical means: it opens with a continuation ("en …", "and …"), leans on a pronoun ("daarvan",
"their") without a subject of its own, or has no content word beyond intent cues ("wat was het resultaat"). A rule names the candidates;
a similarity test confirms them: a question that finds its own passages about as well as the joined
question does is self-contained and is answered on its own, however short it is.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.sectors import SectorVocabulary

from .query import YEAR, IntentCues, Query

_PERIOD = re.compile(rf"\s*(?:[-–]|\b(?:in|over|van|per|eind|ultimo|sinds|vanaf|tussen|en|tot)\s+)?{YEAR.pattern}", re.I)


# intents whose cue words name what the question is about, not only what kind of answer it wants
SUBJECT_INTENTS = ("knelpunt",)


@dataclass
class ResolvedQuestion:
    text: str
    carried: bool = False
    previous: str | None = None


class FollowUpResolver:
    def __init__(self, sectors: SectorVocabulary, cues: IntentCues, understand: Callable[[str], Query],
                 retrieval_strength: Callable[[Query], float] | None = None):
        self.sectors = sectors
        self.cues = cues
        self.understand = understand
        self.strength = retrieval_strength  # how well a question alone finds passages (best dense similarity)
        self._ignorable: set[str] | None = None
        # the one-word continuation cues ("en", "and"): the conjunction that makes a question a follow-up
        conjunctions = [c.strip() for c in cues.cues.get("continuation", []) if len(c.split()) == 1]
        self._opening = re.compile(rf"^(?:{'|'.join(map(re.escape, conjunctions))})\b[\s,]*", re.I) if conjunctions else None

    def is_elliptical(self, question: str, q: Query) -> bool:
        opening = question.strip().lower()
        continuation = any(opening.startswith(c) for c in self.cues.cues.get("continuation", []))
        anaphora = self.cues.found("anaphora", question)
        shifted = self.cues.found("earlier", question) or self.cues.found("later", question)
        subject = bool(q.sectors or q.entities or q.years)
        # a year alone says when, not what ("en hoe zat dat eind 2016?"); with a counted noun it asks a question of
        # its own ("en hoeveel garantiebanen waren er landelijk in 2015?")
        named = bool(q.sectors or q.entities or (q.years and q.count_noun))
        generic = self._generic_only(q, years_too=True)  # "en in 2015?" names a period, no subject
        if shifted or not q.content:
            return True
        if continuation and (not named or generic):
            return True
        if not subject and generic:
            return True  # "wat was het resultaat": only what kind of answer, not about what
        return anaphora and not named  # "hoeveel banen leverde dat op": the similarity test confirms

    def _generic_only(self, q: Query, years_too: bool = False) -> bool:
        """No content word beyond intent cues ("wat was het resultaat", "en waarom", "what about them"). The cue
        words of a subject intent (SUBJECT_INTENTS: "welke knelpunten zijn er?") count as content."""
        if self._ignorable is None:
            cue_tokens = set()
            for name in self.cues.cues:
                if not name.startswith("_") and name not in SUBJECT_INTENTS:
                    cue_tokens |= set(self.understand_tokens(" ".join(c.rstrip("*") for c in self.cues.cues[name])))
            alias_tokens = set(self.understand_tokens(" ".join(a for s in self.sectors.sectors
                                                               for a in (*s.aliases, s.name))))
            self._ignorable = cue_tokens | alias_tokens
        return not (set(q.content) - self._ignorable - (set(q.years) if years_too else set()))

    def understand_tokens(self, text: str) -> list[str]:
        return self.understand(text).content

    def resolve(self, question: str, history: list[dict] | tuple = ()) -> ResolvedQuestion:
        previous = next((t["content"] for t in reversed(list(history)) if t.get("role") == "user"
                         and t.get("content", "").strip()), None)
        if not previous:
            return ResolvedQuestion(question)
        q = self.understand(question)
        if not self.is_elliptical(question, q):
            return ResolvedQuestion(question)
        joined = self._join(question, q, previous)
        opens_as_continuation = any(question.strip().lower().startswith(c)
                                    for c in self.cues.cues.get("continuation", []))
        if self.strength is not None and q.content and not (opens_as_continuation and self._generic_only(q, years_too=True)):
            # similarity test: a question that retrieves as well on its own as joined stands on its own ("Welke
            # knelpunten zijn er?" after a sector question); only "en …" with nothing of its own skips it
            if self.strength(q) >= self.strength(self.understand(joined)) + 0.02:
                return ResolvedQuestion(question)
        return ResolvedQuestion(joined, carried=True, previous=previous)

    def _join(self, question: str, q: Query, previous: str) -> str:
        if self.cues.found("earlier", question) or self.cues.found("later", question):
            step = -1 if self.cues.found("earlier", question) else 1
            shifted = YEAR.sub(lambda m: str(int(m.group(1)) + step), previous)
            return shifted if shifted != previous else f"{previous} ({'eerder' if step < 0 else 'later'})"
        prev = self.understand(previous)
        if q.years and not (set(q.content) - set(q.years)) and not q.sectors:
            # "En in 2015?": the earlier question, for that year (or those years)
            years = set(YEAR.findall(previous))
            if len(years) == 1 and len(q.years) == 1:
                return YEAR.sub(q.years[0], previous)
            return f"{_PERIOD.sub('', previous).rstrip(' ?')} in {' en '.join(q.years)}?"
        if q.years and not q.sectors and len(q.years) == 1 and len(set(YEAR.findall(previous))) == 1:
            # "En hoe zat dat eind 2015?": the new question, about the earlier subject in its year
            return f"{question.rstrip('?')}: {YEAR.sub(q.years[0], previous)}"
        if q.sectors and prev.sectors and q.intents and self._generic_only(prev) and not prev.years:
            # "En wat doen de waterschappen?" after "Wat deed de VNG?": a question of its own once the "en" is dropped
            return self._without_opening(question)
        if not self._generic_only(prev) and not q.sectors:
            # the earlier question had a subject beyond its sector ("de pilot functiecreatie van de PO-Raad"):
            # the new question is about all of it
            return f"{question.rstrip('?')}: {previous}"
        if q.sectors and prev.sectors:
            # "En bij de provincies?": the earlier question, about the new sector
            return self._replace_sector(previous, prev.sectors[0], self.sectors.by_id[q.sectors[0]].name)
        if q.sectors:
            return f"{previous.rstrip('?')} — {question}"
        if prev.sectors and not self._generic_only(q):
            # "Waarom lukte dat niet?" after a sector question: the new question, about that sector
            return f"{question.rstrip('?')} ({self.sectors.by_id[prev.sectors[0]].name})"
        if prev.sectors:
            # "En wat was het resultaat?": the new question's intent, the earlier subject
            return f"{question.rstrip('?')} — sector {self.sectors.by_id[prev.sectors[0]].name}"
        return f"{question.rstrip('?')}: {previous}"

    def _without_opening(self, question: str) -> str:
        rest = self._opening.sub("", question.strip(), count=1) if self._opening else question
        return rest[:1].upper() + rest[1:] if rest else question

    def _replace_sector(self, text: str, sector_id: str, new_name: str) -> str:
        sec = self.sectors.by_id[sector_id]
        for alias in sorted((*sec.aliases, sec.name), key=len, reverse=True):
            pattern = re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", re.I)
            if pattern.search(text):
                return pattern.sub(new_name, text, count=1)
        return f"{text} ({new_name})"
