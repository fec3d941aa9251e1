"""The OpenAI-compatible endpoints, driven by the official `openai` client against a real uvicorn."""
from __future__ import annotations

import os
import sys

import httpx
import openai
import pytest

from assistant.openai_compat import SOURCES_HEADING
from tests.conftest import free_port, serving

pytestmark = pytest.mark.slow

READ_KEY, UPLOAD_KEY = "lees-sleutel", "upload-sleutel"
RIJK = "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?"


@pytest.fixture(scope="module")
def api_url(settings, indexed, tmp_path_factory):
    """A real uvicorn with reads protected by a read key (the upload key works for reads too)."""
    port = free_port()
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(settings.var_dir), VRAAGBAAK_CORPUS_DIR=str(settings.corpus_dir),
               VRAAGBAAK_EMBEDDING_CACHE_DIR=str(settings.embedding_cache_dir), VRAAGBAAK_API_KEY=UPLOAD_KEY,
               VRAAGBAAK_READ_KEY=READ_KEY)
    cmd = [sys.executable, "-m", "uvicorn", "assistant.api:app_factory", "--factory", "--host", "127.0.0.1",
           "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serving(cmd, f"{url}/health", tmp_path_factory.mktemp("openai-api") / "api.log", env=env):
        yield url


@pytest.fixture(scope="module")
def client(api_url):
    return openai.OpenAI(base_url=f"{api_url}/v1", api_key=READ_KEY, max_retries=0, timeout=60)


def test_models_lists_vraagbaak(client):
    assert [m.id for m in client.models.list()] == ["vraagbaak"]


def test_both_keys_are_accepted_as_bearer_and_a_wrong_one_is_refused(api_url):
    for key in (READ_KEY, UPLOAD_KEY):
        c = openai.OpenAI(base_url=f"{api_url}/v1", api_key=key, max_retries=0)
        assert c.models.list().data[0].id == "vraagbaak"
    with pytest.raises(openai.AuthenticationError) as err:
        openai.OpenAI(base_url=f"{api_url}/v1", api_key="fout", max_retries=0).models.list()
    assert "API-sleutel" in err.value.message


def test_non_streaming_answer_carries_sources_and_citations(client):
    r = client.chat.completions.create(model="vraagbaak", messages=[{"role": "user", "content": RIJK}])
    text = r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop" and r.object == "chat.completion"
    answer, sources = text.split(f"\n\n{SOURCES_HEADING}\n")
    assert "3.340" in answer and "[1]" in answer
    citations = r.model_extra["citations"]
    assert citations and citations[0]["n"] == 1 and citations[0]["quote"]
    # one Markdown list item per citation, numbered like the [n] markers in the answer
    items = sources.splitlines()
    assert len(items) == len(citations) and all(i.startswith(f"{c['n']}. *{c['title']}*") for i, c in zip(items, citations))
    assert set(citations[0]) >= {"document_id", "title", "section", "sector", "page", "quote", "start", "end", "score"}


def test_streaming_chunks_add_up_to_the_answer(client):
    stream = client.chat.completions.create(model="vraagbaak", stream=True,
                                            messages=[{"role": "user", "content": RIJK}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 4 and chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "3.340" in text and f"\n\n{SOURCES_HEADING}\n1. " in text
    assert chunks[-1].model_extra["citations"][0]["n"] == 1


def test_open_webui_request_shape_streams(api_url):
    """What Open WebUI sends: its own system prompt, the conversation so far (our earlier reply with its sources
    list) and stream: true, plus sampling options. The follow-up is resolved from the history."""
    c = openai.OpenAI(base_url=f"{api_url}/v1", api_key=READ_KEY, max_retries=0)
    first = c.chat.completions.create(model="vraagbaak", messages=[
        {"role": "user", "content": "Wat heeft de sector Gemeenten gedaan?"}]).choices[0].message.content
    stream = c.chat.completions.create(
        model="vraagbaak", stream=True, temperature=0.8, max_tokens=512,
        stream_options={"include_usage": False}, user="webui-user",
        messages=[{"role": "system", "content": "You are a helpful assistant. Use markdown."},
                  {"role": "user", "content": [{"type": "text", "text": "Wat heeft de sector Gemeenten gedaan?"}]},
                  {"role": "assistant", "content": first},
                  {"role": "user", "content": "En bij de provincies?"}])
    chunks = list(stream)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks)
    assert "IPO" in text or "rovincie" in text
    final = chunks[-1].model_extra
    assert final["citations"] and any(cit["sector"] == "provincies" for cit in final["citations"])


def test_abstention_is_an_ordinary_reply(client):
    r = client.chat.completions.create(model="vraagbaak", messages=[
        {"role": "user", "content": "Hoeveel banen realiseerde de sector Defensie in 2031?"}])
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.content.startswith("Dat staat niet in de documenten")
    assert r.model_extra["abstained"] is True and r.model_extra["citations"] == []


@pytest.mark.parametrize("kwargs,error,needle", [
    ({"messages": []}, openai.BadRequestError, "messages"),
    ({"messages": [{"role": "assistant", "content": "Hallo"}]}, openai.BadRequestError, "gebruiker"),
    ({"messages": [{"role": "user", "content": "   "}]}, openai.BadRequestError, "leeg"),
    ({"messages": [{"role": "user", "content": "x" * 2001}]}, openai.BadRequestError, "2000"),
    ({"messages": [{"role": "robot", "content": "Hallo"}]}, openai.BadRequestError, "role"),
    ({"messages": [{"role": "user", "content": "Wat deed Rijk?"}], "extra_body": {"filters": {"sector": ["bakkers"]}}},
     openai.BadRequestError, "Onbekende sector"),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hallo"}]}, openai.NotFoundError, "vraagbaak"),
])
def test_bad_requests_get_a_readable_openai_error(client, kwargs, error, needle):
    kwargs = {"model": "vraagbaak", **kwargs}
    with pytest.raises(error) as err:
        client.chat.completions.create(**kwargs)
    assert needle in err.value.message and "Traceback" not in err.value.response.text


def test_filters_extension_narrows_the_sources(client):
    r = client.chat.completions.create(model="vraagbaak", messages=[{"role": "user", "content": "Wat deed de sector Provincies?"}],
                                       extra_body={"filters": {"document_id": ["003_2af3d99aaebb0ece"]}})
    assert {c["document_id"] for c in r.model_extra["citations"]} == {"003_2af3d99aaebb0ece"}


def test_plain_http_stream_ends_with_done(api_url):
    body = {"model": "vraagbaak", "stream": True, "messages": [{"role": "user", "content": RIJK}]}
    with httpx.stream("POST", f"{api_url}/v1/chat/completions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {READ_KEY}"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        data = [line[5:].strip() for line in r.iter_lines() if line.startswith("data:")]
    assert data[-1] == "[DONE]"
