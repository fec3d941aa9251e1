"""Vraagbaak chat front end (Streamlit). Talks to the API over HTTP only (VRAAGBAAK_API_URL)."""
from __future__ import annotations

import html
import json
import os

import httpx
import streamlit as st
from httpx_sse import connect_sse

API_URL = os.environ.get("VRAAGBAAK_API_URL", "http://127.0.0.1:8000").rstrip("/")
API_KEY = os.environ.get("VRAAGBAAK_READ_KEY") or os.environ.get("VRAAGBAAK_API_KEY")
HEADERS = {"X-API-Key": API_KEY} if API_KEY else {}
EXAMPLES = [
    "Wat heeft de sector Provincies gedaan?",
    "Wat zijn de grootste ervaren knelpunten?",
    "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?",
    "What did the municipalities do?",
]

st.set_page_config(page_title="Vraagbaak Banenafspraak", page_icon="💬", layout="wide")


class ApiDown(Exception):
    pass


def api(method: str, path: str, **kwargs):
    try:
        r = httpx.request(method, f"{API_URL}{path}", timeout=60, headers=HEADERS, **kwargs)
    except httpx.HTTPError as exc:
        raise ApiDown(str(exc)) from exc
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = r.text
        if isinstance(detail, list):
            detail = "; ".join(d.get("msg", "") for d in detail)
        raise RuntimeError(f"{r.status_code}: {detail}")
    return r.json()


@st.cache_data(ttl=60, show_spinner=False)
def sectors() -> list[dict]:
    return api("GET", "/sectors")["sectors"]


@st.cache_data(ttl=60, show_spinner=False)
def documents() -> list[dict]:
    return api("GET", "/documents")["documents"]


@st.cache_data(ttl=300, show_spinner=False)
def document_text(document_id: str) -> str:
    return api("GET", f"/documents/{document_id}").get("text", "")


def stream_answer(payload: dict, placeholder) -> dict | None:
    """Reads the SSE stream; shows the text as it arrives; returns the final event."""
    text, final = "", None
    try:
        with httpx.Client(timeout=120, headers=HEADERS) as client, \
                connect_sse(client, "POST", f"{API_URL}/ask/stream", json=payload) as source:
            r = source.response
            if r.status_code >= 400:
                r.read()
                raise RuntimeError(f"{r.status_code}: {r.json().get('detail')}")
            for sse in source.iter_sse():
                data = json.loads(sse.data)
                if sse.event == "token":
                    text += data["text"]
                    placeholder.markdown(text + " ▌")
                elif sse.event == "final":
                    final = data
                elif sse.event == "error":
                    raise RuntimeError(data.get("detail", "fout"))
    except httpx.HTTPError as exc:
        raise ApiDown(str(exc)) from exc
    return final


def show_citations(citations: list[dict], key: str) -> None:
    for c in citations:
        where = c["section"] + (f", p. {c['page']}" if c.get("page") else "")
        with st.expander(f"[{c['n']}] {c['title']} — {where}"):
            try:
                full = document_text(c["document_id"])
            except Exception:  # noqa: BLE001 - show the quote alone
                full = ""
            s, e = c["start"], c["end"]
            if full and full[s:e] == c["quote"]:
                def esc(t: str) -> str:
                    return html.escape(t).replace("\n", "<br>")

                before, after = esc(full[max(0, s - 350):s]), esc(full[e:e + 350])
                st.markdown(f"<div class='ctx'>…{before}<mark>{esc(c['quote'])}</mark>{after}…</div>",
                            unsafe_allow_html=True)
            else:
                st.markdown(f"> {c['quote']}")
            meta = [f"document: {c['source_file']}"]
            if c.get("date"):
                meta.append(f"datum: {c['date']}")
            if c.get("sector"):
                meta.append(f"sector: {c['sector']}")
            st.caption(" · ".join(meta))
            for alt in c.get("alternates", []):
                st.caption(f"ook in: {alt['title']} ({alt['source_file']})")


def feedback_buttons(question: str, answer: str, key: str) -> None:
    cols = st.columns([2, 2, 8])
    for col, rating, label, icon in ((cols[0], "up", "Nuttig", ":material/thumb_up:"),
                                     (cols[1], "down", "Niet nuttig", ":material/thumb_down:")):
        if col.button(label, icon=icon, key=f"fb-{rating}-{key}", help="Was dit antwoord nuttig?"):
            try:
                api("POST", "/feedback", json={"question": question, "answer": answer, "rating": rating})
                st.toast("Bedankt voor je feedback!")
            except Exception as exc:  # noqa: BLE001
                st.toast(f"Feedback niet opgeslagen: {exc}")


def render_answer(msg: dict, key: str) -> None:
    st.markdown(msg["content"])
    if msg.get("abstained"):
        st.info("De documenten beantwoorden deze vraag niet.")
    if msg.get("notice"):
        st.caption(msg["notice"])
    if msg.get("citations"):
        st.markdown("**Bronnen**")
        show_citations(msg["citations"], key)
    elif msg.get("related"):
        st.markdown("**Passages die het dichtst in de buurt komen**")
        show_citations(msg["related"], key)
    if msg.get("question"):
        feedback_buttons(msg["question"], msg["content"], key)


