"""The sector vocabulary (data/sectors.json): canonical sectors, aliases and employers' organisations.

Used by ingestion to label table rows and by retrieval to recognise a sector in a question. It also knows the names of
sectors outside government and education ("woningcorporaties", "banking"), which the documents do not cover.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Sector:
    id: str
    name: str
    group: str
    aliases: tuple[str, ...]
    organisations: tuple[str, ...]


def word_pattern(alias: str) -> re.Pattern[str]:
    """``alias`` as whole words of lower-case text, any run of white space between its words."""
    escaped = re.escape(alias.lower()).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w-]){escaped}(?![\w-])")


def _claim(low: str, patterns: list[tuple[str, re.Pattern[str]]],
           taken: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(position, key) of each pattern's matches in turn, skipping a match that overlaps one taken before (``taken``
    grows with each match kept)."""
    found: list[tuple[int, str]] = []
    for key, pattern in patterns:
        for m in pattern.finditer(low):
            if not any(m.start() < e and s < m.end() for s, e in taken):
                taken.append((m.start(), m.end()))
                found.append((m.start(), key))
    return found


class SectorVocabulary:
    def __init__(self, sectors: list[Sector], outside: tuple[str, ...] = (), outside_heads: tuple[str, ...] = ()):
        self.sectors = sectors
        self._outside = [(name.lower(), word_pattern(name)) for name in sorted(outside, key=len, reverse=True)]
        # a compound on a sector word ("supermarktbranche", "horecasector") names a sector of the economy too
        self._compound = re.compile(rf"\b(([a-zà-ÿ]{{3,}}?)-?(?:{'|'.join(map(re.escape, outside_heads))}))\b") \
            if outside_heads else None
        self._alias_words = {w for s in sectors for a in (*s.aliases, s.name) for w in re.findall(r"[a-zà-ÿ]+", a.lower())}
        self.by_id = {s.id: s for s in sectors}
        pairs = [(alias.lower(), s.id) for s in sectors for alias in (*s.aliases, s.name)]
        # Longest alias first so "universitair medische centra" wins over shorter overlaps.
        pairs.sort(key=lambda p: -len(p[0]))
        self._patterns = [(alias, sid, word_pattern(alias)) for alias, sid in pairs]

    @classmethod
    def from_file(cls, path: Path) -> "SectorVocabulary":
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls([
            Sector(s["id"], s["name"], s["group"], tuple(s["aliases"]), tuple(s.get("organisations", [])))
            for s in raw["sectors"]
        ], tuple(raw.get("outside", [])), tuple(raw.get("outside_heads", [])))

    def name(self, sector_id: str | None) -> str | None:
        return self.by_id[sector_id].name if sector_id in self.by_id else None

    def find_all(self, text: str) -> list[str]:
        """Every sector named in ``text``, in order of first mention; overlapping shorter aliases are skipped."""
        found = _claim(text.lower(), [(sid, pattern) for _alias, sid, pattern in self._patterns], [])
        return list(dict.fromkeys(sid for _pos, sid in sorted(found)))

    def find_outside(self, text: str, known: Callable[[str], bool] = lambda _word: True) -> list[str]:
        """The sectors outside government and education that ``text`` names, longest name first; a name inside one of
        ours ("academische ziekenhuizen" is the umc's) does not count. A compound on a sector word counts when
        ``known`` says the documents do not use it ("supermarktbranche"; not "onderwijssector")."""
        low = text.lower()
        ours = [(m.start(), m.end()) for _a, _sid, pattern in self._patterns for m in pattern.finditer(low)]
        found = [name for _pos, name in _claim(low, self._outside, ours)]
        if self._compound is not None:
            found += [m.group(1) for m in self._compound.finditer(low)
                      if not any(known(m.group(1) + ending) for ending in ("", "en", "s")) and not self._ours(m.group(2))
                      and not any(a <= m.start() < b for a, b in ours)]
        return list(dict.fromkeys(found))

    def _ours(self, modifier: str) -> bool:
        """The first part of a compound names one of our sectors ("politie" in "politiesector", "rijks")."""
        return any(m in self._alias_words for m in (modifier, modifier.rstrip("s"), modifier.rstrip("s-")))

    def find(self, text: str) -> str | None:
        hits = self.find_all(text)
        return hits[0] if hits else None

    def resolve(self, value: str) -> str | None:
        """A sector id from an id, a name or an alias (for filters typed by people)."""
        v = value.strip().lower()
        if v in self.by_id:
            return v
        for alias, sid, _p in self._patterns:
            if v == alias:
                return sid
        return self.find(v)

    def row_sector(self, row_header: str) -> str | None:
        """The sector of a table row header such as 'Sector Provincies / Interprovinciaal Overleg (IPO)'."""
        head = row_header.split("/", 1)[0]
        return self.find(head) or self.find(row_header)

    def ends_with_organisation(self, text: str) -> bool:
        low = re.sub(r"\s+", " ", text).strip().lower()
        return any(low.endswith(org.lower()) for s in self.sectors for org in s.organisations)


@lru_cache(maxsize=4)
def load_vocabulary(path: str) -> SectorVocabulary:
    return SectorVocabulary.from_file(Path(path))
