"""FastAPI service: ask (plain and streamed), search, documents, sectors, feedback, uploads, health."""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, File, Header, HTTPException, Path as PathParam, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.store import EmbeddingModelMismatch

from .conversations import ConversationStore
from .engine import IndexNotReady, InvalidFilter, Vraagbaak
from .feedback import FeedbackFull, FeedbackStore
from .jobs import JobRunner, JobStore
from .knelpunten import KnelpuntIndex, build_rows
from .limits import RequestLimits, upload_key_label
from . import timeline
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


class QuestionIn(BaseModel):
    """A question as people type it: 1–2,000 characters, not only spaces."""

    question: str = Field(min_length=1, max_length=2000)

    model_config = {"extra": "forbid"}

    @field_validator("question")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("de vraag is leeg")
        return v


class AskRequest(QuestionIn):
    history: list[Turn] = Field(default_factory=list, max_length=20)
    filters: Filters | None = None
    top_k: int | None = Field(default=None, ge=1, le=20)


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
    source: Literal["bundled", "upload"] = "bundled"


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


BrowserId = Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="random id the chat page gives a browser")]


class ConversationIn(BaseModel):
    browser_id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    title: str = Field(min_length=1, max_length=200)
    messages: list[dict] = Field(max_length=200)

    model_config = {"extra": "forbid"}


class KnelpuntAskRequest(QuestionIn):
    pass


class JobAccepted(BaseModel):
    job_id: str
    status: Literal["queued"]
    status_url: str
    files: list[str] = Field(default_factory=list)


class FileOutcome(BaseModel):
    file: str | None
    status: int = Field(description="HTTP-style: 201 added, 200 updated/unchanged/deleted, 404, 409 refused, 415/422 unusable")
    outcome: str
    detail: str
    document_id: str | None = None


class JobOut(BaseModel):
    job_id: str
    kind: Literal["upload", "delete", "trust"]
    status: Literal["queued", "running", "done", "failed"]
    created: str
    started: str | None
    finished: str | None
    files: list[str]
    outcomes: list[FileOutcome]
    error: str | None


class ErrorOut(BaseModel):
    detail: str | list


ERRORS = {400: {"model": ErrorOut, "description": "Onleesbaar verzoek (geen geldige JSON)"},
          401: {"model": ErrorOut, "description": "API-sleutel ontbreekt of is ongeldig"},
          413: {"model": ErrorOut, "description": "Verzoek te groot"},
          422: {"model": ErrorOut, "description": "Ongeldige invoer"},
          429: {"model": ErrorOut, "description": "Te veel verzoeken (of feedbackopslag vol)"},
          503: {"model": ErrorOut, "description": "Index niet klaar: voer `vraagbaak ingest` uit"}}


def _cit(c: Citation) -> CitationOut:
    return CitationOut(**c.model_dump(include=set(CitationOut.model_fields)))


def upload_notice(citations: list[Citation]) -> str | None:
    uploads = [f"[{c.n}]" for c in citations if c.source == "upload"]
    if not uploads:
        return None
    return (f"Let op: {', '.join(uploads)} {'komt' if len(uploads) == 1 else 'komen'} uit een geüpload document, "
            "niet uit de officiële documenten.")


def to_response(a: Answer, latency_ms: float) -> AskResponse:
    notice = " ".join(n for n in (a.notice, upload_notice(a.citations)) if n) or None
    return AskResponse(answer=a.answer, citations=[_cit(c) for c in a.citations], abstained=a.abstained, mode=a.mode,
                       latency_ms=round(latency_ms, 2), notice=notice, related=[_cit(c) for c in a.related])


