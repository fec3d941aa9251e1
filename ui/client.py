"""The chat page's only way to the data: HTTP calls to the Vraagbaak API, errors turned into one Dutch sentence."""
from __future__ import annotations

import json
import os
import time
from typing import Any, Callable, Iterator

import httpx
from httpx_sse import connect_sse

API_URL = os.environ.get("VRAAGBAAK_API_URL", "http://127.0.0.1:8000").rstrip("/")
READ_KEY = os.environ.get("VRAAGBAAK_READ_KEY") or os.environ.get("VRAAGBAAK_API_KEY")
MAX_QUESTION = 2000


class ApiDown(Exception):
    """The API cannot be reached."""

    def __str__(self) -> str:
        return f"De Vraagbaak-server is niet bereikbaar ({API_URL}); probeer het zo opnieuw."


class ApiError(Exception):
    """The API answered with an error; ``str()`` is one Dutch sentence for the user."""

    def __init__(self, status: int, detail: Any):
        self.status = status
        self.detail = detail
        super().__init__(dutch_error(status, detail))


def dutch_error(status: int, detail: Any) -> str:
    """One sentence, never pydantic's English: a 422 list is summed up by the field it is about."""
    if status == 401:
        return "De API-sleutel ontbreekt of klopt niet."
    if status == 403:
        return "Deze actie staat uit op de server (er is geen API-sleutel ingesteld)."
    if status == 413:
        return detail if isinstance(detail, str) else "Het bestand is te groot."
    if status == 503:
        return "De index is nog niet klaar; voer eerst `vraagbaak ingest` uit."
    if status == 422 and isinstance(detail, list):
        fields = {str(d.get("loc", [""])[-1]) for d in detail if isinstance(d, dict)}
        if "question" in fields:
            return f"De vraag moet tussen 1 en {MAX_QUESTION} tekens lang zijn."
        return "De invoer is ongeldig; controleer wat je hebt ingevuld."
    if isinstance(detail, str) and detail and status < 500:
        first = detail.strip().split("\n")[0]
        return first if first.endswith((".", "?", "!")) else first + "."
    return "Er ging iets mis bij de server; probeer het opnieuw."


def _headers(key: str | None = None) -> dict[str, str]:
    key = key or READ_KEY
    return {"X-API-Key": key} if key else {}


def _raise_for(r: httpx.Response) -> None:
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = r.text
        raise ApiError(r.status_code, detail)


def call(method: str, path: str, key: str | None = None, timeout: float = 60, **kwargs) -> Any:
    try:
        r = httpx.request(method, f"{API_URL}{path}", timeout=timeout, headers=_headers(key), **kwargs)
    except httpx.HTTPError as exc:
        raise ApiDown() from exc
    _raise_for(r)
    return r.json()


def stream_ask(payload: dict) -> Iterator[tuple[str, dict]]:
    """POST /ask/stream (Server-Sent Events, read with httpx-sse): yields ("token", {"text"}), then ("final", response)."""
    try:
        with httpx.Client(timeout=120, headers=_headers()) as http, \
                connect_sse(http, "POST", f"{API_URL}/ask/stream", json=payload) as source:
            r = source.response
            if r.status_code >= 400:
                r.read()
                _raise_for(r)
            for sse in source.iter_sse():
                data = json.loads(sse.data)
                if sse.event == "error":
                    raise ApiError(500, data.get("detail"))
                yield sse.event, data
    except httpx.HTTPError as exc:
        raise ApiDown() from exc


_OUTCOME_WORDS = {"added": "nieuw", "updated": "bijgewerkt", "unchanged": "ongewijzigd", "refused": "geweigerd",
                  "failed": "mislukt", "deleted": "verwijderd"}


def job_report(state: dict) -> dict:
    """A finished ingestion job as the page shows it: '1 nieuw, 1 geweigerd: <why>'."""
    outcomes = state.get("outcomes") or []
    counts: dict[str, int] = {}
    for o in outcomes:
        word = _OUTCOME_WORDS.get(o.get("outcome", ""), o.get("outcome", ""))
        counts[word] = counts.get(word, 0) + 1
    summary = ", ".join(f"{n} {word}" for word, n in counts.items()) or "Niets verwerkt."
    failed = [[o.get("file") or "bestand", f"{o.get('file') or 'bestand'}: {o.get('detail')}"]
              for o in outcomes if int(o.get("status", 200)) >= 400]
    return {**state, "summary": summary, "failed": failed}


def upload(files: list[tuple[str, bytes]], key: str, progress: Callable[[float, str], None],
           poll_s: float = 0.5, max_polls: int = 1200, http: httpx.Client | None = None) -> dict:
    """POST /documents; a 200 is the ingest report itself, a 202 ``{job_id}`` is polled at GET /jobs/{id}."""
    http = http or httpx.Client(timeout=600)
    progress(0.1, "Bestanden worden verstuurd …")
    multipart = [("files", (name, data)) for name, data in files]
    try:
        r = http.post(f"{API_URL}/documents", files=multipart, headers=_headers(key))
    except httpx.HTTPError as exc:
        raise ApiDown() from exc
    _raise_for(r)
    body = r.json()
    if r.status_code != 202 or "job_id" not in body:
        progress(1.0, "Klaar.")
        return body
    job = body["job_id"]
    for i in range(max_polls):
        try:
            got = http.get(f"{API_URL}/jobs/{job}", headers=_headers(key))
        except httpx.HTTPError as exc:
            raise ApiDown() from exc
        _raise_for(got)
        state = got.json()
        status = state.get("status", "")
        if status in ("done", "completed", "finished", "succeeded"):
            progress(1.0, "Klaar.")
            return job_report(state)
        if status in ("failed", "error"):
            raise ApiError(400, state.get("error") or state.get("detail") or "Het verwerken is mislukt.")
        frac = state.get("progress")
        progress(min(0.95, float(frac) if isinstance(frac, (int, float)) else 0.2 + 0.7 * i / max_polls),
                 state.get("message") or "Het document wordt verwerkt …")
        time.sleep(poll_s)
    raise ApiError(504, "Het verwerken duurt te lang; kijk later op de documentenlijst.")
