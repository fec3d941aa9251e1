"""Provenance of documents: bundled or uploaded, by whom, when, and whether an operator trusts an upload.

An upload's provenance lives in a small JSON file beside it (``<name>.provenance.json``), so that
``vraagbaak ingest`` and ``--reindex`` rebuild uploads exactly as the API recorded them.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ingest.models import Provenance

SIDECAR_SUFFIX = ".provenance.json"


def answerable(meta: dict[str, Any], trust_uploads: bool) -> bool:
    """May this chunk be used in answers? Bundled always; an upload once trusted (or when all uploads are)."""
    return meta.get("source", "bundled") != "upload" or trust_uploads or bool(meta.get("trusted"))


def sidecar_path(file: Path) -> Path:
    return file.with_name(file.name + SIDECAR_SUFFIX)


def is_inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def read_provenance(file: Path, uploads_dir: Path) -> Provenance:
    """Bundled unless the file lies in the uploads folder; then what its sidecar says (untrusted if it has none)."""
    if not is_inside(file, uploads_dir):
        return Provenance()
    try:
        raw = json.loads(sidecar_path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = {}
    return Provenance(source="upload", uploader=raw.get("uploader"), uploaded_at=raw.get("uploaded_at"),
                      trusted=bool(raw.get("trusted", False)))


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a unique temp file in the same folder, then rename: never a torn file, never a shared temp name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_provenance(file: Path, prov: Provenance) -> None:
    atomic_write(sidecar_path(file), json.dumps(
        {"source": prov.source, "uploader": prov.uploader, "uploaded_at": prov.uploaded_at,
         "trusted": prov.trusted}, ensure_ascii=False).encode())
