"""Upload from the Documenten page: a 200 report now, a 202 job (issue 11) polled until done.

The job endpoint does not exist in this API yet, so its replies come from httpx's MockTransport."""
from __future__ import annotations

import httpx
import pytest

from ui import client


def _http(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_upload_200_returns_the_report():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/documents" and request.headers["X-API-Key"] == "k"
        return httpx.Response(200, json={"added": ["a"], "summary": "1 nieuw"})

    steps = []
    assert client.upload([("a.md", b"x")], "k", lambda f, m: steps.append(f), http=_http(handler))["summary"] == "1 nieuw"
    assert steps[-1] == 1.0


def test_upload_202_polls_the_job_with_progress():
    polls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"job_id": "j1"})
        assert request.url.path == "/jobs/j1"
        polls["n"] += 1
        if polls["n"] < 3:
            return httpx.Response(200, json={"status": "running", "progress": 0.3 * polls["n"]})
        return httpx.Response(200, json={"status": "done", "outcomes": [
            {"file": "a.md", "status": 201, "outcome": "added", "detail": "toegevoegd"},
            {"file": "b.md", "status": 409, "outcome": "refused", "detail": "zelfde inhoud als een ander document"}]})

    steps = []
    report = client.upload([("a.md", b"x"), ("b.md", b"x")], "k", lambda f, m: steps.append(f), poll_s=0,
                           http=_http(handler))
    assert report["summary"] == "1 nieuw, 1 geweigerd" and polls["n"] == 3
    assert report["failed"] == [["b.md", "b.md: zelfde inhoud als een ander document"]]
    assert steps == sorted(steps) and steps[-1] == 1.0


def test_upload_failed_job_is_a_dutch_error():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"job_id": "j2"})
        return httpx.Response(200, json={"status": "failed", "error": "Het bestand is versleuteld."})

    with pytest.raises(client.ApiError) as err:
        client.upload([("a.pdf", b"x")], "k", lambda f, m: None, poll_s=0, http=_http(handler))
    assert str(err.value) == "Het bestand is versleuteld."


def test_wrong_key_is_one_dutch_sentence():
    with pytest.raises(client.ApiError) as err:
        client.upload([("a.md", b"x")], "fout", lambda f, m: None,
                      http=_http(lambda r: httpx.Response(401, json={"detail": "Ongeldige sleutel"})))
    assert str(err.value) == "De API-sleutel ontbreekt of klopt niet."
