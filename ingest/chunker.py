"""StructuredChunker: blocks of one section become chunks; a chunk never crosses a section or cuts a sentence.

Chunk text is always an exact slice of the document text (``document.text[start:end]``), so a
citation can quote it verbatim and point at its offsets.
"""
from __future__ import annotations

import hashlib
import re

from .models import Block, Chunk, Document
from .sectors import SectorVocabulary
from .sentences import sentence_spans

_KNELPUNT_CUES = re.compile(
    r"knelpunt|probleem|belemmer|struikelblok|complexe opgave|ontbreken van betrouwbare|onzekerheid|"
    r"pervers|bureaucratie|tegenstrijdig|conflicterend", re.I)

OCR_REPAIRS = {
    "banenafpraak": "banenafspraak", "banenafpraken": "banenafspraken", "garantiebannen": "garantiebanen",
    "arbeidsbepikten": "arbeidsbeperkten", "arbeidsbepikte": "arbeidsbeperkte", "rechtelijke": "rechterlijke",
    "leidinggevendenden": "leidinggevenden", "opleidingslandschap": "opleidingenlandschap",
}
_OCR = re.compile(r"\b(" + "|".join(map(re.escape, OCR_REPAIRS)) + r")\b", re.I)


def normalise_for_search(text: str) -> str:
    """The search text: OCR slips repaired, bullets dropped. Never shown to users."""
    text = _OCR.sub(lambda m: OCR_REPAIRS[m.group(1).lower()], text)
    return re.sub(r"[•◦]", " ", text)


def chunk_id_for(document_id: str, text: str) -> str:
    return hashlib.sha256(f"{document_id}\x00{text}".encode()).hexdigest()[:24]


class StructuredChunker:
    def __init__(self, vocabulary: SectorVocabulary, size: int = 700, minimum: int = 120):
        self.vocab = vocabulary
        self.size = size
        self.minimum = minimum

    def chunk(self, doc: Document) -> list[Chunk]:
        groups: list[list[Block]] = []
        for block in doc.blocks:
            if groups and groups[-1][-1].section == block.section and groups[-1][-1].role != "voetnoot":
                groups[-1].append(block)
            else:
                groups.append([block])
        # A group of headings only (a table title, a chapter title) opens the group that follows it.
        merged_groups: list[list[Block]] = []
        pending: list[Block] = []
        for group in groups:
            if all(b.role == "kop" for b in group):
                pending.extend(group)
                continue
            merged_groups.append(pending + group)
            pending = []
        if pending:
            merged_groups.append(pending)
        groups = merged_groups
        spans: list[tuple[int, int, list[Block]]] = []
        for group in groups:
            spans.extend(self._pack(doc, group))
        chunks: list[Chunk] = []
        seen: set[str] = set()
        for start, end, blocks in spans:
            text = doc.text[start:end]
            if not text.strip():
                continue
            content = [b for b in blocks if b.role != "kop"] or blocks
            lead = content[0]
            role = _dominant_role(content)
            section = " › ".join(lead.section) if lead.section else (doc.short_title or doc.title)
            header = self._header(doc, section, lead.sector)
            cid = chunk_id_for(doc.document_id, text)
            if cid in seen:
                continue
            seen.add(cid)
            knelpunt = role in ("knelpunt", "oplossing") or bool(_KNELPUNT_CUES.search(text))
            chunks.append(Chunk(
                chunk_id=cid, document_id=doc.document_id, source_file=doc.source_file, title=doc.title,
                date=doc.date, kind=doc.kind, section=section, sector=lead.sector, organisation=lead.organisation,
                role=role if not (knelpunt and role == "tekst") else "knelpunt",
                table=lead.table, page=lead.page, start=start, end=end, text=text, header=header,
                search_text=normalise_for_search(f"{section}\n{text}"), alternates=list(doc.alternates),
                cite_as=doc.cite_as or _default_cite_as(doc),
            ))
        return chunks

    def _header(self, doc: Document, section: str, sector: str | None) -> str:
        year = f" ({doc.date[:4]})" if doc.date else ""
        name = self.vocab.name(sector)
        sector_part = f" | sector {name}" if name else ""
        return f"{doc.short_title or doc.title}{year} | {section}{sector_part}"

    def _pack(self, doc: Document, group: list[Block]) -> list[tuple[int, int, list[Block]]]:
        """Greedy packing of a section's blocks up to ``size``; an oversize block is split at sentence ends."""
        out: list[tuple[int, int, list[Block]]] = []
        cur: list[Block] = []
        cur_start = cur_end = 0

        def flush() -> None:
            if cur:
                out.append((cur_start, cur_end, list(cur)))

        for block in group:
            length = block.end - block.start
            if length > self.size:
                # a heading-only chunk would carry no content: keep it as the start of the next piece
                carry_start = cur_start if cur and all(b.role == "kop" for b in cur) else None
                if carry_start is None:
                    flush()
                cur = []
                pieces = self._split_block(doc, block)
                for idx, (s, e) in enumerate(pieces):
                    s0 = carry_start if (idx == 0 and carry_start is not None) else s
                    out.append((s0, e, [block]))
                continue
            if cur and (block.end - cur_start) > self.size and not all(b.role == "kop" for b in cur):
                flush()
                cur = []
            if not cur:
                cur_start = block.start
            cur.append(block)
            cur_end = block.end
        flush()
        # A too-small tail joins its predecessor when they share the section.
        merged: list[tuple[int, int, list[Block]]] = []
        for s, e, blocks in out:
            if merged and (e - s) < self.minimum and (e - merged[-1][0]) <= self.size * 1.3:
                ps, _pe, pb = merged[-1]
                merged[-1] = (ps, e, pb + blocks)
            else:
                merged.append((s, e, blocks))
        return merged

    def _split_block(self, doc: Document, block: Block) -> list[tuple[int, int]]:
        pieces: list[tuple[int, int]] = []
        cur_s: int | None = None
        cur_e = 0
        for s, e in sentence_spans(doc.text, block.start, block.end):
            if cur_s is not None and e - cur_s > self.size:
                pieces.append((cur_s, cur_e))
                cur_s = None
            if cur_s is None:
                cur_s = s
            cur_e = e
        if cur_s is not None:
            pieces.append((cur_s, cur_e))
        return pieces


def _dominant_role(blocks: list[Block]) -> str:
    roles = [b.role for b in blocks if b.role != "kop"]
    if not roles:
        return "kop"
    for preferred in ("gevolgen", "oplossing", "knelpunt", "activiteiten", "voetnoot"):
        if roles.count(preferred) * 2 >= len(roles):
            return preferred
    return roles[0]


def _default_cite_as(doc: Document) -> str:
    year = f" ({doc.date[:4]})" if doc.date else ""
    return f"{doc.short_title or doc.title}{year}"
