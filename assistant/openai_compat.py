"""OpenAI-compatible chat endpoints, so chat front ends (Open WebUI, LibreChat) and OpenAI SDK scripts can use
Vraagbaak as a model.

``POST /v1/chat/completions``: the last user message is the question, earlier user and assistant messages are
the history (system messages are the front end's own prompt and are not used: the answer comes from the
documents). The reply is the cited answer with its sources appended as a Markdown list; the full citations
travel in an extra ``citations`` field (in the last chunk when streaming). An abstention is an ordinary reply.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from .models import Answer, Citation

log = logging.getLogger(__name__)

MODEL_ID = "vraagbaak"
MAX_QUESTION = 2000
MAX_HISTORY = 20
SOURCES_HEADING = "**Bronnen**"
# an assistant turn that comes back as history loses the sources list we appended to it
_SOURCES_TAIL = re.compile(r"\n+" + re.escape(SOURCES_HEADING) + r"\n.*\Z", re.S)


class OpenAIError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, code: str = "invalid_request_error", param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def body(self) -> dict[str, Any]:
        kind = {401: "authentication_error", 404: "invalid_request_error", 503: "server_error"}.get(
            self.status, "invalid_request_error")
        return {"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}}


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Ongeldig verzoek"},
    401: {"model": ErrorBody, "description": "API-sleutel ontbreekt of is ongeldig"},
    404: {"model": ErrorBody, "description": "Onbekend model"},
    503: {"model": ErrorBody, "description": "Index niet klaar: voer `vraagbaak ingest` uit"},
}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """Plain text of the message; of a list of parts (text, images) only the text parts count."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class ChatCompletionRequest(BaseModel):
    """The OpenAI request shape; sampling options (temperature, max_tokens, …) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    filters: dict[str, Any] | None = Field(default=None, description="Vraagbaak extension: sector/document_id/kind")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The last user message as the question and the earlier user/assistant turns as history."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise OpenAIError(400, "Het laatste bericht moet een vraag van de gebruiker (role 'user') zijn.", param="messages")
    question = turns[-1].text().strip()
    if not question:
        raise OpenAIError(400, "De vraag is leeg.", param="messages")
    if len(question) > MAX_QUESTION:
        raise OpenAIError(400, f"De vraag is langer dan {MAX_QUESTION} tekens.", param="messages")
    history = []
    for m in turns[:-1][-MAX_HISTORY:]:
        text = m.text()
        if m.role == "assistant":
            text = _SOURCES_TAIL.sub("", text)
        if text.strip():
            history.append({"role": m.role, "content": text})
    return question, history


def source_line(c: Citation) -> str:
    where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "", c.date or "") if x)
    quote = c.quote if len(c.quote) <= 300 else c.quote[:297].rstrip() + "…"
    return f"{c.n}. *{c.title}*{' — ' + where if where else ''}: “{quote}”"


def sources_markdown(answer: Answer) -> str:
    """The numbered sources as a Markdown list under a heading, matching the answer's [n] markers."""
    cited = answer.citations or answer.related
    if not cited:
        return ""
    heading = SOURCES_HEADING if answer.citations else f"{SOURCES_HEADING} (dichtstbijzijnde passages)"
    return f"\n\n{heading}\n" + "\n".join(source_line(c) for c in cited)


def citation_dicts(answer: Answer) -> list[dict[str, Any]]:
    return [c.model_dump(exclude={"chunk_id"}) for c in answer.citations]


def _extras(answer: Answer) -> dict[str, Any]:
    return {"citations": citation_dicts(answer), "abstained": answer.abstained, "mode": answer.mode,
            "notice": answer.notice, "related": [c.model_dump(exclude={"chunk_id"}) for c in answer.related]}


def completion(answer: Answer, completion_id: str, created: int) -> dict[str, Any]:
    text = answer.answer
    if answer.notice and not answer.abstained:
        text = f"{answer.notice}\n\n{text}"
    content = text + sources_markdown(answer)
    return {"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, **_extras(answer)}


def chunk(completion_id: str, created: int, delta: dict[str, Any], finish: str | None = None,
          **extra: Any) -> str:
    body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return json.dumps(body, ensure_ascii=False)


def stream_chunks(pieces: Iterator[str | Answer], completion_id: str, created: int) -> Iterator[str]:
    """Engine output as ``chat.completion.chunk`` payloads; the sources list, then a stop chunk with the
    citations, then ``[DONE]``."""
    yield chunk(completion_id, created, {"role": "assistant", "content": ""})
    for item in pieces:
        if isinstance(item, Answer):
            tail = sources_markdown(item)
            if tail:
                yield chunk(completion_id, created, {"content": tail})
            yield chunk(completion_id, created, {}, "stop", **_extras(item))
        elif item:
            yield chunk(completion_id, created, {"content": item})
    yield "[DONE]"


def _guarded(events: Iterator[str]) -> Iterator[dict[str, str]]:
    """SSE messages; a failure after the headers went out is reported in-band in OpenAI's error shape."""
    try:
        for e in events:
            yield {"data": e}
    except Exception as exc:  # noqa: BLE001 - headers are sent; no stack trace leaves the server
        log.exception("chat completion stream failed")
        err = OpenAIError(500, f"Er ging iets mis aan onze kant ({type(exc).__name__}).", code="server_error")
        yield {"data": json.dumps(err.body(), ensure_ascii=False)}


def openai_router(get_engine: Callable[[], Any], read_access: Callable[..., None]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatibel"], dependencies=[Depends(read_access)])

    @router.get("/models", responses=ERRORS)
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "vraagbaak"}]}

    @router.get("/models/{model_id}", responses=ERRORS)
    def model(model_id: str) -> dict[str, Any]:
        if model_id != MODEL_ID:
            raise OpenAIError(404, f"Model '{model_id}' bestaat niet; gebruik '{MODEL_ID}'.", code="model_not_found")
        return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "vraagbaak"}

    @router.post("/chat/completions", responses={200: {"content": {"text/event-stream": {}},
                                                           "description": "Antwoord, of Server-Sent Events bij stream"},
                                                     **ERRORS})
    def chat_completions(req: ChatCompletionRequest):
        if req.model != MODEL_ID:
            raise OpenAIError(404, f"Model '{req.model}' bestaat niet; gebruik '{MODEL_ID}'.", code="model_not_found",
                              param="model")
        question, history = conversation(req.messages)
        engine = get_engine()
        engine.parse_filters(req.filters)  # a wrong filter is an error before anything is answered or streamed
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        if not req.stream:
            return completion(engine.ask(question, history, req.filters), completion_id, created)
        engine._prepare()  # an empty index is a 503 before the stream starts
        events = stream_chunks(engine.stream(question, history, req.filters), completion_id, created)
        return EventSourceResponse(_guarded(events), sep="\n")

    return router
