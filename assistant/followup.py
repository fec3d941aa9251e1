"""Follow-up questions without an LLM: carry sector, topic and period over from earlier turns."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.sectors import SectorVocabulary

_ELLIPTIC_START = re.compile(r"^\s*(en|and|maar|ook|what about|how about)\b", re.I)
_ANAPHORA = re.compile(r"\b(daarvan|daarvoor|daarover|daarbij|daar|dat|die|deze|hun|zij|ze|hen|dit|those|that|them|"
                       r"their|it|its|there)\b", re.I)
_EARLIER = re.compile(r"jaar eerder|een jaar daarvoor|vorig jaar|het jaar ervoor|year earlier|previous year|year before",
                      re.I)
_LATER = re.compile(r"jaar later|een jaar daarna|het jaar erna|year later|following year", re.I)
_YEAR = re.compile(r"\b(20\d\d)\b")


@dataclass
class ResolvedQuestion:
    text: str
    carried: bool = False
    previous: str | None = None


class FollowUpResolver:
    def __init__(self, vocabulary: SectorVocabulary):
        self.vocab = vocabulary

    def resolve(self, question: str, history: list[dict] | tuple = ()) -> ResolvedQuestion:
        previous = next((t["content"] for t in reversed(list(history)) if t.get("role") == "user"
                         and t.get("content", "").strip()), None)
        if not previous:
            return ResolvedQuestion(question)
        words = re.findall(r"\w+", question)
        own_sectors = self.vocab.find_all(question)
        elliptic = (bool(_ELLIPTIC_START.match(question)) or len(words) <= 5
                    or bool(_ANAPHORA.search(question)) and len(words) <= 9)
        if not elliptic:
            return ResolvedQuestion(question)
        if _EARLIER.search(question) or _LATER.search(question):
            step = -1 if _EARLIER.search(question) else 1
            shifted = _YEAR.sub(lambda m: str(int(m.group(1)) + step), previous)
            if shifted == previous:
                shifted = f"{previous} ({'eerder' if step < 0 else 'later'})"
            return ResolvedQuestion(shifted, carried=True, previous=previous)
        prev_sectors = self.vocab.find_all(previous)
        if own_sectors and prev_sectors:
            # "En bij de provincies?": the earlier question, about the new sector
            new_name = self.vocab.by_id[own_sectors[0]].name
            replaced = self._replace_sector(previous, prev_sectors[0], new_name)
            return ResolvedQuestion(replaced, carried=True, previous=previous)
        if own_sectors:
            return ResolvedQuestion(f"{previous.rstrip('?')} — {question}", carried=True, previous=previous)
        # "Wat waren daarvan de gevolgen?": the new question, about the earlier subject
        return ResolvedQuestion(f"{question.rstrip('?')}: {previous}", carried=True, previous=previous)

    def _replace_sector(self, text: str, sector_id: str, new_name: str) -> str:
        sec = self.vocab.by_id[sector_id]
        for alias in sorted((*sec.aliases, sec.name), key=len, reverse=True):
            pattern = re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", re.I)
            if pattern.search(text):
                return pattern.sub(new_name, text, count=1)
        return f"{text} ({new_name})"
