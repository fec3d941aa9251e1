"""Structure parser: cleaned lines -> labelled blocks (tables, sector rows, results, knelpunten, headings).

Knows the shapes these policy documents take: "Tabel N" activity tables whose rows are
"Sector X / organisatie" with activities and a "Gevolgen" block, page-break repeats of the
table header, "Probleem N:" knelpunten, Markdown or numbered chapter headings, footnotes.
Hard-wrapped lines are joined into paragraphs here, within one structural context.
"""
from __future__ import annotations

import re

from .cleaner import BULLET, SUB_BULLET, Line, collapse_ws, join_wrapped, should_join
from .models import Block
from .sectors import SectorVocabulary

_TABLE = re.compile(r"^Tabel\s+(\d+[A-Z]?)\b\s*(.*)$")
_ROW_START = re.compile(r"^Sector\s+\S")
_RESULTS = re.compile(r"^(Gevolgen|Resultaten)\s*:?$", re.I)
_KNELPUNTEN = re.compile(r"^(Grootste\s+)?(ervaren\s+)?knelpunten\s*:?$", re.I)
_PROBLEEM = re.compile(r"^(Probleem\s+\d+)\s*:\s*([^:]{3,80}):")
_SOLUTION = re.compile(r"^(Een\s+(mogelijke\s+)?oplossing|Een\s+andere\s+optie|Oplossing\b)", re.I)
_ROMAN_HEADING = re.compile(r"^(?:[IVX]{1,4}|[a-h]\))\.?\s+[A-Z][^\n]{2,100}$")
_NUMBER_HEADING = re.compile(r"^\d{1,2}\.\s+[A-Z][^.]{2,80}$")
_FOOTNOTE = re.compile(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹]+\s")
_KNELPUNT_HEADING = re.compile(r"knelpunt|probleem|belemmering|perspectief", re.I)
_MAX_HEADER_LINE = 30
_LIST_ITEM = re.compile(r"^\d{1,2}[.)]\s+\S")


def _norm(text: str) -> str:
    return collapse_ws(text).lower()


