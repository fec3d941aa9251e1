"""The knelpunten table served by the API: rows built at ingest, repeats folded, searchable, and a question box.

Each indexed document record carries the knelpunten that ingest found in its structure (``ingest/knelpunten.py``).
The same problem named in the 2016 annex and the 2017 update becomes one row with the later documents listed under
``also_in``. Search and questions rank rows by Dutch-analysed word overlap (the same analyzer as BM25), weighted by
how rare a word is among the rows.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from index.store import DocumentRecord
from ingest.knelpunten import Knelpunt

from .models import Answer, Citation, SourceRef


@dataclass
class KnelpuntRow(Knelpunt):
    """A knelpunt as ingest found it (quotes as stored: dicts), plus the later documents that name it too."""

    quotes: list[dict] = field(default_factory=list)
    also_in: list[SourceRef] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join((self.title, self.description, self.cause, self.solution))


def _key(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


def build_rows(records: list[DocumentRecord]) -> list[KnelpuntRow]:
    """All knelpunten of the indexed documents, oldest document first, a repeated title folded into its first row."""
    rows: dict[str, KnelpuntRow] = {}
    for rec in sorted((r for r in records if r.status == "complete"), key=lambda r: (r.date or "", r.document_id)):
        for k in rec.knelpunten:
            key = _key(k["title"])
            if key in rows:
                first = rows[key]
                if rec.document_id != first.document_id:
                    first.also_in.append(SourceRef(document_id=rec.document_id, title=rec.title,
                                                   source_file=rec.source_file, section=k["section"], date=rec.date))
                continue
            rows[key] = KnelpuntRow(**{f: k[f] for f in ("knelpunt_id", "title", "description", "cause", "solution",
                                                          "document_id", "document_title", "date", "sector",
                                                          "section", "quotes")})
    return list(rows.values())


class KnelpuntIndex:
    """Ranks rows for a search or a question. ``tokens`` is the index's Dutch analyzer."""

    def __init__(self, rows: list[KnelpuntRow], tokens):
        self.rows = rows
        self._tokens = tokens
        self._row_tokens = [Counter(tokens(r.text)) for r in rows]
        df = Counter(t for c in self._row_tokens for t in c)
        n = max(len(rows), 1)
        self._idf = {t: math.log(1 + n / d) for t, d in df.items()}

    def rank(self, query: str) -> list[tuple[KnelpuntRow, float]]:
        q = set(self._tokens(query))
        scored = [(row, sum(self._idf.get(t, 0.0) for t in q if t in toks))
                  for row, toks in zip(self.rows, self._row_tokens)]
        return sorted((s for s in scored if s[1] > 0), key=lambda s: -s[1])

    def search(self, query: str | None = None, sector: str | None = None,
               document_id: str | None = None) -> list[KnelpuntRow]:
        rows = [r for r, _ in self.rank(query)] if query and query.strip() else list(self.rows)
        if sector:
            rows = [r for r in rows if r.sector == sector]
        if document_id:
            rows = [r for r in rows if r.document_id == document_id or
                    any(a.document_id == document_id for a in r.also_in)]
        return rows

    def ask(self, question: str, limit: int = 3) -> Answer:
        """An extractive answer from the best-matching knelpunten only, each claim cited with its passage."""
        ranked = self.rank(question)
        if not ranked:
            return Answer(question=question, answer="Geen van de knelpunten in de documenten gaat hierover.",
                          abstained=True)
        best = ranked[0][1]
        chosen = [r for r, s in ranked[:limit] if s >= best * 0.5]
        lines, citations = [], []
        for row in chosen:
            marks = []
            for q in row.quotes:
                n = len(citations) + 1
                citations.append(Citation(n=n, document_id=row.document_id, title=row.document_title,
                                          source_file="", section=row.section, sector=row.sector, date=row.date,
                                          quote=q["text"], start=q["start"], end=q["end"], alternates=row.also_in))
                marks.append((q["role"], n))
            problem = "".join(f"[{n}]" for role, n in marks if role == "knelpunt")
            fix = "".join(f"[{n}]" for role, n in marks if role == "oplossing")
            line = f"**{row.title}.** {row.description} {problem}".rstrip()
            if row.solution:
                line += f" Voorgestelde oplossing: {row.solution} {fix}".rstrip()
            lines.append(line)
        intro = "Dit knelpunt past het best bij uw vraag:" if len(chosen) == 1 else \
            f"Deze {len(chosen)} knelpunten passen het best bij uw vraag:"
        body = lines[0] if len(lines) == 1 else "\n".join(f"- {ln}" for ln in lines)
        return Answer(question=question, answer=f"{intro}\n\n{body}", citations=citations)
