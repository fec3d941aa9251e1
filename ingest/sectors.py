"""The sector vocabulary (data/sectors.json): canonical sectors, aliases and employers' organisations.

Used by ingestion to label table rows and by retrieval to recognise a sector in a question. It also knows the names of
sectors outside government and education ("woningcorporaties", "banking"), which the documents do not cover.
"""
from __future__ import annotations

import json
import re
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
    return re.compile(rf"(?<![\w-]){_alias_body(alias)}(?![\w-])")


def _alias_body(alias: str) -> str:
    """The alias, lower case and escaped, with any run of white space between its words."""
    return re.escape(alias.lower()).replace(r"\ ", r"\s+")


def _head_pattern(alias: str, not_level: str) -> re.Pattern[str]:
    """``alias`` (any case) as the first part of a hyphenated compound whose second part is lower case and no level,
    or before "- en"/"- of" ("mbo- en hbo-instellingen")."""
    return re.compile(rf"(?<![\w-])(?i:{_alias_body(alias)})-(?:(?=[a-zà-ÿ]){not_level}|(?=\s+(?:en|of)\s))")


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
    def __init__(self, sectors: list[Sector], outside: tuple[str, ...] = (), compound_levels: tuple[str, ...] = ()):
        self.sectors = sectors
        self._outside = [(name.lower(), word_pattern(name)) for name in sorted(outside, key=len, reverse=True)]
        self.by_id = {s.id: s for s in sectors}
        pairs = [(alias.lower(), s.id) for s in sectors for alias in (*s.aliases, s.name)]
        # Longest alias first so "universitair medische centra" wins over shorter overlaps.
        pairs.sort(key=lambda p: -len(p[0]))
        self._patterns = [(alias, sid, word_pattern(alias)) for alias, sid in pairs]
        # the alias as the head of a hyphenated compound ("mbo-sector", "umc-medewerkers", "mbo- en hbo-instellingen"):
        # the compound is about it, unless its second part names a level or a kind of person ("mbo-niveau") or a name
        # ("kabinet-Rutte"); matched on the text as written, so the second part's capital counts
        levels = "|".join(map(re.escape, compound_levels))
        not_level = rf"(?!(?:{levels}))" if levels else ""
        self._heads = [(sid, _head_pattern(alias, not_level)) for alias, sid in pairs]

    @classmethod
    def from_file(cls, path: Path) -> "SectorVocabulary":
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls([
            Sector(s["id"], s["name"], s["group"], tuple(s["aliases"]), tuple(s.get("organisations", [])))
            for s in raw["sectors"]
        ], tuple(raw.get("outside", [])), tuple(raw.get("compound_levels", [])))

    def name(self, sector_id: str | None) -> str | None:
        return self.by_id[sector_id].name if sector_id in self.by_id else None

    def find_all(self, text: str, compounds: bool = False) -> list[str]:
        """Every sector named in ``text``, in order of first mention; overlapping shorter aliases are skipped. With
        ``compounds``, an alias heading a hyphenated compound counts too (for questions: "de mbo-sector")."""
        taken: list[tuple[int, int]] = []
        found = _claim(text.lower(), [(sid, pattern) for _alias, sid, pattern in self._patterns], taken)
        if compounds:
            found += _claim(text, self._heads, taken)
        return list(dict.fromkeys(sid for _pos, sid in sorted(found)))

    def find_outside(self, text: str) -> list[str]:
        """The sectors outside government and education that ``text`` names, longest name first; a name inside one of
        ours ("academische ziekenhuizen" is the umc's) does not count."""
        low = text.lower()
        ours = [(m.start(), m.end()) for _a, _sid, pattern in self._patterns for m in pattern.finditer(low)]
        return list(dict.fromkeys(name for _pos, name in _claim(low, self._outside, ours)))

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
