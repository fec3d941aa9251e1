"""Pure rendering rules of the chat page: clean answer Markdown, source labels, citation links, export.

Kept free of Streamlit so the rules can be tested on their own; whatever Markdown the API returns goes through
``clean_answer`` before it is shown:
- a bullet that is only a caption (a table or section title: short, no sentence end) becomes a bold label line;
- a label such as "Gevolgen:" glued to the end of a bullet starts its own line;
- a line ending in "…" or "..." is cut back to its last whole sentence (or loses the ellipsis);
- a line that repeats an earlier line, or a bold title repeated in its own line, is dropped (no title twice);
- ``[n]`` markers become links that open source n.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]

_BULLET = re.compile(r"^(\s*)([-*•]|\d+[.)])\s+(.*)$")
_SENTENCE_END = re.compile(r"[.!?:;)\]”\"']$")
_CITE = re.compile(r"\[(\d{1,2})\](?!\()")
_GLUED_LABEL = re.compile(r"(?<=[.!?\]])\s+([A-Z][a-zë]+(?: [a-zë]+)?):(?:\s+|$)")
_TRAILING_MARKS = re.compile(r"((?:\s*\[\d+\])+)\s*$")
_ELLIPSIS = re.compile(r"\s*(…|\.\.\.)\s*$")
_LEADING_ELLIPSIS = re.compile(r"^(\s*(?:[-*•]\s+)?)(…|\.\.\.)\s*")
_LAST_SENTENCE = re.compile(r"^(.*[.!?])(?:\s*(?:\[\d+\])+)?\s+[^.!?]*$", re.S)


def nl_date(iso: str | None) -> str:
    """'2017-04-01' -> '1 april 2017'; unknown parts are left out."""
    if not iso:
        return ""
    parts = iso[:10].split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return parts[0]


def _norm(line: str) -> str:
    return re.sub(r"[\W_]+", " ", re.sub(r"\[\d+\]", "", line)).strip().lower()


def _is_caption(text: str) -> bool:
    words = text.split()
    return bool(words) and len(words) <= 12 and not _SENTENCE_END.search(text.strip()) and not _CITE.search(text)


def _trim_ellipsis(text: str) -> str:
    """A line cut off with "…" (before its [n] markers or not) ends at its last whole sentence instead."""
    text = _LEADING_ELLIPSIS.sub(r"\1", text)
    marks = _TRAILING_MARKS.search(text)
    tail = marks.group(1) if marks else ""
    body = text[:marks.start()] if marks else text
    if not _ELLIPSIS.search(body):
        return text
    body = _ELLIPSIS.sub("", body)
    m = _LAST_SENTENCE.match(body)
    body = m.group(1) if m and len(m.group(1)) > 20 else body.rstrip(",;: ") + "."
    return body + tail


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _drop_repeated_title(line: str) -> str:
    """'**Probleem 1: X** (bron): Probleem 1: X: de Wet …' -> '**Probleem 1: X** (bron): de Wet …'."""
    for m in _BOLD.finditer(line):
        title = m.group(1).strip().rstrip(":.")
        if len(title) < 8:
            continue
        rest = line[m.end():]
        i = rest.lower().find(title.lower())
        if i >= 0:
            return line[:m.end()] + rest[:i] + rest[i + len(title):].lstrip(" :.")
    return line


def clean_answer(markdown: str) -> str:
    """Apply the rendering rules (module docstring) to answer Markdown; [n] markers stay as they are."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in (markdown or "").splitlines():
        # a label glued to the end of a sentence ("… gerealiseerd. Gevolgen: …") starts its own line
        pieces = _GLUED_LABEL.split(raw)
        lines = [pieces[0]]
        for label, rest in zip(pieces[1::2], pieces[2::2]):
            lines += ["", f"**{label}:**", ""]
            if rest.strip():
                lines.append(f"- {rest}" if _BULLET.match(raw) else rest)
        for line in lines:
            line = _drop_repeated_title(_trim_ellipsis(line.rstrip()))
            m = _BULLET.match(line)
            if m and _is_caption(m.group(3)):
                line = f"**{m.group(3).strip().rstrip(':')}**"
            key = _norm(line)
            if key and len(key) > 3:
                if key in seen:
                    continue
                seen.add(key)
            if not line.strip() and out and not out[-1].strip():
                continue
            out.append(line)
    return "\n".join(out).strip()


