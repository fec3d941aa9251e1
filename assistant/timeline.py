"""A sector's timeline: per document and date, its activities and results as points, repeats folded, news marked.

Points are the bullets (or else the sentences) of the sector's passages, each with offsets into the cleaned text so
the page can open it in the document. A point that says (nearly) what an earlier document already said is folded
under "ook in …" (word-set overlap, robust to the OCR slips between the extractions); a point that no earlier
document has is marked new. ``compare`` puts two years side by side.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_BULLET_SPLIT = re.compile(r"\s*[•○▪◦]\s+|\n+\s*[-*]\s+|\n{2,}")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9“\"(])")
_WORD = re.compile(r"\w+")
SAME = 0.6  # word-set Jaccard from which two points count as the same point
_ROLES = {"activiteiten": "activiteit", "gevolgen": "resultaat", "tekst": "activiteit"}


@dataclass
class Point:
    text: str
    role: str  # activiteit | resultaat
    document_id: str
    start: int
    end: int
    new: bool = False
    also_in: list[dict] = field(default_factory=list)

    @property
    def words(self) -> set[str]:
        return {w for w in _WORD.findall(self.text.lower()) if len(w) > 2}


def similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= SAME or (min(len(a), len(b)) >= 6 and len(a & b) / min(len(a), len(b)) >= 0.9)


def split_points(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each bullet, or each sentence when the passage has no bullets; short debris dropped."""
    pieces: list[tuple[int, str]] = []
    pos = 0
    parts = _BULLET_SPLIT.split(text)
    if len(parts) == 1:
        parts = _SENTENCE.split(text)
    for part in parts:
        idx = text.find(part, pos)
        if idx < 0:
            continue
        pos = idx + len(part)
        clean = part.strip()
        if len(_WORD.findall(clean)) >= 4:
            pieces.append((idx + (len(part) - len(part.lstrip())), clean))
    return pieces


def sector_points(chunks: dict[str, dict[str, Any]], text_of, sector: str) -> dict[str, list[Point]]:
    """The sector's points per document, in text order."""
    by_doc: dict[str, list[tuple[int, str, dict]]] = {}
    for cid, meta in chunks.items():
        if meta.get("sector") == sector and meta.get("role") in _ROLES:
            by_doc.setdefault(meta["document_id"], []).append((meta.get("start") or 0, cid, meta))
    out: dict[str, list[Point]] = {}
    for doc, items in by_doc.items():
        points: list[Point] = []
        for start, cid, meta in sorted(items, key=lambda x: x[0]):
            labels = {_label(part) for part in (meta.get("section") or "").split("›")}
            for off, text in split_points(text_of(cid)):
                if _label(text) in labels:
                    continue  # the row or section label itself, not a point
                points.append(Point(text=text, role=_ROLES[meta["role"]], document_id=doc, start=start + off,
                                    end=start + off + len(text)))
        out[doc] = points
    return out


def _label(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def build_timeline(points: dict[str, list[Point]], documents: dict[str, dict]) -> list[dict]:
    """Documents oldest first; in each, new points and repeats of earlier documents apart."""
    order = sorted(points, key=lambda d: (documents.get(d, {}).get("date") or "", d))
    seen: list[Point] = []
    out = []
    for i, doc in enumerate(order):
        fresh, repeated = [], []
        for p in points[doc]:
            earlier = [q for q in seen if similar(p.words, q.words)]
            if earlier:
                ids = list(dict.fromkeys(q.document_id for q in earlier))
                p.also_in = [_ref(documents, d) for d in ids]
                repeated.append(p)
            else:
                p.new = i > 0
                fresh.append(p)
        seen.extend(points[doc])
        meta = documents.get(doc, {})
        out.append({**_ref(documents, doc), "period": meta.get("period"),
                    "activities": [asdict(p) for p in fresh if p.role == "activiteit"],
                    "results": [asdict(p) for p in fresh if p.role == "resultaat"],
                    "repeated": [asdict(p) for p in repeated]})
    return out


def compare(points: dict[str, list[Point]], documents: dict[str, dict], a: str, b: str) -> dict:
    """Points of the documents dated in year ``a`` against those of year ``b``: only in a, in both, new in b."""
    def of_year(y: str) -> list[Point]:
        return [p for d, ps in points.items() if (documents.get(d, {}).get("date") or "").startswith(y) for p in ps]

    pa, pb = of_year(a), of_year(b)
    both = [(p, q) for q in pb for p in pa if similar(p.words, q.words)]
    matched_a = {id(p) for p, _ in both}
    matched_b = {id(q) for _, q in both}
    seen_b: set[int] = set()
    pairs = []
    for p, q in both:
        if id(q) not in seen_b:
            seen_b.add(id(q))
            pairs.append({"from": asdict(p), "to": asdict(q)})
    docs = lambda y: [_ref(documents, d) for d in points if (documents.get(d, {}).get("date") or "").startswith(y)]
    return {"from_year": a, "to_year": b, "from_documents": docs(a), "to_documents": docs(b),
            "only_from": [asdict(p) for p in pa if id(p) not in matched_a], "both": pairs,
            "only_to": [asdict(q) for q in pb if id(q) not in matched_b]}


def _ref(documents: dict[str, dict], doc: str) -> dict:
    meta = documents.get(doc, {})
    return {"document_id": doc, "title": meta.get("title", doc), "short_title": meta.get("short_title"),
            "date": meta.get("date")}