def filters_from_sidebar() -> dict | None:
    st.sidebar.header("Filters")
    try:
        secs = sectors()
        docs = documents()
    except (ApiDown, RuntimeError):
        return None
    names = {s["name"]: s["id"] for s in secs}
    chosen = st.sidebar.multiselect("Sector", list(names), key="filter_sector")
    titles = {f"{d['title'][:60]} ({(d.get('date') or '')[:4]})": d["document_id"] for d in docs}
    chosen_docs = st.sidebar.multiselect("Document", list(titles), key="filter_document")
    f = {}
    if chosen:
        f["sector"] = [names[c] for c in chosen]
    if chosen_docs:
        f["document_id"] = [titles[d] for d in chosen_docs]
    return f or None


def page_chat(filters: dict | None) -> None:
    st.title("Vraagbaak Banenafspraak")
    st.caption("Antwoorden uitsluitend uit de documenten over de banenafspraak bij overheid en onderwijs, met bronnen.")
    history = st.session_state.setdefault("messages", [])
    if not history:
        st.markdown("**Voorbeeldvragen**")
        cols = st.columns(len(EXAMPLES))
        for col, ex in zip(cols, EXAMPLES):
            if col.button(ex, key=f"ex-{ex}"):
                st.session_state["pending"] = ex
    for i, msg in enumerate(history):
        with st.chat_message(msg["role"]):
            if msg["role"] == "assistant":
                render_answer(msg, f"h{i}")
            else:
                st.markdown(msg["content"])
    question = st.chat_input("Stel een vraag over de banenafspraak …")
    question = question or st.session_state.pop("pending", None)
    if not question:
        return
    with st.chat_message("user"):
        st.markdown(question)
    turns = [{"role": m["role"], "content": m["content"]} for m in history][-20:]
    payload = {"question": question, "history": turns}
    if filters:
        payload["filters"] = filters
    with st.chat_message("assistant"):
        placeholder = st.empty()
        try:
            final = stream_answer(payload, placeholder)
        except ApiDown:
            placeholder.error(f"De API is niet bereikbaar op {API_URL}. Start hem met `vraagbaak serve`.")
            return
        except RuntimeError as exc:
            placeholder.error(f"De vraag kon niet worden beantwoord: {exc}")
            return
        if final is None:
            placeholder.error("Geen antwoord ontvangen.")
            return
        placeholder.empty()
        msg = {"role": "assistant", "content": final["answer"], "citations": final["citations"],
               "related": final.get("related", []), "abstained": final["abstained"], "notice": final.get("notice"),
               "question": question}
        render_answer(msg, f"h{len(history) + 1}")
    history.append({"role": "user", "content": question})
    history.append(msg)


def ask_and_render(question: str, key: str) -> None:
    """A page built on one fixed question (the sector overview, the knelpunten list)."""
    try:
        res = api("POST", "/ask", json={"question": question})
    except (ApiDown, RuntimeError) as exc:
        st.error(f"Het antwoord kon niet worden opgehaald: {exc}")
        return
    render_answer({"content": res["answer"], "citations": res["citations"], "abstained": res["abstained"],
                   "question": question, "related": res.get("related", []), "notice": res.get("notice")}, key)


def page_sector() -> None:
    st.title("Mijn sector")
    try:
        secs = sectors()
    except (ApiDown, RuntimeError):
        st.error(f"De API is niet bereikbaar op {API_URL}. Start hem met `vraagbaak serve`.")
        return
    options = {f"{s['name']} ({s['chunk_count']} passages)": s for s in secs if s["chunk_count"] > 0}
    label = st.selectbox("Kies uw sector", list(options), key="sector_choice")
    if not label:
        return
    sec = options[label]
    st.caption("Ook bekend als: " + ", ".join(sec["aliases"][:6]))
    ask_and_render(f"Wat heeft de sector {sec['name']} gedaan?", f"sector-{sec['id']}")


def page_knelpunten() -> None:
    st.title("Knelpunten")
    st.caption("De knelpunten die de documenten noemen, met de voorgestelde oplossingen.")
    ask_and_render("Wat zijn de grootste ervaren knelpunten?", "knelpunten")


def main() -> None:
    st.markdown("<style>.ctx{font-size:0.92rem;line-height:1.5} mark{background:#ffe58a;padding:0 2px}</style>",
                unsafe_allow_html=True)
    page = st.sidebar.radio("Pagina", ["Chat", "Mijn sector", "Knelpunten"], key="page")
    try:
        health = api("GET", "/health")
        if not health.get("ready"):
            st.sidebar.warning("De index is leeg: voer `vraagbaak ingest` uit.")
    except ApiDown:
        st.error(f"De API is niet bereikbaar op {API_URL}. Start hem met `vraagbaak serve`.")
        return
    except RuntimeError as exc:
        st.error(str(exc))
        return
    filters = filters_from_sidebar() if page == "Chat" else None
    if page == "Chat":
        page_chat(filters)
    elif page == "Mijn sector":
        page_sector()
    else:
        page_knelpunten()


main()
