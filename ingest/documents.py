"""DocumentBuilder: a loaded file plus its catalogue entry becomes a cleaned, structured Document."""
from __future__ import annotations

import re
from pathlib import Path

from .catalogue import CatalogueEntry, infer_entry
from .cleaner import page_to_lines
from .models import Document, LoadedFile, Provenance
from .sectors import SectorVocabulary
from .structure import StructureParser, assemble_text


UPLOAD_PREFIX = "upload-"


def document_id_for(source_file: str, source: str = "bundled") -> str:
    """A document's id from its file name; uploads get their own namespace so they never replace a bundled one."""
    stem = Path(source_file).stem.lower()
    base = re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-") or "document"
    return UPLOAD_PREFIX + base if source == "upload" else base


class DocumentBuilder:
    def __init__(self, vocabulary: SectorVocabulary, catalogue: dict[str, CatalogueEntry] | None = None):
        self.vocab = vocabulary
        self.catalogue = catalogue or {}

    def build(self, loaded: LoadedFile, provenance: Provenance | None = None) -> Document:
        provenance = provenance or Provenance()
        lines = []
        for page in loaded.pages:
            lines.extend(page_to_lines(page.text, page.number, is_html_file=loaded.format == "html"))
        # title, kind and date of an uncatalogued file come from the cleaned lines, never from raw markup
        catalogued = self.catalogue.get(loaded.source_file) if provenance.source == "bundled" else None
        entry = catalogued or infer_entry(loaded.source_file, "\n".join(line.text for line in lines))
        blocks = StructureParser(self.vocab, default_sector=entry.default_sector).parse(lines)
        text = assemble_text(blocks)
        return Document(
            document_id=document_id_for(loaded.source_file, provenance.source), source_file=loaded.source_file,
            content_hash=loaded.content_hash, title=entry.title, short_title=entry.short_title,
            date=entry.date, kind=entry.kind, cite_as=entry.cite_as, period=entry.period, format=loaded.format,
            text=text, blocks=blocks, provenance=provenance,
        )
