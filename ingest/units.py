"""Evidence units: the sentences and bullets of a chunk, each an exact slice of the cleaned text.

The same segmentation runs at ingest (each unit is embedded) and at answer time (units are scored),
so a unit's vector is found again by its offsets. Headings, table captions and letter furniture are
not units: they never answer anything and must never be shown as a point.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import sentence_spans

_BULLET = re.compile(r"^[•◦▪\-–*]\s+")
# generic document structure, in Dutch and English: captions and chapter labels, not content
_CAPTION = re.compile(r"^(tabel|table|figuur|figure|grafiek|bijlage|annex|hoofdstuk|chapter|paragraaf)\s+[\dIVXivx]",
                      re.I)
_SALUTATION = re.compile(r"^((?:Geachte|Beste|Dear)\s[^,]{2,60},\s*)")
_CLOSING = re.compile(r"^(Hoogachtend|Met vriendelijke groet|Kind regards|Yours sincerely)", re.I)
_ADDRESS = re.compile(r"\bPostbus\b|\b\d{4}\s?[A-Z]{2}\b")
_URL = re.compile(r"(?:https?://|www\.)\S+")
MAX_UNIT = 240  # a longer bullet is quoted by its sentences
MIN_UNIT = 12


@dataclass(frozen=True)
class UnitSpan:
    start: int  # offsets into the chunk text
    end: int
    bullet: bool
    paragraph: int  # offset of the line the unit belongs to


def is_heading(line: str, section: str = "") -> bool:
    """A line that labels content rather than states something: a section title, a caption, a short label."""
    s = line.strip().rstrip(":").strip()
    if not s:
        return True
    if s in {p.strip() for p in section.split("›")}:
        return True
    if _CAPTION.match(s) and len(s) < 140:
        return True
    words = s.split()
    return len(words) <= 6 and not _BULLET.match(line.strip()) and not re.search(r"[.!?;]$", s) \
        and not re.search(r"\d", re.sub(r"\b(19|20)\d\d\b", "", s))  # "Activiteiten 2016" is still a label


def unit_spans(text: str, section: str = "") -> list[UnitSpan]:
    """Units of one chunk text: bullets whole (split only when very long), other lines by sentence."""
    out: list[UnitSpan] = []
    pos = 0
    for line in text.split("\n"):
        ls, le = pos, pos + len(line)
        pos = le + 1
        if is_heading(line, section):
            continue
        salutation = _SALUTATION.match(line)
        if salutation:
            ls += salutation.end()
        bullet = _BULLET.match(line.strip())
        if bullet:
            us = ls + (len(line) - len(line.lstrip())) + bullet.end()
            spans = [(us, le)] if le - us <= MAX_UNIT else sentence_spans(text, us, le)
        else:
            spans = sentence_spans(text, ls, le)
        for s, e in spans:
            piece = text[s:e]
            stripped = piece.strip()
            if len(stripped) < MIN_UNIT:
                continue
            if (_CLOSING.match(stripped) or _ADDRESS.search(stripped)) and len(stripped) < 300:
                continue  # letter furniture: address block, closing
            if sum(len(m) for m in _URL.findall(stripped)) > len(stripped) / 2:
                continue  # a footnote that is only a web address
            s += len(piece) - len(piece.lstrip())
            out.append(UnitSpan(start=s, end=s + len(stripped), bullet=bool(bullet), paragraph=ls))
    return out
