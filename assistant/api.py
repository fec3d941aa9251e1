"""FastAPI service: ask (plain and streamed), search, documents, sectors, feedback, uploads, health."""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, File, Header, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.store import EmbeddingModelMismatch
from ingest.loaders import SUPPORTED_SUFFIXES

from .engine import IndexNotReady, InvalidFilter, Vraagbaak
from .feedback import FeedbackStore
from .models import Answer, Citation, SourceRef, Turn
from .openai_compat import OpenAIError, openai_router
from .settings import Settings, get_settings

log = logging.getLogger(__name__)


# -- request and response schemas ----------------------------------------------------------
class Filters(BaseModel):
    sector: list[str] | None = None
    document_id: list[str] | None = None
    kind: list[str] | None = None

    model_config = {"extra": "forbid"}


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    history: list[Turn] = Field(default_factory=list, max_length=20)
    filters: Filters | None = None
    top_k: int | None = Field(default=None, ge=1, le=20)

    model_config = {"extra": "forbid"}

    @field_validator("question")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("de vraag is leeg")
        return v


class PassageRef(BaseModel):
    """Where a passage stands: the fields a citation and a search result share."""

    document_id: str
    title: str
    source_file: str
    section: str
    sector: str | None
    page: int | None


class CitationOut(PassageRef):
    n: int
    date: str | None
    quote: str
    start: int
    end: int
    score: float
    alternates: list[SourceRef]


class AskResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    abstained: bool
    mode: Literal["extractive", "llm"]
    latency_ms: float
    notice: str | None = None
    related: list[CitationOut] = Field(default_factory=list)


class SearchResult(PassageRef):
    chunk_id: str
    text: str
    score: float
    start: int | None = Field(None, description="offset of the passage in the cleaned document text")
    end: int | None = None


class SearchResponse(BaseModel):
    results: list[SearchResult]


class FeedbackRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=20000)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackResponse(BaseModel):
    id: int


