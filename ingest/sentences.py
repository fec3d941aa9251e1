"""A small Dutch sentence splitter that respects abbreviations and numbers ("o.a.", "3.340", "art. 3.14")."""
from __future__ import annotations

import re

_ABBREVIATIONS = {
    "o.a", "m.b.v", "d.m.v", "i.c", "b.v", "c.q", "etc", "dhr", "mw", "mr", "nr", "art", "t.a.v", "i.v.m", "m.b.t",
    "t.b.v", "e.d", "z.g.a", "ca", "bijv", "o.m", "jl", "a.s", "drs", "dr", "prof", "ir", "ing", "incl", "excl",
    "resp", "evt", "vs", "blz", "p", "nl", "www", "i.p.v", "d.w.z", "m.u.v", "t/m", "e.a", "zgn", "mln", "mld",
}
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # "s", "k.h" (of "K.H. Ollongren"): initials, not a sentence end
_CANDIDATE = re.compile(r"[.!?;](?=['\"”’)]*\s+)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text[start:end]`` (offsets into ``text``), whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    seg_start = start
    for m in _CANDIDATE.finditer(text, start, end):
        cut = m.end()
        word = re.search(r"([\w./]+)$", text[seg_start:m.start()])
        token = word.group(1).lower() if word else ""
        if m.group(0) == "." and (token in _ABBREVIATIONS or _INITIALS.fullmatch(token)):
            continue
        nxt = text[cut:cut + 3].lstrip()
        if nxt and (nxt[0].islower() and m.group(0) == "."):
            continue
        spans.append((seg_start, cut))
        seg_start = cut
    spans.append((seg_start, end))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
