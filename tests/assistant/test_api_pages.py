"""The endpoints behind the pages: knelpunten, sector timeline and compare, conversations, document delete."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app


@pytest.fixture(scope="module")
def client(settings, engine):
    s = settings.model_copy(update={"api_key": "geheim"})
    return TestClient(create_app(s, engine), raise_server_exceptions=False)


def test_knelpunten_table_one_row_per_knelpunt_with_quotes(client):
    rows = client.get("/knelpunten").json()["knelpunten"]
    titles = [r["title"] for r in rows]
    assert "Bureaucratie bij uitbesteding" in titles and "Meeteltermijn doelgroepenregister" in titles
    assert len(titles) == len(set(titles))
    row = rows[titles.index("Bureaucratie bij uitbesteding")]
    assert row["description"] and row["cause"] and row["solution"].startswith("Een oplossing")
    assert not row["description"].startswith("Probleem")  # the label is its own column, not repeated
    docs = {d["document_id"]: d for d in client.get("/documents").json()["documents"]}
    text = client.get(f"/documents/{row['document_id']}").json()["text"]
    assert row["date"] == docs[row["document_id"]]["date"]
    for q in row["quotes"]:
        assert text[q["start"]:q["end"]] == q["text"]  # every quote opens at its place


def test_knelpunten_search_filter_and_ask(client):
    found = client.get("/knelpunten", params={"q": "doelgroepenregister"}).json()
    assert [r["title"] for r in found["knelpunten"]] == ["Meeteltermijn doelgroepenregister"]
    assert client.get("/knelpunten", params={"q": "zonnepanelen op daken"}).json()["count"] == 0
    vso = client.get("/knelpunten", params={"sector": "vso"}).json()["knelpunten"]
    assert vso and all(r["sector"] == "vso" for r in vso)
    r = client.post("/knelpunten/ask", json={"question": "Wat is het probleem bij het uitbesteden van diensten?"})
    body = r.json()
    assert r.status_code == 200 and "Bureaucratie bij uitbesteding" in body["answer"] and body["citations"]
    assert all("[%d]" % c["n"] in body["answer"] for c in body["citations"])
    assert client.post("/knelpunten/ask", json={"question": "  "}).status_code == 422


def test_sector_timeline_folds_repeats_and_marks_new(client):
    t = client.get("/sectors/provincies/timeline").json()
    assert t["name"] == "Provincies" and t["years"] == ["2016", "2017"]
    first, later = t["documents"][0], t["documents"][-1]
    assert first["date"] < later["date"]
    assert not any(p["new"] for p in first["activities"] + first["results"])
    assert later["repeated"] and all(p["also_in"][0]["document_id"] == first["document_id"] for p in later["repeated"])
    assert any(p["new"] for p in later["activities"] + later["results"])
    labels = [p["text"] for d in t["documents"] for p in d["activities"]]
    assert not any(text.startswith("Sector Provincies /") for text in labels)  # the row label is not a point
    assert client.get("/sectors/onbekend/timeline").status_code == 404


def test_sector_compare_2016_2017(client):
    c = client.get("/sectors/provincies/compare", params={"from_year": "2016", "to_year": "2017"}).json()
    assert c["from_documents"] and c["to_documents"]
    assert c["both"] and c["only_to"]
    assert client.get("/sectors/provincies/compare", params={"from_year": "zestien"}).status_code == 422


def test_conversations_per_browser(client):
    msgs = [{"role": "user", "content": "Wat doet Defensie?"}, {"role": "assistant", "content": "Defensie …"}]
    r = client.put("/conversations/gesprek01", json={"browser_id": "browser-aaaa", "title": "Wat doet Defensie?",
                                                     "messages": msgs})
    assert r.status_code == 200 and r.json()["messages"] == msgs
    listed = client.get("/conversations", params={"browser_id": "browser-aaaa"}).json()["conversations"]
    assert [c["conversation_id"] for c in listed] == ["gesprek01"] and listed[0]["turns"] == 2
    # another browser sees nothing and cannot open it
    assert client.get("/conversations", params={"browser_id": "browser-bbbb"}).json()["conversations"] == []
    assert client.get("/conversations/gesprek01", params={"browser_id": "browser-bbbb"}).status_code == 404
    assert client.get("/conversations", params={"browser_id": "x"}).status_code == 422
    assert client.delete("/conversations/gesprek01", params={"browser_id": "browser-aaaa"}).status_code == 200
    assert client.get("/conversations/gesprek01", params={"browser_id": "browser-aaaa"}).status_code == 404


def test_delete_document_needs_the_key(client):
    assert client.delete("/documents/003_2af3d99aaebb0ece").status_code == 401
    assert client.delete("/documents/bestaat-niet", headers={"X-API-Key": "geheim"}).status_code == 404