class UploadResponse(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    alternates: list[list[str]]
    failed: list[list[str]]
    chunks_written: int
    summary: str


class ErrorOut(BaseModel):
    detail: str | list


ERRORS = {400: {"model": ErrorOut, "description": "Onleesbaar verzoek (geen geldige JSON)"},
          401: {"model": ErrorOut, "description": "API-sleutel ontbreekt of is ongeldig"},
          422: {"model": ErrorOut, "description": "Ongeldige invoer"},
          503: {"model": ErrorOut, "description": "Index niet klaar: voer `vraagbaak ingest` uit"}}


def _cit(c: Citation) -> CitationOut:
    return CitationOut(**c.model_dump(include=set(CitationOut.model_fields)))


def to_response(a: Answer, latency_ms: float) -> AskResponse:
    return AskResponse(answer=a.answer, citations=[_cit(c) for c in a.citations], abstained=a.abstained, mode=a.mode,
                       latency_ms=round(latency_ms, 2), notice=a.notice, related=[_cit(c) for c in a.related])


# -- app ---------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, engine: Vraagbaak | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Vraagbaak Banenafspraak", version="0.1.0",
                  description="Vragen over de banenafspraak bij overheid en onderwijs, beantwoord met bronvermelding.")
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type", "X-API-Key", "Authorization"])
    state = {"engine": engine, "feedback": None}
    lock = threading.Lock()

    def get_engine() -> Vraagbaak:
        if state["engine"] is None:
            with lock:
                if state["engine"] is None:
                    state["engine"] = Vraagbaak(settings)
        return state["engine"]

    def get_feedback() -> FeedbackStore:
        if state["feedback"] is None:
            state["feedback"] = FeedbackStore(settings.feedback_path)
        return state["feedback"]

    def check_key(expected: str | None, given: str | None, authorization: str | None) -> None:
        if not expected:
            return
        token = given or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
        if not token or not secrets.compare_digest(token, expected):
            raise HTTPException(401, "Ongeldige of ontbrekende API-sleutel (header X-API-Key of Authorization: Bearer).")

    def read_access(x_api_key: Annotated[str | None, Header()] = None,
                    authorization: Annotated[str | None, Header()] = None) -> None:
        if settings.read_key:
            keys = [k for k in (settings.read_key, settings.api_key) if k]
            token = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
            if not token or not any(secrets.compare_digest(token, k) for k in keys):
                raise HTTPException(401, "Ongeldige of ontbrekende API-sleutel (header X-API-Key of Authorization: Bearer).")

    def write_access(x_api_key: Annotated[str | None, Header()] = None,
                     authorization: Annotated[str | None, Header()] = None) -> None:
        if not settings.api_key:
            raise HTTPException(403, "Uploaden staat uit: stel VRAAGBAAK_API_KEY in om documenten toe te voegen.")
        check_key(settings.api_key, x_api_key, authorization)

    def error(request: Request, status: int, detail) -> JSONResponse:
        """``{"detail": ...}``, or OpenAI's error shape under /v1 (so OpenAI clients show the message)."""
        if request.url.path.startswith("/v1/"):
            if isinstance(detail, list):
                detail = "; ".join(f"{'.'.join(e['loc'][1:]) or 'body'}: {e['msg']}" for e in detail)
            code = {401: "invalid_api_key", 503: "index_not_ready"}.get(status, "invalid_request_error")
            status = 400 if status == 422 else status
            return JSONResponse(status_code=status, content=OpenAIError(status, str(detail), code=code).body())
        return JSONResponse(status_code=status, content={"detail": detail})

    @app.exception_handler(OpenAIError)
    async def _openai(_r: Request, exc: OpenAIError):
        return JSONResponse(status_code=exc.status, content=exc.body())

    @app.exception_handler(IndexNotReady)
    async def _not_ready(r: Request, exc: IndexNotReady):
        return error(r, 503, str(exc))

    @app.exception_handler(EmbeddingModelMismatch)
    async def _mismatch(r: Request, exc: EmbeddingModelMismatch):
        return error(r, 503, str(exc))

    @app.exception_handler(InvalidFilter)
    async def _bad_filter(r: Request, exc: InvalidFilter):
        return error(r, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(r: Request, exc: RequestValidationError):
        errors = [{"loc": [str(x) for x in e.get("loc", [])], "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return error(r, 422, errors)

    @app.exception_handler(StarletteHTTPException)  # also FastAPI's own (e.g. an unparseable body)
    async def _http(r: Request, exc: StarletteHTTPException):
        return error(r, exc.status_code, exc.detail)

    @app.exception_handler(Exception)
    async def _crash(r: Request, exc: Exception):
        log.exception("onverwachte fout", exc_info=exc)
        return error(r, 500, "Er ging iets mis aan onze kant. Probeer het opnieuw.")

    @app.post("/ask", response_model=AskResponse, dependencies=[Depends(read_access)], responses=ERRORS)
    def ask(req: AskRequest) -> AskResponse:
        t = time.perf_counter()
        answer = get_engine().ask(req.question, [h.model_dump() for h in req.history],
                                  req.filters.model_dump(exclude_none=True) if req.filters else None, req.top_k)
        return to_response(answer, (time.perf_counter() - t) * 1000)

    @app.post("/ask/stream", dependencies=[Depends(read_access)],
              responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}, **ERRORS})
    def ask_stream(req: AskRequest) -> EventSourceResponse:
        engine = get_engine()
        filters = req.filters.model_dump(exclude_none=True) if req.filters else None
        engine.parse_filters(filters)  # a wrong filter is a 422 before the stream starts
        engine._prepare()
        t = time.perf_counter()

        def events():
            try:
                for item in engine.stream(req.question, [h.model_dump() for h in req.history], filters, req.top_k):
                    if isinstance(item, Answer):
                        payload = to_response(item, (time.perf_counter() - t) * 1000).model_dump()
                        yield {"event": "final", "data": json.dumps(payload, ensure_ascii=False)}
                    else:
                        yield {"event": "token", "data": json.dumps({"text": item}, ensure_ascii=False)}
            except Exception as exc:  # noqa: BLE001 - report in-band; headers are already sent
                log.exception("stream failed")
                yield {"event": "error", "data": json.dumps({"detail": type(exc).__name__})}

        return EventSourceResponse(events(), sep="\n", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/search", response_model=SearchResponse, dependencies=[Depends(read_access)], responses=ERRORS)
    def search(q: Annotated[str, Query(min_length=1, max_length=2000)], k: Annotated[int, Query(ge=1, le=20)] = 5,
               sector: str | None = None, document_id: str | None = None) -> SearchResponse:
        if not q.strip():
            raise HTTPException(422, "de zoekvraag is leeg")
        filters = {key: [v] for key, v in (("sector", sector), ("document_id", document_id)) if v}
        hits = get_engine().search(q, k=k, filters=filters or None)
        return SearchResponse(results=[SearchResult(
            chunk_id=h.chunk_id, document_id=h.document_id, title=h.metadata.get("title", ""),
            source_file=h.metadata.get("source_file", ""), section=h.metadata.get("section", ""), sector=h.sector,
            page=h.metadata.get("page"), text=h.text, score=round(h.score, 5), start=h.metadata.get("start"),
            end=h.metadata.get("end")) for h in hits])

    @app.get("/documents", dependencies=[Depends(read_access)], responses=ERRORS)
    def documents() -> dict:
        return {"documents": get_engine().documents()}

    @app.get("/documents/{document_id}", dependencies=[Depends(read_access)],
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekend document"}})
    def document(document_id: str) -> dict:
        doc = get_engine().document(document_id)
        if doc is None:
            raise HTTPException(404, f"Document '{document_id}' bestaat niet.")
        return doc

    @app.get("/sectors", dependencies=[Depends(read_access)], responses=ERRORS)
    def sectors() -> dict:
        return {"sectors": get_engine().sectors()}

    @app.get("/health")
    def health() -> dict:
        return get_engine().health()

    @app.post("/feedback", response_model=FeedbackResponse, dependencies=[Depends(read_access)], responses=ERRORS)
    def feedback(req: FeedbackRequest) -> FeedbackResponse:
        return FeedbackResponse(id=get_feedback().add(req.question, req.answer, req.rating, req.comment))

    @app.post("/documents", response_model=UploadResponse, dependencies=[Depends(write_access)],
              responses={**ERRORS, 403: {"model": ErrorOut, "description": "Uploaden staat uit"},
                         413: {"model": ErrorOut, "description": "Bestand te groot"}})
    def upload(files: Annotated[list[UploadFile], File(description="PDF, tekst, Markdown of HTML")]) -> UploadResponse:
        from index.indexer import Indexer

        limit = settings.max_upload_mb * 1024 * 1024
        items: list[tuple[str, bytes]] = []
        rejected: list[list[str]] = []
        for f in files:
            name = Path(f.filename or "bestand").name
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                rejected.append([name, f"{name}: bestandstype niet toegestaan (wel: {', '.join(sorted(SUPPORTED_SUFFIXES))})"])
                continue
            data = f.file.read(limit + 1)
            if len(data) > limit:
                raise HTTPException(413, f"{name} is groter dan {settings.max_upload_mb} MB.")
            items.append((name, data))
        engine = get_engine()
        report = Indexer(settings, store=engine.store).ingest_bytes(items, target_dir=settings.var_dir / "uploads")
        engine.retriever.refresh(force=True)
        return UploadResponse(added=report.added, updated=report.updated, unchanged=report.unchanged,
                              alternates=[list(a) for a in report.alternates],
                              failed=rejected + [list(f) for f in report.failed], chunks_written=report.chunks_written,
                              summary=report.summary())

    app.include_router(openai_router(get_engine, read_access))
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory assistant.api:app_factory``."""
    return create_app()
