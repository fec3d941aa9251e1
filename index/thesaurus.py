"""Domain thesaurus (data/thesaurus.json): expands a question with synonyms and Dutch words for English terms."""
from __future__ import annotations

import json
import re
from pathlib import Path


class Thesaurus:
    def __init__(self, groups: list[list[str]]):
        self.groups = [[t.lower() for t in g] for g in groups]
        self._patterns = [
            (re.compile(r"(?<!\w)" + re.escape(term).replace(r"\ ", r"\s+") + r"(?!\w)"), gi)
            for gi, g in enumerate(self.groups) for term in sorted(g, key=len, reverse=True)
        ]

    @classmethod
    def from_file(cls, path: Path) -> "Thesaurus":
        return cls(json.loads(path.read_text(encoding="utf-8"))["groups"])

    def groups_in(self, text: str) -> list[int]:
        low = text.lower()
        found: list[int] = []
        for pattern, gi in self._patterns:
            if gi not in found and pattern.search(low):
                found.append(gi)
        return found

    def matches(self, text: str) -> list[tuple[str, list[str]]]:
        """Each term that occurs in ``text`` (the longest where terms overlap), in order, with its group's other terms."""
        low = text.lower()
        found = sorted(((m, gi) for pattern, gi in self._patterns for m in pattern.finditer(low)),
                       key=lambda p: p[0].start() - p[0].end())
        kept: list[tuple[re.Match[str], int]] = []
        for m, gi in found:
            if not any(m.start() < k.end() and k.start() < m.end() for k, _ in kept):
                kept.append((m, gi))
        out: list[tuple[str, list[str]]] = []
        for m, gi in sorted(kept, key=lambda p: p[0].start()):  # in the order of the text
            term = " ".join(m.group(0).split())
            out.append((term, [t for t in self.groups[gi] if t != term]))
        return out

    def expand(self, text: str) -> list[str]:
        """Terms to add to the question: every other member of each group the question touches."""
        low = text.lower()
        extra: list[str] = []
        for gi in self.groups_in(text):
            extra.extend(t for t in self.groups[gi] if t not in low and t not in extra)
        return extra