class StructureParser:
    """One document's lines in, its blocks out. ``default_sector`` labels text outside sector rows."""

    def __init__(self, vocabulary: SectorVocabulary, default_sector: str | None = None):
        self.vocab = vocabulary
        self.default_sector = default_sector

    def parse(self, lines: list[Line]) -> list[Block]:
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []
        self.table: str | None = None
        self.table_title: str | None = None
        self.table_header: str | None = None
        self.row: str | None = None
        self.row_sector: str | None = None
        self.row_org: str | None = None
        self.role = "tekst"
        self.extra: tuple[str, ...] = ()
        i = 0
        n = len(lines)
        while i < n:
            line = lines[i]
            text = line.text
            if line.kind == "rule":
                i += 1
                continue
            # Table title
            m = _TABLE.match(text) if line.kind in ("text", "heading") else None
            if m and len(text) < 160:
                i = self._start_table(lines, i, m)
                continue
            if self.table:
                skip = self._header_repeat(lines, i)
                if skip:
                    i += skip
                    continue
                if line.kind == "cell":
                    if _ROW_START.match(text):
                        self._start_row(text, line.page)
                    # an empty cell continues the row; a fragment of a wrapped header cell is dropped
                    i += 1
                    continue
                if line.kind == "text" and _ROW_START.match(text) and not line.cell_row:
                    i = self._start_row_wrapped(lines, i)
                    continue
            if line.kind in ("text", "cell") and _RESULTS.match(text):
                if self.row or self.table:
                    self.role = "gevolgen"
                    self.extra = ("Gevolgen",)
                    self._add("kop", text.rstrip(": "), line.page)
                    i += 1
                    continue
            if line.kind in ("text", "heading") and _KNELPUNTEN.match(text.rstrip()):
                self._leave_table()
                self.headings = [(1, text.rstrip(": "))]
                self.role = "knelpunt"
                self.extra = ()
                self._add("kop", text, line.page)
                i += 1
                continue
            pm = _PROBLEEM.match(text)
            if pm:
                self._leave_table()
                base = [h for h in self.headings if h[0] == 1][:1] or [(1, "Knelpunten")]
                self.headings = base + [(2, f"{pm.group(1)}: {pm.group(2).strip()}")]
                self.role = "knelpunt"
                self._add("text", text, line.page, force_new=True)
                i += 1
                continue
            if self.role in ("knelpunt", "oplossing") and _SOLUTION.match(text) and self.headings:
                self.role = "oplossing"
                self._add("text", text, line.page, force_new=True)
                self.role = "oplossing"
                i += 1
                continue
            if line.kind == "heading" or (not self.table and self._looks_like_heading(line)):
                level = line.level or 5
                if line.kind == "heading" and _NUMBER_HEADING.match(text):
                    level = 2
                self._leave_table()
                self._push_heading(level, text.rstrip(": ") or text)
                self._add("kop", text, line.page)
                i += 1
                continue
            if _FOOTNOTE.match(text):
                self._add("text", text, line.page, force_new=True, role="voetnoot", section=("Voetnoten",))
                i += 1
                continue
            kind = {"bullet": "bullet", "subbullet": "subbullet"}.get(line.kind, "text")
            self._add(kind, text, line.page, force_new=bool(_LIST_ITEM.match(text)))
            i += 1
        return [b for b in self.blocks if b.text.strip()]

    # -- tables ---------------------------------------------------------------------------
    def _start_table(self, lines: list[Line], i: int, m: re.Match[str]) -> int:
        self._leave_table()
        self.headings = []
        self.table = f"Tabel {m.group(1)}"
        self.table_title = collapse_ws(lines[i].text)
        self._add("kop", self.table_title, lines[i].page)
        # The column header: the lines up to the first row, when short (e.g. "Kabinet / Activiteiten").
        header: list[str] = []
        j = i + 1
        while j < len(lines) and len(header) < 5:
            t = lines[j].text
            if _ROW_START.match(t) or _TABLE.match(t):
                break
            header.append(t)
            j += 1
        joined = " ".join(header)
        if header and len(joined) < 90 and header[-1].strip().lower().endswith("activiteiten"):
            self.table_header = _norm(joined)
            return j
        self.table_header = None
        return i + 1

    def _header_repeat(self, lines: list[Line], i: int) -> int:
        """How many lines from ``i`` repeat the table header (a page break inside a table), else 0."""
        if not self.table_header:
            return 0
        acc = ""
        for k in range(i, min(i + 5, len(lines))):
            acc = f"{acc} {lines[k].text}".strip().lower()
            acc = collapse_ws(acc)
            if acc == self.table_header:
                return k - i + 1
            if not self.table_header.startswith(acc):
                return 0
        return 0

    def _start_row(self, header: str, page: int | None) -> None:
        header = collapse_ws(header)
        self.row = header
        self.row_sector = self.vocab.row_sector(header)
        org = header.split("/", 1)[1].strip() if "/" in header else None
        self.row_org = collapse_ws(org) if org else None
        self.role = "activiteiten"
        self.extra = ()
        self._add("kop", header, page)

    def _start_row_wrapped(self, lines: list[Line], i: int) -> int:
        """A row header wrapped over several short lines (PDF text of a narrow first column)."""
        header = lines[i].text
        j = i + 1
        while j < len(lines) and not self._header_complete(header):
            nxt = lines[j]
            if nxt.kind != "text" or len(nxt.text) > _MAX_HEADER_LINE or _RESULTS.match(nxt.text):
                break
            header = join_wrapped(header, nxt.text)
            j += 1
        self._start_row(header, lines[i].page)
        return j

    def _header_complete(self, header: str) -> bool:
        h = collapse_ws(header)
        if "/" not in h:
            return False
        return h.endswith(")") or self.vocab.ends_with_organisation(h) or h.lower().endswith("raad")

    def _leave_table(self) -> None:
        self.table = self.table_title = self.table_header = None
        self.row = self.row_sector = self.row_org = None
        self.role = "tekst"
        self.extra = ()

    # -- headings -------------------------------------------------------------------------
    @staticmethod
    def _looks_like_heading(line: Line) -> bool:
        t = line.text
        if line.kind != "text":
            return False
        if _ROMAN_HEADING.match(t) and len(t) < 110:
            return True
        return bool(_NUMBER_HEADING.match(t)) and len(t) < 50 and "," not in t

    def _push_heading(self, level: int, title: str) -> None:
        self.headings = [h for h in self.headings if h[0] < level] + [(level, title)]
        self.role = "knelpunt" if any(_KNELPUNT_HEADING.search(h[1]) for h in self.headings) else "tekst"
        self.extra = ()

    def _section(self) -> tuple[str, ...]:
        if self.table:
            path: tuple[str, ...] = (self.table,)
            if self.row:
                path += (self.row,)
            return path + self.extra
        return tuple(h[1] for h in self.headings[-3:]) + self.extra

    # -- blocks ---------------------------------------------------------------------------
    def _add(self, kind: str, text: str, page: int | None, force_new: bool = False,
             role: str | None = None, section: tuple[str, ...] | None = None) -> None:
        text = collapse_ws(text)
        if not text:
            return
        role = role or ("kop" if kind == "kop" else self.role)
        section = section if section is not None else self._section()
        sector = self.row_sector if self.row else self.default_sector
        last = self.blocks[-1] if self.blocks else None
        if (
            not force_new
            and kind == "text"
            and last is not None
            and last.role not in ("kop",)
            and last.section == section
            and should_join(last.text, text)
        ):
            last.text = join_wrapped(last.text, text)
            return
        if kind == "bullet":
            text = f"{BULLET} {text}"
        elif kind == "subbullet":
            text = f"{SUB_BULLET} {text}"
        self.blocks.append(Block(
            text=text, section=section, sector=sector,
            organisation=self.row_org if self.row else None,
            role=role, table=self.table_title if self.table else None, page=page,
            bullet=kind in ("bullet", "subbullet"),
        ))


def assemble_text(blocks: list[Block]) -> str:
    """Join blocks into the document text and set each block's offsets into it."""
    parts: list[str] = []
    pos = 0
    prev: Block | None = None
    for block in blocks:
        if prev is not None:
            sep = "\n" if (block.bullet and prev.bullet) else "\n\n"
            parts.append(sep)
            pos += len(sep)
        block.start = pos
        parts.append(block.text)
        pos += len(block.text)
        block.end = pos
        prev = block
    return "".join(parts)