def check_history(history: list[Turn], settings: Settings) -> None:
    """Long turns are refused before anything is embedded: each turn and the whole history have a cap."""
    for i, turn in enumerate(history, 1):
        if len(turn.content) > settings.max_history_turn_chars:
            raise HTTPException(422, f"Beurt {i} van de geschiedenis is te lang: ten hoogste "
                                     f"{settings.max_history_turn_chars} tekens per beurt.")
    if sum(len(t.content) for t in history) > settings.max_history_chars:
        raise HTTPException(422, f"De geschiedenis is te lang: ten hoogste {settings.max_history_chars} tekens samen.")


# -- app ---------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, engine: Vraagbaak | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Vraagbaak Banenafspraak", version="0.1.0",
                  description="Vragen over de banenafspraak bij overheid en onderwijs, beantwoord met bronvermelding.")
    app.add_middleware(RequestLimits, settings=settings)  # inside CORS, so a 413/429 still carries CORS headers
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "PUT", "DELETE"],
                       allow_headers=["Content-Type", "X-API-Key", "Authorization"])
    state = {"engine": engine, "feedback": None, "conversations": None}
    lock = threading.Lock()
    jobs = JobStore(settings.jobs_path)

    def _store():
        return get_engine().store

    def _loaded() -> None:
        if state["engine"] is not None:
            state["engine"].retriever.refresh(force=True)

    runner = JobRunner(settings, jobs, _store, on_done=_loaded)
    app.state.jobs = runner
    if jobs.pending():
        runner.start()  # resume what a worker that died left behind; otherwise the first job starts the runner

    def get_engine() -> Vraagbaak:
        if state["engine"] is None:
            with lock:
                if state["engine"] is None:
                    state["engine"] = Vraagbaak(settings)
        return state["engine"]

    def get_feedback() -> FeedbackStore:
        if state["feedback"] is None:
            state["feedback"] = FeedbackStore(settings.feedback_path, settings.feedback_max_rows,
                                              settings.feedback_max_mb * 1024 * 1024)
        return state["feedback"]

    def get_conversations() -> ConversationStore:
        if state["conversations"] is None:
            state["conversations"] = ConversationStore(settings.feedback_path)
        return state["conversations"]

    def knelpunt_index() -> KnelpuntIndex:
        engine = get_engine()
        engine._prepare()
        return KnelpuntIndex(build_rows(engine.store.documents()), engine.retriever.lexical.analyzer.tokens)

    def sector_points(sector: str) -> tuple[dict, dict]:
        engine = get_engine()
        engine._prepare()
        known = {s.id: s.name for s in engine.vocab.sectors}
        if sector not in known:
            raise HTTPException(404, f"Onbekende sector '{sector}'; kies een van: {', '.join(sorted(known))}.")
        docs = {d["document_id"]: d for d in engine.documents()}
        points = timeline.sector_points(engine.retriever.chunks(), engine.retriever.text_of, sector)
        return {"sector": sector, "name": known[sector]}, (points, docs)

    def read_access(x_api_key: Annotated[str | None, Header()] = None,
                    authorization: Annotated[str | None, Header()] = None) -> None:
        if settings.read_key:
            keys = [k for k in (settings.read_key, settings.api_key) if k]
            token = x_api_key or (authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None)
            if not token or not any(secrets.compare_digest(token, k) for k in keys):
                raise HTTPException(401, "Ongeldige of ontbrekende API-sleutel (header X-API-Key of Authorization: Bearer).")

    def write_access(x_api_key: Annotated[str | None, Header()] = None,
                     authorization: Annotated[str | None, Header()] = None) -> str:
        """The label of the upload key used (recorded with each upload)."""
        return upload_key_label(settings, {k: v for k, v in (("x-api-key", x_api_key), ("authorization", authorization)) if v})

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
        resp = error(r, exc.status_code, exc.detail)
        resp.headers.update(getattr(exc, "headers", None) or {})  # Retry-After with a 429
        return resp

    @app.exception_handler(FeedbackFull)
    async def _full(r: Request, exc: FeedbackFull):
        return error(r, 429, str(exc))

    @app.exception_handler(Exception)
    async def _crash(r: Request, exc: Exception):
        log.exception("onverwachte fout", exc_info=exc)
        return error(r, 500, "Er ging iets mis aan onze kant. Probeer het opnieuw.")

    @app.post("/ask", response_model=AskResponse, dependencies=[Depends(read_access)], responses=ERRORS)
    def ask(req: AskRequest) -> AskResponse:
        check_history(req.history, settings)
        t = time.perf_counter()
        answer = get_engine().ask(req.question, [h.model_dump() for h in req.history],
                                  req.filters.model_dump(exclude_none=True) if req.filters else None, req.top_k)
        return to_response(answer, (time.perf_counter() - t) * 1000)

    @app.post("/ask/stream", dependencies=[Depends(read_access)],
              responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}, **ERRORS})
    def ask_stream(req: AskRequest) -> EventSourceResponse:
        check_history(req.history, settings)
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

    @app.get("/knelpunten", dependencies=[Depends(read_access)], responses=ERRORS)
    def knelpunten(q: Annotated[str | None, Query(max_length=200)] = None, sector: str | None = None,
                   document_id: str | None = None) -> dict:
        rows = knelpunt_index().search(q, sector, document_id)
        return {"knelpunten": [{**r.__dict__, "also_in": [a.model_dump() for a in r.also_in]} for r in rows],
                "count": len(rows)}

    @app.post("/knelpunten/ask", response_model=AskResponse, dependencies=[Depends(read_access)], responses=ERRORS)
    def knelpunten_ask(req: KnelpuntAskRequest) -> AskResponse:
        t = time.perf_counter()
        return to_response(knelpunt_index().ask(req.question), (time.perf_counter() - t) * 1000)

    @app.get("/sectors/{sector}/timeline", dependencies=[Depends(read_access)],
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekende sector"}})
    def sector_timeline(sector: str) -> dict:
        head, (points, docs) = sector_points(sector)
        years = sorted({(docs.get(d, {}).get("date") or "")[:4] for d in points} - {""})
        return {**head, "years": years, "documents": timeline.build_timeline(points, docs)}

    @app.get("/sectors/{sector}/compare", dependencies=[Depends(read_access)],
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekende sector"}})
    def sector_compare(sector: str, from_year: Annotated[str, Query(pattern=r"^\d{4}$")] = "2016",
                       to_year: Annotated[str, Query(pattern=r"^\d{4}$")] = "2017") -> dict:
        head, (points, docs) = sector_points(sector)
        return {**head, **timeline.compare(points, docs, from_year, to_year)}

    @app.get("/conversations", dependencies=[Depends(read_access)], responses=ERRORS)
    def conversations(browser_id: BrowserId) -> dict:
        return {"conversations": get_conversations().list(browser_id)}

    @app.get("/conversations/{conversation_id}", dependencies=[Depends(read_access)],
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekend gesprek"}})
    def conversation(conversation_id: str, browser_id: BrowserId) -> dict:
        got = get_conversations().get(browser_id, conversation_id)
        if got is None:
            raise HTTPException(404, "Dit gesprek bestaat niet (meer).")
        return got

    @app.put("/conversations/{conversation_id}", dependencies=[Depends(read_access)], responses=ERRORS)
    def save_conversation(conversation_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{4,64}$")],
                          req: ConversationIn) -> dict:
        return get_conversations().save(req.browser_id, conversation_id, req.title, req.messages)

    @app.delete("/conversations/{conversation_id}", dependencies=[Depends(read_access)],
                responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekend gesprek"}})
    def delete_conversation(conversation_id: str, browser_id: BrowserId) -> dict:
        if not get_conversations().delete(browser_id, conversation_id):
            raise HTTPException(404, "Dit gesprek bestaat niet (meer).")
        return {"deleted": conversation_id}

    write_errors = {**ERRORS, 403: {"model": ErrorOut, "description": "Uploaden staat uit"}}

    def enqueue(kind: str, payload: dict, job_id: str | None = None) -> JobAccepted:
        job_id = jobs.create(kind, payload, job_id)
        runner.wake()
        return JobAccepted(job_id=job_id, status="queued", status_url=f"/jobs/{job_id}",
                           files=[f["name"] for f in payload.get("files", [])])

    @app.post("/documents", status_code=202, response_model=JobAccepted, dependencies=[Depends(write_access)],
              responses=write_errors)
    def upload(files: Annotated[list[UploadFile], File(description="PDF, tekst, Markdown of HTML")],
               request: Request) -> JobAccepted:
        """Stores the files and queues their indexing; follow ``status_url`` for the outcome per file."""
        import uuid

        uploader = upload_key_label(settings, dict(request.headers))
        limit = settings.max_upload_mb * 1024 * 1024
        job_id = uuid.uuid4().hex
        staging = settings.staging_dir / job_id
        staged, rejected = [], []
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for i, f in enumerate(files):
            name = Path((f.filename or "").replace("\\", "/")).name
            if not name or name.startswith(".") or name.endswith(".provenance.json"):
                rejected.append({"file": name or "(geen naam)", "status": 422, "outcome": "failed",
                                 "detail": "Het bestand heeft geen bruikbare naam.", "document_id": None})
                continue
            staging.mkdir(parents=True, exist_ok=True)
            dest = staging / f"{i:03d}-{name}"
            size = 0
            with dest.open("wb") as out:
                while block := f.file.read(1024 * 1024):
                    size += len(block)
                    if size > limit:
                        break
                    out.write(block)
            if size > limit:
                dest.unlink(missing_ok=True)
                raise HTTPException(413, f"{name} is groter dan {settings.max_upload_mb} MB.")
            staged.append({"name": name, "staged": str(dest), "uploader": uploader, "uploaded_at": now})
        if not staged and rejected:
            raise HTTPException(422, rejected[0]["detail"])
        return enqueue("upload", {"files": staged, "rejected": rejected}, job_id)

    @app.get("/jobs/{job_id}", response_model=JobOut, dependencies=[Depends(read_access)],
             responses={**ERRORS, 404: {"model": ErrorOut, "description": "Onbekende taak"}})
    def job(job_id: str) -> JobOut:
        got = jobs.get(job_id)
        if got is None:
            raise HTTPException(404, f"Taak '{job_id}' bestaat niet.")
        return JobOut(**got)

    @app.delete("/documents/{document_id}", status_code=202, response_model=JobAccepted,
                dependencies=[Depends(write_access)], responses={**write_errors, 404: {"model": ErrorOut, "description": "Onbekend document"},
                           409: {"model": ErrorOut, "description": "Meegeleverd document"}})
    def delete_document(document_id: str) -> JobAccepted:
        """Removes an uploaded document: file, chunks and BM25 entries (as a job)."""
        _check_upload(document_id)
        return enqueue("delete", {"document_id": document_id})

    @app.post("/documents/{document_id}/trust", status_code=202, response_model=JobAccepted,
              dependencies=[Depends(write_access)], responses={**write_errors, 404: {"model": ErrorOut, "description": "Onbekend document"},
                         409: {"model": ErrorOut, "description": "Meegeleverd document"}})
    def trust_document(document_id: str, trusted: bool = True) -> JobAccepted:
        """An operator's decision: an upload may be used in answers (``trusted=false`` takes it back)."""
        _check_upload(document_id)
        return enqueue("trust", {"document_id": document_id, "trusted": trusted})

    def _check_upload(document_id: str) -> None:
        got = get_engine().store.get_document(document_id)
        if got is None:
            raise HTTPException(404, f"Document '{document_id}' bestaat niet.")
        if got[0].source != "upload":
            raise HTTPException(409, f"'{document_id}' is een meegeleverd document; alleen uploads kunnen dit.")

    app.include_router(openai_router(get_engine, read_access))
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory assistant.api:app_factory``."""
    return create_app()
