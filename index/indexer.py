"""Indexer: files -> documents -> chunks -> Chroma + BM25, idempotent and incremental.

Order of writes per changed document (so a SIGKILL anywhere leaves something the next run repairs):
registry record marked ``pending`` -> its old chunks deleted -> new chunks added -> record ``complete``.
Chunks whose document has no registry record are orphans and are swept on every run.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.catalogue import CatalogueEntry, load_catalogue
from ingest.chunker import StructuredChunker
from ingest.dedup import DOCUMENT_THRESHOLD, find_duplicate_documents, link_repeated_passages, messiness, signature, similarity
from ingest.documents import DocumentBuilder, document_id_for
from ingest.errors import IngestError
from ingest.knelpunten import extract as extract_knelpunten
from ingest.loaders import discover, load_bytes, load_file
from ingest.models import Chunk, Document, LoadedFile, Provenance
from ingest.sectors import SectorVocabulary
from ingest.units import unit_spans

from .config import IndexConfig
from .embeddings import EmbeddingCache, get_embeddings, model_name
from .lexical import LexicalIndex
from .locking import index_lock
from .provenance import atomic_write, is_inside, read_provenance, sidecar_path, write_provenance
from .store import ChromaStore, DocumentRecord

log = logging.getLogger(__name__)
PIPELINE_VERSION = "9"  # 4: units embedded at ingest; 5: web-address footnotes no units; 6: long bullets by sentence; 7: "wij/jullie/onze" stop words, year labels no units; 8: knelpunten table in the document record; 9: initials ("K.H. Ollongren") end no sentence


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (alternate file, primary document)
    pruned: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0
    orphans_removed: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.repaired or self.pruned or self.orphans_removed
                    or self.chunks_written)

    def summary(self) -> str:
        if not self.changed and not self.failed:
            return f"Niets te doen: {len(self.unchanged)} document(en) ongewijzigd, niets geschreven."
        parts = [f"{len(self.added)} nieuw", f"{len(self.updated)} bijgewerkt", f"{len(self.unchanged)} ongewijzigd"]
        if self.repaired:
            parts.append(f"{len(self.repaired)} hersteld")
        if self.pruned:
            parts.append(f"{len(self.pruned)} verwijderd")
        if self.alternates:
            parts.append(f"{len(self.alternates)} dubbele extractie(s) als alternatieve bron")
        if self.failed:
            parts.append(f"{len(self.failed)} overgeslagen")
        return f"{', '.join(parts)}; {self.chunks_written} chunks geschreven in {self.seconds:.1f} s."


@dataclass
class UploadItem:
    """One uploaded file waiting in a job: its name, where its bytes are staged, who uploaded it and when."""

    name: str
    staged: Path
    uploader: str
    uploaded_at: str


@dataclass
class UploadOutcome:
    file: str
    status: int  # HTTP-style: 201 added, 200 updated or unchanged, 409 refused, 415/422 unusable
    outcome: str  # added | updated | unchanged | refused | failed
    detail: str
    document_id: str | None = None


class DocumentNotFound(KeyError):
    pass


class NotAnUpload(ValueError):
    pass


def chunk_metadata(chunk: Chunk, sectors: SectorVocabulary, provenance: Provenance | None = None) -> dict:
    meta = {
        "document_id": chunk.document_id, "source_file": chunk.source_file, "title": chunk.title,
        "date": chunk.date, "year": int(chunk.date[:4]) if chunk.date else None, "kind": chunk.kind,
        "section": chunk.section, "sector": chunk.sector, "organisation": chunk.organisation, "role": chunk.role,
        "table": chunk.table, "page": chunk.page, "start": chunk.start, "end": chunk.end, "header": chunk.header,
        "search_text": chunk.search_text, "alternates": "|".join(chunk.alternates),
        "repeat_group": chunk.repeat_group or "", "knelpunt": chunk.role in ("knelpunt", "oplossing"),
        "mentions": "|".join(sectors.find_all(chunk.text)), "cite_as": chunk.cite_as,
        "source": (provenance or Provenance()).source, "trusted": (provenance or Provenance()).trusted,
    }
    return {k: v for k, v in meta.items() if v is not None}


class Indexer:
    def __init__(self, settings: IndexConfig, store: ChromaStore | None = None, embeddings=None):
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self.vocab = SectorVocabulary.from_file(settings.sectors_path)
        self.chunker = StructuredChunker(self.vocab, size=settings.chunk_size, minimum=settings.chunk_min)
        self.fingerprint = f"{PIPELINE_VERSION}|{settings.chunk_size}|{settings.chunk_min}"
        self._embeddings = embeddings
        self._cache: EmbeddingCache | None = None

    @property
    def cache(self) -> EmbeddingCache:
        if self._cache is None:
            self._cache = EmbeddingCache(self.settings.embedding_cache_path, model_name(self.embeddings))
        return self._cache

    @property
    def embeddings(self):
        if self._embeddings is None:
            self._embeddings = get_embeddings(self.settings.embedding_model, self.settings.embedding_batch_size)
        return self._embeddings

    def _catalogue_for(self, path: Path, cache: dict[Path, dict[str, CatalogueEntry]]) -> dict[str, CatalogueEntry]:
        folder = path.parent
        if folder not in cache:
            merged = dict(load_catalogue(self.settings.corpus_dir / "catalogue.json"))
            merged.update(load_catalogue(folder / "catalogue.json"))
            cache[folder] = merged
        return cache[folder]

    def ingest(self, paths: list[Path] | None = None, prune: bool = False, reindex: bool = False,
               progress: Callable[[str, int, int], None] | None = None) -> IngestReport:
        with index_lock(self.settings.index_lock_path):
            return self._ingest(paths, prune, reindex, progress)

    def _ingest(self, paths, prune, reindex, progress) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        paths = list(paths or self.default_paths())
        uploads = self.settings.uploads_dir
        if reindex and uploads.is_dir() and not any(is_inside(uploads, p) for p in paths):
            paths.append(uploads)  # a re-index rebuilds uploads too: their files and provenance are kept
        files = list(discover(paths))
        loaded: list[LoadedFile] = []
        for f in files:
            try:
                loaded.append(load_file(f))
            except IngestError as exc:
                report.failed.append((f.name, str(exc)))
                log.warning("overgeslagen: %s", exc)
        return self._ingest_loaded(loaded, report, started, prune=prune, reindex=reindex, progress=progress,
                                   catalogue_paths=files, roots=[p.resolve() for p in paths])

    def default_paths(self) -> list[Path]:
        """The bundled corpus, plus the documents users uploaded through the API."""
        uploads = self.settings.uploads_dir
        return [self.settings.corpus_dir] + ([uploads] if uploads.is_dir() else [])

    # -- uploads ----------------------------------------------------------------------------
    def ingest_uploads(self, items: list[UploadItem]) -> list[UploadOutcome]:
        """Index uploaded files as uploads: own id namespace, provenance recorded; a file whose id or content
        clashes with an indexed document is refused and nothing of it is kept."""
        with index_lock(self.settings.index_lock_path):
            return self._ingest_uploads(items)

    def _ingest_uploads(self, items: list[UploadItem]) -> list[UploadOutcome]:
        started = time.perf_counter()
        report = IngestReport()
        existing = {r.document_id: r for r in self.store.documents()}
        outcomes: dict[str, UploadOutcome] = {}
        accepted: list[tuple[UploadItem, bytes, LoadedFile]] = []
        batch_sigs: dict[str, list[int]] = {}
        uploads = self.settings.uploads_dir
        for item in items:
            name = Path(item.name).name
            try:
                data = item.staged.read_bytes()
                lf = load_bytes(data, name)
            except IngestError as exc:
                outcomes[name] = UploadOutcome(name, 415 if "bestandstype" in str(exc) else 422, "failed", str(exc))
                continue
            except OSError as exc:
                outcomes[name] = UploadOutcome(name, 422, "failed", f"{name}: kon het bestand niet lezen ({exc.strerror})")
                continue
            did = document_id_for(name, "upload")
            rec = existing.get(did)
            if rec is not None and rec.source_file != name:
                outcomes[name] = UploadOutcome(name, 409, "refused", f"{name}: het document-id '{did}' is al in gebruik "
                                               f"voor '{rec.source_file}'; geef het bestand een andere naam.", did)
                continue
            if did in batch_sigs:
                outcomes[name] = UploadOutcome(name, 409, "refused", f"{name}: een ander bestand in deze upload krijgt "
                                               f"hetzelfde document-id '{did}'.", did)
                continue
            sig = signature("\n".join(p.text for p in lf.pages))
            twin = next((r for r in existing.values() if r.document_id != did and r.signature
                         and similarity(sig, r.signature) >= DOCUMENT_THRESHOLD), None)
            twin_id = twin.document_id if twin else next(
                (d for d, s in batch_sigs.items() if similarity(sig, s) >= DOCUMENT_THRESHOLD), None)
            if twin_id:
                title = twin.title if twin else twin_id
                outcomes[name] = UploadOutcome(name, 409, "refused", f"{name}: is (bijna) gelijk aan het document "
                                               f"'{title}' ({twin_id}) dat al in de index staat; niet toegevoegd.", did)
                continue
            batch_sigs[did] = sig
            lf.path = str(uploads / name)
            accepted.append((item, data, lf))
        provenance = {lf.path: Provenance(source="upload", uploader=item.uploader, uploaded_at=item.uploaded_at,
                                          trusted=False) for item, _d, lf in accepted}
        docs, meta, paths = self._build_docs([lf for _i, _d, lf in accepted], report, provenance)
        for item, data, lf in accepted:
            did = document_id_for(lf.source_file, "upload")
            if did not in docs:
                why = next((w for f, w in report.failed if f == lf.source_file), f"{lf.source_file}: niet bruikbaar")
                outcomes[lf.source_file] = UploadOutcome(lf.source_file, 422, "failed", why, did)
                continue
            rec = existing.get(did)
            if rec is not None and rec.content_hash == docs[did].content_hash:
                docs[did].provenance = Provenance("upload", rec.uploader, rec.uploaded_at, rec.trusted)
                continue  # the same file again: nothing to write, provenance of the first upload stays
            atomic_write(Path(lf.path), data)
            write_provenance(Path(lf.path), docs[did].provenance)
        report.failed.clear()
        self._apply(docs, meta, paths, report, started, prune=False, reindex=False, progress=None, roots=[])
        for item, _data, lf in accepted:
            name, did = lf.source_file, document_id_for(lf.source_file, "upload")
            if name in outcomes:
                continue
            if name in report.added:
                outcomes[name] = UploadOutcome(name, 201, "added", f"{name}: toegevoegd als '{did}'.", did)
            elif name in report.updated or name in report.repaired:
                outcomes[name] = UploadOutcome(name, 200, "updated", f"{name}: bijgewerkt ('{did}').", did)
            else:
                outcomes[name] = UploadOutcome(name, 200, "unchanged", f"{name}: ongewijzigd ('{did}').", did)
        return [outcomes[Path(i.name).name] for i in items if Path(i.name).name in outcomes]

    def delete_document(self, document_id: str) -> DocumentRecord:
        """Remove an uploaded document: its file and provenance, its chunks, its registry record and BM25 entries."""
        with index_lock(self.settings.index_lock_path):
            got = self.store.get_document(document_id)
            if got is None:
                raise DocumentNotFound(document_id)
            rec = got[0]
            if rec.source != "upload":
                raise NotAnUpload(document_id)
            self.store.delete_document(document_id)
            for other in self.store.documents():
                if other.alternate_of == document_id:
                    self.store.delete_document(other.document_id)
            if rec.path and is_inside(Path(rec.path), self.settings.uploads_dir):
                Path(rec.path).unlink(missing_ok=True)
                sidecar_path(Path(rec.path)).unlink(missing_ok=True)
            self._sweep_orphans()
            self._relink_passages()
            self.store.bump_generation()
            self.rebuild_lexical()
            return rec

    def set_trusted(self, document_id: str, trusted: bool = True) -> DocumentRecord:
        """An operator's decision that an upload may (or may no longer) be used in answers."""
        with index_lock(self.settings.index_lock_path):
            got = self.store.get_document(document_id)
            if got is None:
                raise DocumentNotFound(document_id)
            rec, text = got
            if rec.source != "upload":
                raise NotAnUpload(document_id)
            rec.trusted = trusted
            self.store.put_document(rec, text)
            if rec.path and Path(rec.path).exists():
                write_provenance(Path(rec.path), Provenance("upload", rec.uploader, rec.uploaded_at, trusted))
            ids, _docs, metas = self.store.all_chunks(where={"document_id": document_id})
            for m in metas:
                m["trusted"] = trusted
            if ids:
                self.store.update_chunk_metadata(ids, metas)
            self.store.bump_generation()
            self.rebuild_lexical()
            return rec

    # ------------------------------------------------------------------------------------
    def _ingest_loaded(self, loaded: list[LoadedFile], report: IngestReport, started: float, *, prune: bool,
                       reindex: bool, progress, catalogue_paths: list[Path], roots: list[Path] | None = None) -> IngestReport:
        docs, meta, paths = self._build_docs(loaded, report)
        return self._apply(docs, meta, paths, report, started, prune=prune, reindex=reindex, progress=progress,
                           roots=roots)

    def _build_docs(self, loaded: list[LoadedFile], report: IngestReport,
                    provenance: dict[str, Provenance] | None = None):
        """Clean and structure each file (its provenance from the uploads sidecar unless given)."""
        cat_cache: dict[Path, dict[str, CatalogueEntry]] = {}
        docs: dict[str, Document] = {}
        meta: dict[str, tuple[list[int], float]] = {}
        paths: dict[str, str] = {}
        for lf in loaded:
            try:
                prov = (provenance or {}).get(lf.path) or read_provenance(Path(lf.path), self.settings.uploads_dir)
                catalogue = self._catalogue_for(Path(lf.path), cat_cache)
                doc = DocumentBuilder(self.vocab, catalogue).build(lf, prov)
                if not doc.text.strip():
                    raise IngestError(f"{lf.source_file}: geen tekst over na opschonen")
            except IngestError as exc:
                report.failed.append((lf.source_file, str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad file never aborts the batch
                log.exception("fout bij verwerken van %s", lf.source_file)
                report.failed.append((lf.source_file, f"{lf.source_file}: kon niet worden verwerkt ({type(exc).__name__}: {exc})"))
                continue
            if doc.document_id in docs:
                report.failed.append((lf.source_file, f"{lf.source_file}: zelfde document-id als een ander bestand in deze batch"))
                continue
            docs[doc.document_id] = doc
            raw = "\n".join(p.text for p in lf.pages)
            meta[doc.document_id] = (signature(doc.text), messiness(raw))
            paths[doc.document_id] = str(Path(lf.path).resolve())
        return docs, meta, paths

    def _apply(self, docs: dict[str, Document], meta: dict[str, tuple[list[int], float]], paths: dict[str, str],
               report: IngestReport, started: float, *, prune: bool, reindex: bool, progress,
               roots: list[Path] | None) -> IngestReport:
        store = self.store
        if reindex:
            for rec in store.documents():
                store.delete_document(rec.document_id)
            state = store.state()
            state.pop("embedding_model", None)
            state.pop("dim", None)
            store._put_state(state)
        existing = {r.document_id: r for r in store.documents()}

        # Duplicate extractions: compare the batch with itself and with what is indexed already.
        candidates = dict(meta)
        for rid, rec in existing.items():
            if rid not in candidates and rec.signature:
                candidates[rid] = (rec.signature, rec.messiness)
        def source(did: str) -> str:
            return docs[did].provenance.source if did in docs else existing[did].source

        alternate_of: dict[str, str] = {}
        for d in find_duplicate_documents(candidates):
            primary, alt = d.primary, d.alternate
            if source(primary) == "upload" and source(alt) == "bundled":
                primary, alt = alt, primary  # an upload never stands in for a bundled document
            alternate_of[alt] = primary
        alternates_for: dict[str, list[str]] = {}
        for alt, primary in alternate_of.items():
            src = docs[alt].source_file if alt in docs else existing[alt].source_file
            alternates_for.setdefault(primary, []).append(src)
        for primary, srcs in alternates_for.items():
            srcs.sort()

        # Alternates: no chunks of their own, a registry record that points at the primary.
        for alt, primary in alternate_of.items():
            if alt not in docs:
                rec = existing[alt]
                if rec.status != "alternate" or rec.alternate_of != primary:
                    store.delete_chunks_of(alt)
                    rec.status, rec.alternate_of, rec.chunk_count = "alternate", primary, 0
                    got = store.get_document(alt)
                    store.put_document(rec, got[1] if got else "")
                continue
            doc = docs[alt]
            rec = existing.get(alt)
            if rec and rec.status == "alternate" and rec.alternate_of == primary and rec.content_hash == doc.content_hash:
                report.unchanged.append(doc.source_file)
            else:
                store.delete_chunks_of(alt)
                store.put_document(self._record(doc, meta[alt], "alternate", paths[alt], alternate_of=primary), doc.text)
                report.alternates.append((doc.source_file, primary))

        primaries = [d for d in docs.values() if d.document_id not in alternate_of]
        # A primary whose alternates changed must rewrite its chunks (they carry the alternate sources).
        todo: list[tuple[Document, str]] = []
        for doc in primaries:
            doc.alternates = alternates_for.get(doc.document_id, [])
            rec = existing.get(doc.document_id)
            if rec is None:
                todo.append((doc, "added"))
            elif rec.status == "pending":
                todo.append((doc, "repaired"))
            elif (rec.content_hash != doc.content_hash or rec.fingerprint != self.fingerprint
                  or rec.status != "complete" or sorted(rec.alternates) != doc.alternates):
                todo.append((doc, "updated"))
            else:
                report.unchanged.append(doc.source_file)
        # Existing primaries not in this batch that gained an alternate from it.
        for primary, srcs in alternates_for.items():
            if primary not in docs and primary in existing:
                rec = existing[primary]
                if sorted(rec.alternates) != srcs:
                    self._set_alternates(rec, srcs)

        if todo:
            emb = self.embeddings
            store.check_model(model_name(emb), getattr(emb, "dim", 0), claim=True)
        total = sum(1 for _ in todo)
        for n, (doc, how) in enumerate(todo, 1):
            if progress:
                progress(doc.source_file, n, total)
            written = self._write_document(doc, meta[doc.document_id], paths[doc.document_id])
            report.chunks_written += written
            {"added": report.added, "updated": report.updated, "repaired": report.repaired}[how].append(doc.source_file)

        if prune:
            # only documents that came from the folders ingested now, and whose file is gone
            for rid, rec in existing.items():
                if rid in docs or not rec.path:
                    continue
                path = Path(rec.path)
                inside = any(path == r or r in path.parents for r in (roots or []))
                if inside and not path.exists():
                    store.delete_document(rid)
                    report.pruned.append(rec.source_file)

        report.orphans_removed = self._sweep_orphans()
        if report.changed:
            self._relink_passages()
            store.bump_generation()
            self.rebuild_lexical()
        elif self._lexical_stale():
            self.rebuild_lexical()
        report.seconds = time.perf_counter() - started
        return report

    def _record(self, doc: Document, sig: tuple[list[int], float], status: str, path: str,
                alternate_of: str | None = None, chunk_count: int = 0, sectors: list[str] | None = None) -> DocumentRecord:
        prov = doc.provenance
        return DocumentRecord(
            document_id=doc.document_id, source_file=doc.source_file, content_hash=doc.content_hash,
            fingerprint=self.fingerprint, status=status, title=doc.title, kind=doc.kind, date=doc.date,
            period=doc.period, short_title=doc.short_title, format=doc.format, alternate_of=alternate_of,
            alternates=list(doc.alternates), signature=sig[0], messiness=sig[1], chunk_count=chunk_count,
            sectors=sectors or [], path=path, knelpunten=[k.to_dict() for k in extract_knelpunten(doc)],
            source=prov.source, uploader=prov.uploader, uploaded_at=prov.uploaded_at, trusted=prov.trusted)

    def _write_document(self, doc: Document, sig: tuple[list[int], float], path: str) -> int:
        store = self.store
        # embed first (the slow part, nothing written yet), then swap the chunks in a short write
        chunks = self.chunker.chunk(doc)
        vectors = self.cache.embed_documents(self.embeddings, [c.embed_text for c in chunks]) if chunks else []
        unit_ids, unit_texts, unit_metas = self._units_of(chunks)
        unit_vectors = self.cache.embed_documents(self.embeddings, unit_texts) if unit_ids else []
        store.put_document(self._record(doc, sig, "pending", path), doc.text)
        store.delete_chunks_of(doc.document_id)
        if chunks:
            store.add_chunks([c.chunk_id for c in chunks], vectors, [c.text for c in chunks],
                             [chunk_metadata(c, self.vocab, doc.provenance) for c in chunks])
            store.add_units(unit_ids, unit_vectors, unit_metas)
        sectors = sorted({c.sector for c in chunks if c.sector})
        store.put_document(self._record(doc, sig, "complete", path, chunk_count=len(chunks), sectors=sectors), doc.text)
        return len(chunks)

    @staticmethod
    def _units_of(chunks: list[Chunk]) -> tuple[list[str], list[str], list[dict]]:
        """Every sentence and bullet of the chunks (embedded like the chunks), keyed by chunk and offsets."""
        ids, texts, metas = [], [], []
        for c in chunks:
            for i, u in enumerate(unit_spans(c.text, c.section)):
                ids.append(f"{c.chunk_id}:{i}")
                texts.append(c.text[u.start:u.end])
                metas.append({"chunk_id": c.chunk_id, "document_id": c.document_id,
                              "start": c.start + u.start, "end": c.start + u.end})
        return ids, texts, metas

    def _set_alternates(self, rec: DocumentRecord, srcs: list[str]) -> None:
        got = self.store.get_document(rec.document_id)
        rec.alternates = srcs
        self.store.put_document(rec, got[1] if got else "")
        ids, _docs, metas = self.store.all_chunks(where={"document_id": rec.document_id})
        for m in metas:
            m["alternates"] = "|".join(srcs)
        if ids:
            self.store.update_chunk_metadata(ids, metas)

    def _sweep_orphans(self) -> int:
        records = {r.document_id: r for r in self.store.documents()}
        ids, _d, metas = self.store.all_chunks()
        orphan_docs = {m.get("document_id") for m in metas
                       if m.get("document_id") not in records or records[m.get("document_id")].status == "alternate"}
        removed = 0
        for did in orphan_docs:
            n = sum(1 for m in metas if m.get("document_id") == did)
            self.store.delete_chunks_of(did)
            removed += n
        return removed

    def _relink_passages(self) -> None:
        """Recompute repeat groups over all chunks; write back only the metadata that changed."""
        ids, texts, metas = self.store.all_chunks()
        if not ids:
            return
        proxies = [Chunk(chunk_id=i, document_id=m["document_id"], source_file=m.get("source_file", ""), title="",
                         date=None, kind="", section="", sector=None, organisation=None, role="", table=None,
                         page=None, start=0, end=0, text=t, header="", search_text="")
                   for i, t, m in zip(ids, texts, metas)]
        link_repeated_passages(proxies)
        changed_ids, changed_meta = [], []
        for p, m in zip(proxies, metas):
            group = p.repeat_group or ""
            if m.get("repeat_group", "") != group:
                m["repeat_group"] = group
                changed_ids.append(p.chunk_id)
                changed_meta.append(m)
        if changed_ids:
            self.store.update_chunk_metadata(changed_ids, changed_meta)

    def _lexical_stale(self) -> bool:
        current = LexicalIndex.load(self.settings.lexical_dir)
        return current is None or current.generation != self.store.generation()

    def rebuild_lexical(self) -> LexicalIndex:
        ids, _texts, metas = self.store.all_chunks()
        lex = LexicalIndex.build(ids, [m.get("search_text", "") for m in metas], self.store.generation())
        lex.save(self.settings.lexical_dir)
        return lex
