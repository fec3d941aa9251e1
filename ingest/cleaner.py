"""Line-level cleaning: HTML and Markdown debris out, bullets and footnotes normalised.

The output is a list of ``Line`` objects (still one per visual line, with the table cell
of tab-separated rows kept apart) for the structure parser. Nothing here rewrites wording:
what a user later sees quoted is the source text minus markup. OCR repairs live only in the
separate search text (see ``normalise_for_search``).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

BULLET = "•"
SUB_BULLET = "◦"

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

_TAG_BREAK = re.compile(r"</?(?:p|ul|ol|div|br|tr|table|h[1-6]|li)\b[^>]*>", re.I)
_TAG_LI = re.compile(r"<li\b[^>]*>", re.I)
_TAG_ANY = re.compile(r"<[^>]+>")
# script, style and comment content is never text; an unclosed one runs to the end
_HIDDEN = re.compile(r"<(script|style|noscript|template|head)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)", re.I | re.S)
_TAG_LIKE = re.compile(r"</?[a-zA-Z][^>]*>")
_SUP = re.compile(r"<sup>\s*(\d+)\s*</sup>", re.I)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)")
_MD_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*\s*$")
_WS = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_SUB_BULLET_CHARS = "○◦▪"
_INLINE_BULLET = re.compile(r"\s*[•\uf0b7]\s*")
_INLINE_SUB_BULLET = re.compile(r"\s*[○◦▪]\s*")


@dataclass
class Line:
    text: str
    page: int | None = None
    kind: str = "text"  # text | bullet | subbullet | heading | cell | rule
    level: int = 0  # heading level
    cell_row: bool = False  # True when the line came from a tab-separated table row


def superscript(digits: str) -> str:
    return digits.translate(_SUPERSCRIPT)


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def strip_markdown_inline(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_EMPH.sub(r"\2", text)
    return text.replace("**", "")


def html_fragment_to_lines(fragment: str) -> list[str]:
    """Turn an HTML fragment into text lines: block tags break lines, list items become bullets."""
    fragment = _SUP.sub(lambda m: superscript(m.group(1)), fragment)
    fragment = _TAG_LI.sub("\n", fragment)
    fragment = _TAG_BREAK.sub("\n", fragment)
    fragment = _HIDDEN.sub("", fragment)
    fragment = _TAG_ANY.sub("", fragment)
    fragment = _TAG_LIKE.sub("", html.unescape(fragment))  # escaped markup (&lt;script&gt;) is not text either
    # Bullets written inline ("... tekst.• Volgende punt") start their own line.
    fragment = _INLINE_BULLET.sub(f"\n{BULLET} ", fragment)
    fragment = _INLINE_SUB_BULLET.sub(f"\n{SUB_BULLET} ", fragment)
    return [collapse_ws(part) for part in fragment.split("\n") if collapse_ws(part)]


def classify(text: str) -> tuple[str, str, int]:
    """Return (kind, text-without-marker, heading level) for one cleaned line."""
    heading = _MD_HEADING.match(text)
    if heading:
        return "heading", strip_markdown_inline(heading.group(2)).strip(), len(heading.group(1))
    bold = _BOLD_LINE.match(text)
    if bold and len(bold.group(1)) < 120:
        return "heading", bold.group(1).strip(), 4
    if text.startswith(BULLET) or text.startswith("\uf0b7"):
        return "bullet", text[1:].strip(), 0
    if text[0] in _SUB_BULLET_CHARS:
        return "subbullet", text[1:].strip(), 0
    if re.match(r"^o\s+\S", text) and not re.match(r"^o\s+[a-z]\s", text):
        return "subbullet", text[1:].strip(), 0
    if re.match(r"^[-*]\s+\S", text):
        raw_body = text[1:].strip()
        bold = _BOLD_LINE.match(raw_body.rstrip(";:").strip()) or _BOLD_LINE.match(raw_body)
        if bold:  # "- **Nieuwsbrief;**": a run-in heading written as a list item
            return "heading", bold.group(1).strip().rstrip(";:"), 4
        return "bullet", strip_markdown_inline(raw_body), 0
    if re.fullmatch(r"-{3,}|\*{3,}|_{3,}", text):
        return "rule", "", 0
    return "text", strip_markdown_inline(text), 0


def page_to_lines(page_text: str, page: int | None, is_html_file: bool = False) -> list[Line]:
    """Clean one page of raw text into ``Line`` objects."""
    if is_html_file:
        page_text = _strip_html_document(page_text)
    elif "<" in page_text:
        page_text = _HIDDEN.sub("", page_text)
    out: list[Line] = []
    for raw in page_text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not raw.strip():
            continue
        if "\t" in raw:
            cell, content = raw.split("\t", 1)
            cell_lines = html_fragment_to_lines(cell)
            cell_text = " ".join(cell_lines)
            out.append(Line(cell_text, page, kind="cell", cell_row=True))
            for part in html_fragment_to_lines(content.replace("\t", " ")):
                kind, body, level = classify(part)
                if body or kind == "rule":
                    out.append(Line(body, page, kind=kind, level=level, cell_row=True))
            continue
        raw = _MD_AUTOLINK.sub(r"\1", raw)
        parts = (html_fragment_to_lines(raw) if "<" in raw and ">" in raw
                 else [collapse_ws(_TAG_LIKE.sub("", html.unescape(raw)))])
        for part in parts:
            if not part:
                continue
            kind, body, level = classify(part)
            if body or kind == "rule":
                out.append(Line(body, page, kind=kind, level=level))
    return out


def _strip_html_document(text: str) -> str:
    """A whole HTML page: keep the body's text with structure, drop scripts, styles and navigation."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "form", "svg", "head"]):
        tag.decompose()
    lines: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "blockquote", "dt", "dd"]):
        if element.find(["p", "li", "td", "h1", "h2", "h3", "h4"]):
            continue  # a container; its children are visited themselves
        txt = collapse_ws(_TAG_LIKE.sub("", element.get_text(" ")))
        if not txt:
            continue
        if element.name.startswith("h"):
            lines.append("#" * int(element.name[1]) + " " + txt)
        elif element.name == "li":
            nested = len([p for p in element.parents if p.name in ("ul", "ol")])
            lines.append((SUB_BULLET if nested > 1 else BULLET) + " " + txt)
        else:
            lines.append(txt)
    if not lines:  # no block elements: fall back to all text
        lines = [collapse_ws(t) for t in soup.get_text("\n").split("\n") if collapse_ws(t)]
    return "\n".join(lines)


_TERMINAL = re.compile(r"[.!?:;]['\"”’)]*$")


def ends_sentence(text: str) -> bool:
    return bool(_TERMINAL.search(text.rstrip()))


def join_wrapped(prev: str, nxt: str) -> str:
    """Join a hard-wrapped line onto the previous one (keeps hyphens of compounds: '1%-' + 'quotum')."""
    prev = prev.rstrip()
    if prev.endswith("-") and not prev.endswith(" -") and nxt[:1].islower():
        return prev + nxt
    return f"{prev} {nxt}"


def should_join(prev: str, nxt: str) -> bool:
    """A line continues the previous one when the previous did not end a sentence, or the next starts lower case."""
    if not prev:
        return False
    return not ends_sentence(prev) or nxt[:1].islower() or nxt[:1] in "(,"
