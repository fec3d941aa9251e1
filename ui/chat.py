"""The chat page: conversations kept per browser, a queue for questions asked while one is pending, filters."""
from __future__ import annotations

import re
import secrets

import streamlit as st

from ui import client
from ui.render import export_markdown, filter_summary
from ui.widgets import api_down, documents, render_answer, sectors

EXAMPLES = [
    "Wat heeft de sector Provincies gedaan?",
    "Wat zijn de grootste ervaren knelpunten?",
    "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?",
    "What did the municipalities do?",
]
S = st.session_state


# -- conversations --------------------------------------------------------------------------
def _new_conversation() -> None:
    S.conv_id = secrets.token_urlsafe(9)
    S.messages = []
    S.queue = []
    S.busy = False
    S.loaded = S.conv_id


def _open(conv_id: str) -> None:
    S.conv_id = conv_id
    S.loaded = None


def _load(browser_id: str) -> None:
    """The conversation named in the URL (?gesprek=), loaded once per session."""
    wanted = st.query_params.get("gesprek")
    if "conv_id" not in S:
        if wanted:
            S.conv_id, S.loaded = wanted, None
        else:
            _new_conversation()
    if S.get("loaded") != S.conv_id:
        try:
            got = client.call("GET", f"/conversations/{S.conv_id}", params={"browser_id": browser_id})
            S.messages = got["messages"]
        except client.ApiError:
            S.messages = []  # an unknown id starts empty under that id
        S.queue, S.busy, S.loaded = [], False, S.conv_id
    if S.messages or wanted:
        st.query_params["gesprek"] = S.conv_id


def _save(browser_id: str) -> None:
    if not S.messages:
        return
    title = next((m["content"] for m in S.messages if m["role"] == "user"), "Gesprek")
    title = title if len(title) <= 80 else title[:77].rsplit(" ", 1)[0] + " …"
    try:
        client.call("PUT", f"/conversations/{S.conv_id}",
                    json={"browser_id": browser_id, "title": title, "messages": S.messages[-200:]})
    except (client.ApiDown, client.ApiError) as exc:
        st.toast(f"Het gesprek kon niet worden bewaard: {exc}")


def _sidebar_conversations(browser_id: str) -> None:
    st.sidebar.button("Nieuw gesprek", icon=":material/add_comment:", on_click=_new_conversation,
                      key="new-conv", width="stretch")
    try:
        convs = client.call("GET", "/conversations", params={"browser_id": browser_id})["conversations"]
    except (client.ApiDown, client.ApiError):
        convs = []
    if S.get("messages"):
        st.sidebar.download_button("Exporteer gesprek", export_markdown(S.messages), file_name="vraagbaak-gesprek.md",
                                   mime="text/markdown", on_click="ignore", icon=":material/download:",
                                   key="export-conv", width="stretch")
    if convs:
        st.sidebar.caption("Eerdere gesprekken")
        for c in convs[:15]:
            current = c["conversation_id"] == S.get("conv_id")
            st.sidebar.button(c["title"], key=f"conv-{c['conversation_id']}", on_click=_open,
                              args=(c["conversation_id"],), type="primary" if current else "secondary",
                              width="stretch", icon=":material/chat:")


# -- filters --------------------------------------------------------------------------------
def _clear_filters() -> None:
    S.filter_sector = []
    S.filter_document = []


def _filters() -> tuple[dict | None, dict[str, str]]:
    st.sidebar.subheader("Filters")
    try:
        secs, docs = sectors(), documents()
    except (client.ApiDown, client.ApiError):
        return None, {}
    by_name = {s["name"]: s["id"] for s in secs}
    by_title = {f"{d['title'][:70]} ({(d.get('date') or '')[:4]})": d["document_id"] for d in docs}
    chosen = st.sidebar.multiselect("Sector", list(by_name), key="filter_sector", placeholder="Kies een sector")
    chosen_docs = st.sidebar.multiselect("Document", list(by_title), key="filter_document",
                                         placeholder="Kies een document")
    f = {}
    if chosen:
        f["sector"] = [by_name[c] for c in chosen]
    if chosen_docs:
        f["document_id"] = [by_title[d] for d in chosen_docs]
    names = {v: k for k, v in by_name.items()} | {v: k for k, v in by_title.items()}
    return f or None, names


# -- asking ---------------------------------------------------------------------------------
def _on_submit() -> None:
    """Runs before the page: a question typed while another is pending goes into the queue, never lost."""
    q = (S.get("chat_draft") or "").strip()
    if not q:
        S.chat_error = "Typ eerst een vraag."
        return
    if len(q) > client.MAX_QUESTION:
        S.chat_error = f"De vraag is te lang: maximaal {client.MAX_QUESTION} tekens."
        S.restore_draft = q[:client.MAX_QUESTION]
        return
    if S.get("busy") or S.get("queue"):
        S.queued_notice = "Je vraag staat in de wachtrij; hij wordt beantwoord zodra het vorige antwoord klaar is."
    S.setdefault("queue", []).append(q)