def link_citations(markdown: str, key: str, known: set[int]) -> str:
    """[n] -> a link that opens source n of this answer (the page script opens the matching <details>)."""
    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="cite" href="#bron-{key}-{n}" data-bron="bron-{key}-{n}">[{n}]</a>'
    return _CITE.sub(sub, markdown)


def source_label(c: dict, short_titles: dict[str, str] | None = None) -> str:
    """'[2] Update activiteiten 2017 (VSO) · 1 april 2017 · Tabel 3 › Sector Provincies · p. 4'.

    Names the document by its (short) title, never by its file name; the section (or else the sector) tells
    fifteen sources of one document apart."""
    title = (short_titles or {}).get(c.get("document_id", "")) or c.get("title") or "Document"
    parts = [title, nl_date(c.get("date"))]
    where = c.get("section") or (f"sector {c['sector']}" if c.get("sector") else "")
    parts.append(where)
    if c.get("page"):
        parts.append(f"p. {c['page']}")
    if c.get("source") == "upload":
        parts.append("geüpload document, geen officiële bron")
    return f"[{c['n']}] " + " · ".join(p for p in parts if p)


def first_sentence(quote: str, limit: int = 180) -> str:
    """The quote's first whole sentence when it is short enough to tell sources apart; else ''."""
    m = re.match(r"\s*[•○\-]?\s*(.+?[.!?])(\s|$)", " ".join(quote.split()))
    return m.group(1) if m and len(m.group(1)) <= limit else ""


def document_link(c: dict) -> str:
    """Relative link to the Documenten page, opened at the quote."""
    return "documenten?" + urlencode({"doc": c["document_id"], "van": c["start"], "tot": c["end"]})


def quote_in_context(full: str, c: dict, width: int = 350) -> str:
    """HTML: the quote highlighted in its surrounding text, or the quote alone when the offsets do not match."""
    s, e = c.get("start", 0), c.get("end", 0)

    def esc(t: str) -> str:
        return html.escape(t).replace("\n", "<br>")

    if full and full[s:e] == c.get("quote"):
        before, after = full[max(0, s - width):s], full[e:e + width]
        before = before[before.find(" ") + 1:] if s > width else before
        after = after[:after.rfind(" ")] if e + width < len(full) else after
        return f"<div class='ctx'>{esc(before)}<mark>{esc(c['quote'])}</mark>{esc(after)}</div>"
    return f"<div class='ctx'><mark>{esc(c.get('quote', ''))}</mark></div>"


def export_markdown(turns: list[dict]) -> str:
    """A conversation (or one answer) as Markdown: question, answer, numbered sources with their quotes."""
    lines = ["# Vraagbaak Banenafspraak", ""]
    for t in turns:
        if t.get("role") == "user":
            lines += [f"## {t['content']}", ""]
            continue
        lines += [clean_answer(t.get("content", "")), ""]
        cits = t.get("citations") or []
        if cits:
            lines += ["**Bronnen**", ""]
            for c in cits:
                lines.append(f"{c['n']}. {source_label(c).split('] ', 1)[1]}")
                quote = " ".join(c.get("quote", "").split())
                lines += [f"   > {quote}", ""]
    return "\n".join(lines).rstrip() + "\n"


def filter_summary(filters: dict | None, names: dict[str, str]) -> str:
    """'sector: Gemeenten, Provincies' for the filter chip; '' when nothing is filtered."""
    if not filters:
        return ""
    parts = []
    if filters.get("sector"):
        parts.append("sector: " + ", ".join(names.get(s, s) for s in filters["sector"]))
    if filters.get("document_id"):
        parts.append("document: " + ", ".join(names.get(d, d) for d in filters["document_id"]))
    return " · ".join(parts)
