"""Document metadata: the catalogue file next to the corpus, with a fallback for files users add."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("bijlage", "memo", "plan van aanpak", "brief", "document")


@dataclass(frozen=True)
class CatalogueEntry:
    title: str
    kind: str
    date: str | None = None
    period: str | None = None
    short_title: str | None = None
    default_sector: str | None = None
    cite_as: str | None = None


def load_catalogue(path: Path) -> dict[str, CatalogueEntry]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: CatalogueEntry(
            title=e["title"], kind=e.get("kind", "document"), date=e.get("date"), period=e.get("period"),
            short_title=e.get("short_title"), default_sector=e.get("default_sector"), cite_as=e.get("cite_as"),
        )
        for name, e in raw.items()
        if not name.startswith("_")
    }


_DATE = re.compile(r"\b(\d{1,2})\s+(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)\s+(20\d\d|19\d\d)\b", re.I)
_MONTHS = {m: i + 1 for i, m in enumerate(
    "januari februari maart april mei juni juli augustus september oktober november december".split())}


def infer_entry(source_file: str, text: str) -> CatalogueEntry:
    """Metadata for a document not in the catalogue: first meaningful line as title, kind and date guessed."""
    lines = [l.strip(" #*\t") for l in text.splitlines() if len(l.strip(" #*\t")) > 3]
    title = (lines[0] if lines else Path(source_file).stem)[:140]
    low = text[:3000].lower()
    if "plan van aanpak" in low:
        kind = "plan van aanpak"
    elif "memo" in low[:600]:
        kind = "memo"
    elif re.search(r"\bbijlage\b", low[:600]):
        kind = "bijlage"
    elif re.search(r"geachte (heer|mevrouw|minister)", low):
        kind = "brief"
    else:
        kind = "document"
    date = None
    m = _DATE.search(text[:5000])
    if m:
        date = f"{m.group(3)}-{_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    return CatalogueEntry(title=title, kind=kind, date=date, short_title=title[:60])