def _ask_example(q: str) -> None:
    S.setdefault("queue", []).append(q)


def other_sector_named(question: str, filters: dict | None, secs: list[dict]) -> str | None:
    """The name of a sector the question mentions that the active sector filter leaves out, if any."""
    chosen = set((filters or {}).get("sector") or [])
    if not chosen:
        return None
    words = " " + re.sub(r"\W+", " ", question.lower()) + " "
    for s in secs:
        if s["id"] in chosen:
            continue
        if any(f" {a.lower()} " in words for a in [s["name"], *s.get("aliases", [])] if len(a) > 2):
            return s["name"]
    return None


def _answer(question: str, filters: dict | None, names: dict[str, str], browser_id: str) -> bool:
    """Streams one answer; on an error the question goes back into the input. Returns False on an error."""
    turns = [{"role": m["role"], "content": m["content"]} for m in S.messages][-20:]
    payload = {"question": question, "history": turns}
    if filters:
        payload["filters"] = filters
    with st.chat_message("user"):
        st.markdown(question)
    try:
        other = other_sector_named(question, filters, sectors())
    except (client.ApiDown, client.ApiError):
        other = None
    with st.chat_message("assistant"):
        box = st.empty()
        text, final = "", None
        try:
            with st.spinner("Het antwoord wordt gezocht …"):
                for event, data in client.stream_ask(payload):
                    if event == "token":
                        text += data["text"]
                        box.markdown(text + " ▌")
                    elif event == "final":
                        final = data
        except (client.ApiDown, client.ApiError) as exc:
            box.empty()
            S.chat_error = str(exc)
            S.restore_draft = question
            S.queue.pop(0)
            return False
        box.empty()
        if final is None:
            S.chat_error = "Er kwam geen antwoord van de server; probeer het opnieuw."
            S.restore_draft = question
            S.queue.pop(0)
            return False
    S.messages.append({"role": "user", "content": question})
    S.messages.append({"role": "assistant", "content": final["answer"], "citations": final["citations"],
                       "related": final.get("related", []), "abstained": final["abstained"],
                       "notice": final.get("notice"), "filters": filters,
                       "filter_warning": (f"Je vraag noemt {other}, maar het filter laat alleen "
                                          f"{filter_summary(filters, names)} toe." if other else None)})
    S.queue.pop(0)
    _save(browser_id)
    return True


def page(browser_id: str) -> None:
    _load(browser_id)
    _sidebar_conversations(browser_id)
    filters, names = _filters()
    st.title("Vraagbaak Banenafspraak")
    st.caption("Antwoorden uitsluitend uit de documenten over de banenafspraak bij overheid en onderwijs, met bronnen.")
    if filters:
        cols = st.columns([5, 2])
        cols[0].html(f"<span class='vb-chip'>Filter actief · {filter_summary(filters, names)}</span>")
        cols[1].button("Filter wissen", icon=":material/close:", on_click=_clear_filters, key="clear-filter")
    if not S.messages and not S.get("queue"):
        st.markdown("**Voorbeeldvragen**")
        cols = st.columns(2)
        for i, ex in enumerate(EXAMPLES):
            cols[i % 2].button(ex, key=f"ex-{i}", on_click=_ask_example, args=(ex,), width="stretch")
    question = None
    for i, msg in enumerate(S.messages):
        with st.chat_message(msg["role"]):
            if msg["role"] == "assistant":
                render_answer(msg, f"h{i}", question, names, on_change=lambda: _save(browser_id))
            else:
                question = msg["content"]
                st.markdown(question)
    if S.get("queued_notice"):
        st.info(S.pop("queued_notice"), icon=":material/schedule:")
    for q in S.get("queue", [])[1:]:
        with st.chat_message("user"):
            st.markdown(q)
            st.caption("In de wachtrij …")
    while S.get("queue"):
        S.busy = True
        q = S.queue[0]
        ok = _answer(q, filters, names, browser_id)
        if not ok:
            break
        st.rerun()  # draw the new answer with its sources, copy and feedback
    S.busy = False
    if S.get("chat_error"):
        st.error(S.pop("chat_error"), icon=":material/error:")
    if "restore_draft" in S:
        S.chat_draft = S.pop("restore_draft")
    st.chat_input("Stel een vraag over de banenafspraak …", key="chat_draft", max_chars=client.MAX_QUESTION,
                  on_submit=_on_submit)
    st.caption(f"Maximaal {client.MAX_QUESTION} tekens per vraag.")


def guard_api() -> None:
    try:
        health = client.call("GET", "/health", timeout=10)
    except client.ApiDown as exc:
        api_down(exc)
        return
    except client.ApiError as exc:
        api_down(exc)
        return
    if not health.get("ready"):
        st.warning("De index is leeg: voer `vraagbaak ingest` uit.")
