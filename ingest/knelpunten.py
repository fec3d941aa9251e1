"""Knelpunten table: the problems a document names, taken from its structure at ingest.

The structure parser labels blocks ``knelpunt`` (the problem and its explanation) and ``oplossing`` (a proposed
solution) and gives each named problem ("Probleem 2: Meeteltermijn …") its own section. One knelpunt is one such
section: its title, a one-sentence description, the rest of the explanation as its cause, the solution blocks, and
the exact passages (offsets into the cleaned text) so every cell can be quoted and opened.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .models import Block, Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“(])")
_NUMBERED = re.compile(r"^(Probleem\s+\d+)\s*:\s*", re.I)


@dataclass
class Quote:
    role: str  # knelpunt | oplossing
    start: int
    end: int
    text: str


@dataclass
class Knelpunt:
    knelpunt_id: str
    title: str
    description: str
    cause: str
    solution: str
    document_id: str
    document_title: str
    date: str | None
    sector: str | None
    section: str
    quotes: list[Quote] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _strip_label(text: str, title: str) -> str:
    """'Probleem 1: Bureaucratie bij uitbesteding: de Wet …' -> 'De Wet …' (the title is its own column)."""
    text = _NUMBERED.sub("", text)
    if title and text.lower().startswith(title.lower()):
        text = text[len(title):].lstrip(" :")
    return text[:1].upper() + text[1:] if text else text


def _title_of(section: tuple[str, ...]) -> str:
    last = section[-1] if section else ""
    return _NUMBERED.sub("", last).strip() or last


def extract(doc: Document) -> list[Knelpunt]:
    """Every named knelpunt of ``doc``: a section below a knelpunten heading that holds problem text."""
    groups: dict[tuple[str, ...], list[Block]] = {}
    for b in doc.blocks:
        if b.role in ("knelpunt", "oplossing") and b.section:
            groups.setdefault(b.section, []).append(b)
    out: list[Knelpunt] = []
    for section, blocks in groups.items():
        problem = [b for b in blocks if b.role == "knelpunt"]
        if not problem or len(section) < 2 and not any(b.role == "oplossing" for b in blocks):
            continue  # a bare chapter about knelpunten, no named problem
        title = _title_of(section)
        body = " ".join(_strip_label(b.text, title) for b in problem)
        sents = _sentences(body)
        out.append(Knelpunt(
            knelpunt_id=f"{doc.document_id}:{len(out) + 1}", title=title,
            description=sents[0] if sents else "", cause=" ".join(sents[1:]),
            solution=" ".join(b.text for b in blocks if b.role == "oplossing"),
            document_id=doc.document_id, document_title=doc.title, date=doc.date,
            sector=next((b.sector for b in blocks if b.sector), None), section=" › ".join(section),
            quotes=[Quote(b.role, b.start, b.end, doc.text[b.start:b.end]) for b in blocks],
        ))
    return out
