"""Data types that flow out of ingestion."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    """One page of a loaded file (a text file is a single page without a number)."""

    text: str
    number: int | None = None


@dataclass
class LoadedFile:
    path: str
    source_file: str
    format: str  # txt | md | html | pdf
    pages: list[Page]
    content_hash: str


@dataclass
class Block:
    """A paragraph or bullet of the cleaned text with its place in the document structure."""

    text: str
    section: tuple[str, ...] = ()
    sector: str | None = None
    organisation: str | None = None
    role: str = "tekst"  # tekst | activiteiten | gevolgen | knelpunt | oplossing | voetnoot | kop
    table: str | None = None
    page: int | None = None
    bullet: bool = False
    start: int = 0  # offsets into Document.text, set when the document text is assembled
    end: int = 0


@dataclass
class Provenance:
    """Where a document came from: the bundled set, or an upload (with who uploaded it, when, and whether an
    operator has trusted it for answers)."""

    source: str = "bundled"  # bundled | upload
    uploader: str | None = None
    uploaded_at: str | None = None
    trusted: bool = True


@dataclass
class Document:
    document_id: str
    source_file: str
    content_hash: str
    title: str
    date: str | None
    kind: str
    period: str | None
    format: str
    text: str
    blocks: list[Block]
    short_title: str | None = None
    cite_as: str | None = None
    alternates: list[str] = field(default_factory=list)
    provenance: "Provenance" = field(default_factory=lambda: Provenance())

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None


@dataclass
class Chunk:
    chunk_id: str
    document_id: str
    source_file: str
    title: str
    date: str | None
    kind: str
    section: str
    sector: str | None
    organisation: str | None
    role: str
    table: str | None
    page: int | None
    start: int
    end: int
    text: str
    header: str
    search_text: str
    alternates: list[str] = field(default_factory=list)
    repeat_group: str | None = None
    cite_as: str | None = None

    @property
    def embed_text(self) -> str:
        """What the dense model sees: a short context header, then the passage."""
        return f"{self.header}\n{self.text}"
