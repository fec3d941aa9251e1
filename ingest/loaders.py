"""Loaders turn a file on disk into pages of text. One bad file raises IngestError, never more."""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Iterator

from .errors import IngestError
from .models import LoadedFile, Page

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
SKIPPED_NAMES = {"readme.md", "catalogue.json"}


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and controls / len(sample) > 0.05


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 first; cp1252 as a fallback (old Windows exports), with a warning."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("%s is not valid UTF-8; read as cp1252", name)
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{name}: tekst is geen UTF-8 of cp1252 ({exc.reason})") from exc


class TextLoader:
    def load(self, data: bytes, name: str) -> list[Page]:
        if _looks_binary(data):
            raise IngestError(f"{name}: lijkt een binair bestand, geen tekst")
        return [Page(decode_text(data, name))]


class HtmlLoader:
    """Keeps the markup: the cleaner turns it into text with bullets and paragraphs."""

    def load(self, data: bytes, name: str) -> list[Page]:
        if _looks_binary(data):
            raise IngestError(f"{name}: lijkt een binair bestand, geen HTML")
        return [Page(decode_text(data, name))]


class PdfLoader:
    def load(self, data: bytes, name: str) -> list[Page]:
        import io

        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        if not data.lstrip()[:5].startswith(b"%PDF"):
            raise IngestError(f"{name}: geen geldig PDF-bestand (kop ontbreekt)")
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except Exception:  # noqa: BLE001 - pypdf raises several types here
                    ok = 0
                if not ok:
                    raise IngestError(f"{name}: PDF is versleuteld met een wachtwoord en kan niet worden gelezen")
            pages = [Page(page.extract_text() or "", number=i + 1) for i, page in enumerate(reader.pages)]
        except IngestError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
            raise IngestError(f"{name}: PDF is beschadigd of onleesbaar ({exc})") from exc
        except Exception as exc:  # noqa: BLE001 - a corrupt PDF may fail anywhere inside pypdf
            raise IngestError(f"{name}: PDF is beschadigd of onleesbaar ({type(exc).__name__}: {exc})") from exc
        return pages


LOADERS = {"txt": TextLoader(), "md": TextLoader(), "html": HtmlLoader(), "pdf": PdfLoader()}


def load_bytes(data: bytes, name: str) -> LoadedFile:
    """Load one file's bytes; raises IngestError with a clear reason when it cannot be used."""
    suffix = Path(name).suffix.lower()
    fmt = SUPPORTED_SUFFIXES.get(suffix)
    if fmt is None:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise IngestError(f"{name}: bestandstype '{suffix or '(geen)'}' wordt niet ondersteund (wel: {allowed})")
    if not data.strip():
        raise IngestError(f"{name}: bestand is leeg")
    pages = LOADERS[fmt].load(data, name)
    if not any(p.text.strip() for p in pages):
        raise IngestError(f"{name}: bevat geen leesbare tekst (gescande PDF zonder tekstlaag?)")
    return LoadedFile(path=name, source_file=Path(name).name, format=fmt, pages=pages, content_hash=content_hash(data))


def load_file(path: Path) -> LoadedFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path.name}: kan bestand niet lezen ({exc.strerror})") from exc
    loaded = load_bytes(data, path.name)
    loaded.path = str(path)
    return loaded


def discover(paths: list[Path]) -> Iterator[Path]:
    """Walk folders; yield supported files in a stable order. Unsupported files inside folders are ignored."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.suffix.lower() in SUPPORTED_SUFFIXES and child.name.lower() not in SKIPPED_NAMES and not child.name.startswith("."):
                    yield child
        else:
            yield path
