"""Streamlit pieces the pages share: an answer with its sources, feedback, the page script, the API-down notice."""
from __future__ import annotations

import html
import json

import streamlit as st

from ui import client
from ui.render import (clean_answer, document_link, export_markdown, filter_summary, first_sentence,
                       link_citations, quote_in_context, source_label)

CSS = """<style>
.ctx{font-size:.92rem;line-height:1.5;margin:.3rem 0 .4rem} mark{background:#ffe58a;padding:0 2px}
details.bron{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.35rem .7rem;margin:.3rem 0}
details.bron>summary{cursor:pointer;font-size:.92rem;line-height:1.4}
details.bron>summary .vb-meta{margin-left:1.1rem;font-style:italic}
details.bron.flash{box-shadow:0 0 0 3px #ffcf40}
a.cite{text-decoration:none;font-weight:600;padding:0 1px}
.vb-meta{font-size:.8rem;color:#555}
.vb-chip{display:inline-block;background:#e8f0fe;border:1px solid #9db7f5;border-radius:1rem;padding:.1rem .7rem;
 font-size:.85rem;margin:.1rem 0}
.vb-new{background:#d9f7e0;border-radius:.4rem;padding:0 .35rem;font-size:.75rem;font-weight:600;margin-right:.3rem}
.vb-table{overflow-x:auto} .vb-table table{border-collapse:collapse;width:100%;font-size:.88rem}
.vb-table th,.vb-table td{border-bottom:1px solid #ddd;padding:.4rem;vertical-align:top;text-align:left}
.vb-doc{font-size:.93rem;line-height:1.55;max-height:70vh;overflow-y:auto;border:1px solid #ddd;border-radius:.5rem;
 padding:.6rem .9rem} .vb-doc h4{margin:.9rem 0 .3rem;font-size:1rem} .vb-doc .role{font-size:.75rem;color:#666}
button.vb-copy{border:1px solid rgba(49,51,63,.25);background:white;border-radius:.5rem;padding:.25rem .75rem;
 font-size:.9rem;cursor:pointer}
[data-testid="stChatMessage"] p{max-width:70ch}
[data-testid="stTextInput"] [data-testid="InputInstructions"]{display:none}
@media (max-width:640px){.block-container{padding-left:.8rem!important;padding-right:.8rem!important}
 h1{font-size:1.6rem!important}}
</style>"""

# Runs in the page itself: lang="nl", the browser id cookie, [n] markers opening their source, copy buttons.
SCRIPT = """<script>
(function(){
  document.documentElement.lang = "nl";
  var id = %s;
  if (id && document.cookie.indexOf("vraagbaak_browser=") < 0) {
    document.cookie = "vraagbaak_browser=" + id + "; path=/; max-age=31536000; SameSite=Lax";
  }
  if (window.__vraagbaak) return; window.__vraagbaak = true;
  document.addEventListener("click", function(e){
    var a = e.target.closest && e.target.closest("a.cite");
    if (a) {
      e.preventDefault(); e.stopPropagation();
      var d = document.getElementById(a.getAttribute("data-bron"));
      if (d) { d.open = true; d.scrollIntoView({block: "center"}); d.classList.add("flash");
               setTimeout(function(){ d.classList.remove("flash"); }, 1500); }
      return;
    }
    var b = e.target.closest && e.target.closest("button.vb-copy");
    if (b) {
      var text = b.getAttribute("data-text");
      var done = function(){ b.textContent = "Gekopieerd ✓"; b.setAttribute("data-copied", "1"); };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, done); }
      else { var t = document.createElement("textarea"); t.value = text; document.body.appendChild(t); t.select();
             try { document.execCommand("copy"); } catch (err) {} t.remove(); done(); }
    }
  }, true);
})();
</script>"""


def page_setup(browser_id: str | None) -> None:
    st.html(CSS)
    st.html(SCRIPT % json.dumps(browser_id), unsafe_allow_javascript=True)


def api_down(exc: Exception) -> None:
    """A clear Dutch message with a retry button; the page stops here."""
    st.error(str(exc), icon=":material/cloud_off:")
    if st.button("Opnieuw proberen", icon=":material/refresh:", key="retry-api"):
        st.cache_data.clear()
        st.rerun()
    st.stop()


@st.cache_data(ttl=300, show_spinner=False)
def document_text(document_id: str) -> str:
    return client.call("GET", f"/documents/{document_id}").get("text", "")


@st.cache_data(ttl=60, show_spinner=False)
def sectors() -> list[dict]:
    return client.call("GET", "/sectors")["sectors"]


@st.cache_data(ttl=30, show_spinner=False)
def documents() -> list[dict]:
    return client.call("GET", "/documents")["documents"]


def short_titles() -> dict[str, str]:
    try:
        return {d["document_id"]: d.get("short_title") or d["title"] for d in documents()}
    except (client.ApiDown, client.ApiError):
        return {}


def sources_html(citations: list[dict], key: str) -> str:
    parts = []
    titles = short_titles()
    for c in citations:
        try:
            full = document_text(c["document_id"])
        except (client.ApiDown, client.ApiError):
            full = ""
        also = "".join(f"<div class='vb-meta'>ook in: {html.escape(a['title'])}"
                       f"{' (' + html.escape(a['date'][:4]) + ')' if a.get('date') else ''}</div>"
                       for a in c.get("alternates", []))
        parts.append(
            f"<details class='bron' id='bron-{key}-{c['n']}'><summary>{html.escape(source_label(c, titles))}"
            f"{'<div class=vb-meta>' + html.escape(first_sentence(c.get('quote', ''))) + '</div>' if first_sentence(c.get('quote', '')) else ''}"
            "</summary>"
            f"{quote_in_context(full, c)}{also}"
            f"<div class='vb-meta'><a href='{html.escape(document_link(c))}' target='_self'>"
            f"Open in het document ↗</a></div></details>")
    return "".join(parts)


def feedback(question: str, msg: dict, key: str, on_change=None) -> None:
    """Thumbs that keep showing the choice made, and an optional comment sent with it."""
    chosen = {"up": 1, "down": 0}.get(msg.get("feedback") or "")
    cols = st.columns([1, 3])
    with cols[0]:
        value = st.feedback("thumbs", key=f"fb-{key}", default=chosen)
    rating = {1: "up", 0: "down"}.get(value) if value is not None else None
    if rating and rating != msg.get("feedback"):
        if _send_feedback({"question": question, "answer": msg["content"], "rating": rating},
                          "Bedankt voor je feedback!"):
            msg["feedback"] = rating
            if on_change:
                on_change()
    if msg.get("feedback"):
        with cols[1]:
            st.caption("Je vond dit antwoord " + ("nuttig." if msg["feedback"] == "up" else "niet nuttig."))
        if not msg.get("comment_sent"):
            with st.form(f"fbc-{key}", border=False, clear_on_submit=True):
                comment = st.text_input("Toelichting (optioneel)", max_chars=2000, key=f"fbt-{key}",
                                        placeholder="Wat was goed of wat ontbrak?")
                if st.form_submit_button("Verstuur toelichting") and comment.strip():
                    if _send_feedback({"question": question, "answer": msg["content"], "rating": msg["feedback"],
                                       "comment": comment}, "Toelichting ontvangen, dank je wel."):
                        msg["comment_sent"] = True
                        if on_change:
                            on_change()


def _send_feedback(payload: dict, thanks: str) -> bool:
    """POST /feedback; a toast says thanks or, in Dutch, why it failed. True when it was stored."""
    try:
        client.call("POST", "/feedback", json=payload)
    except (client.ApiDown, client.ApiError) as exc:
        st.toast(str(exc))
        return False
    st.toast(thanks)
    return True


def render_answer(msg: dict, key: str, question: str | None = None, names: dict[str, str] | None = None,
                  on_change=None) -> None:
    """One answer: filter chip, clean Markdown with [n] links, sources, copy, export, feedback."""
    chip = filter_summary(msg.get("filters"), names or {})
    if chip:
        st.html(f"<span class='vb-chip'>Beantwoord met filter · {html.escape(chip)}</span>")
    if msg.get("filter_warning"):
        st.warning(msg["filter_warning"], icon=":material/filter_alt:")
    text = clean_answer(msg.get("content", ""))
    cits = msg.get("citations") or []
    st.markdown(link_citations(text, key, {c["n"] for c in cits}), unsafe_allow_html=True)
    if msg.get("abstained"):
        st.info("De documenten beantwoorden deze vraag niet; hieronder de passages die het dichtst in de buurt komen.")
    if msg.get("notice"):
        st.caption(msg["notice"])
    shown = cits or msg.get("related") or []
    if shown:
        st.markdown("**Bronnen**" if cits else "**Passages die het dichtst in de buurt komen**")
        st.html(sources_html(shown, key))
    turns = ([{"role": "user", "content": question}] if question else []) + [msg]
    with st.container(horizontal=True, vertical_alignment="center"):
        st.html(f"<button class='vb-copy' type='button' data-text='{html.escape(text, quote=True)}'>"
                "Kopieer</button>", width="content")
        st.download_button("Exporteer", export_markdown(turns), file_name="vraagbaak-antwoord.md",
                           mime="text/markdown", key=f"exp-{key}", on_click="ignore", icon=":material/download:")
    if question:
        feedback(question, msg, key, on_change)
