"""Knelpunten explorer and Mijn sector (timeline, 2016 ↔ 2017, a question box scoped to the sector)."""
from __future__ import annotations

import html

import streamlit as st

from ui import client
from ui.render import document_link, nl_date
from ui.widgets import documents, render_answer, sectors

S = st.session_state


def _ask_box(key: str, label: str, placeholder: str, path: str, extra: dict | None = None) -> None:
    """A question box whose answer stays on the page; errors in Dutch, the question kept in the box."""
    with st.form(f"form-{key}", border=False):
        q = st.text_input(label, key=f"q-{key}", max_chars=client.MAX_QUESTION, placeholder=placeholder)
        sent = st.form_submit_button("Vraag", icon=":material/send:")
    if sent:
        if not q.strip():
            st.error("Typ eerst een vraag.")
        else:
            try:
                with st.spinner("Het antwoord wordt gezocht …"):
                    res = client.call("POST", path, json={"question": q, **(extra or {})})
                S[f"ans-{key}"] = ({"content": res["answer"], "citations": res["citations"],
                                    "related": res.get("related", []), "abstained": res["abstained"],
                                    "notice": res.get("notice"), "filters": (extra or {}).get("filters")}, q)
            except (client.ApiDown, client.ApiError) as exc:
                st.error(str(exc))
    if f"ans-{key}" in S:
        msg, q = S[f"ans-{key}"]
        with st.container(border=True):
            render_answer(msg, key, q)


# -- knelpunten -----------------------------------------------------------------------------
def _knelpunten_table(rows: list[dict], sector_names: dict[str, str]) -> str:
    head = ("<tr><th>Knelpunt</th><th>Oorzaak</th><th>Voorgestelde oplossing</th><th>Document</th>"
            "<th>Datum</th><th>Sector</th><th>Citaten</th></tr>")
    body = []
    for r in rows:
        quotes = "".join(
            f"<div class='vb-meta'>{'Oplossing' if q['role'] == 'oplossing' else 'Knelpunt'}:</div>"
            f"<div class='ctx'><mark>{html.escape(q['text'])}</mark></div>"
            f"<div class='vb-meta'><a target='_self' href='{html.escape(document_link({'document_id': r['document_id'], 'start': q['start'], 'end': q['end']}))}'>"
            "Open in het document ↗</a></div>" for q in r["quotes"])
        also = "".join(f"<div class='vb-meta'>ook in {html.escape(a['title'])} ({nl_date(a.get('date'))})</div>"
                       for a in r.get("also_in", []))
        body.append(
            f"<tr class='knelpunt'><td><b>{html.escape(r['title'])}</b><br>{html.escape(r['description'])}</td>"
            f"<td>{html.escape(r['cause'])}</td><td>{html.escape(r['solution']) or '–'}</td>"
            f"<td>{html.escape(r['document_title'])}{also}</td><td>{nl_date(r.get('date'))}</td>"
            f"<td>{html.escape(sector_names.get(r.get('sector') or '', '') or 'alle sectoren')}</td>"
            f"<td><details class='bron'><summary>{len(r['quotes'])} citaten</summary>{quotes}</details></td></tr>")
    return f"<div class='vb-table'><table>{head}{''.join(body)}</table></div>"


def page_knelpunten() -> None:
    st.title("Knelpunten")
    st.caption("Elk knelpunt dat de documenten noemen, met oorzaak, voorgestelde oplossing en de letterlijke passages.")
    try:
        secs, docs = sectors(), documents()
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
        return
    names = {s["id"]: s["name"] for s in secs}
    cols = st.columns([3, 2, 2])
    q = cols[0].text_input("Zoek in de knelpunten", key="kp-q", placeholder="bijvoorbeeld: uitbesteding")
    sector = cols[1].selectbox("Sector", ["Alle sectoren"] + [s["name"] for s in secs], key="kp-sector")
    doc_titles = {d["title"]: d["document_id"] for d in docs}
    doc = cols[2].selectbox("Document", ["Alle documenten"] + list(doc_titles), key="kp-doc")
    params = {"q": q or None, "sector": next((k for k, v in names.items() if v == sector), None),
              "document_id": doc_titles.get(doc)}
    try:
        res = client.call("GET", "/knelpunten", params={k: v for k, v in params.items() if v})
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
        return
    rows = res["knelpunten"]
    st.caption(f"{len(rows)} knelpunt{'en' if len(rows) != 1 else ''} gevonden.")
    if rows:
        st.html(_knelpunten_table(rows, names))
    else:
        st.info("Geen knelpunten gevonden met deze zoekterm of dit filter.")
    st.subheader("Vraag binnen de knelpunten")
    _ask_box("knelpunten", "Uw vraag over de knelpunten", "Welk knelpunt gaat over het doelgroepenregister?",
             "/knelpunten/ask")


# -- mijn sector ----------------------------------------------------------------------------
def _point(p: dict, mark_new: bool) -> str:
    badge = "<span class='vb-new'>nieuw</span>" if mark_new and p.get("new") else ""
    link = html.escape(document_link({"document_id": p["document_id"], "start": p["start"], "end": p["end"]}))
    return f"<li>{badge}{html.escape(p['text'])} <a target='_self' href='{link}' title='Open in het document'>↗</a></li>"


def _timeline(data: dict) -> None:
    if not data["documents"]:
        st.info("De documenten noemen voor deze sector geen activiteiten of resultaten.")
        return
    for i, d in enumerate(data["documents"]):
        with st.container(border=True):
            st.markdown(f"#### {nl_date(d.get('date'))} · {d.get('short_title') or d['title']}")
            if d.get("period"):
                st.caption(f"Periode: {d['period']}")
            out = []
            if d["activities"]:
                out.append("<b>Activiteiten</b><ul>" + "".join(_point(p, i > 0) for p in d["activities"]) + "</ul>")
            if d["results"]:
                out.append("<b>Resultaten</b><ul>" + "".join(_point(p, i > 0) for p in d["results"]) + "</ul>")
            if not out:
                out.append("<div class='vb-meta'>Niets nieuws ten opzichte van de eerdere documenten.</div>")
            st.html("".join(out))
            if d["repeated"]:
                earlier = sorted({a.get("short_title") or a["title"] for p in d["repeated"] for a in p["also_in"]})
                with st.expander(f"Ook in {', '.join(earlier)} ({len(d['repeated'])} punten herhaald)"):
                    st.html("<ul>" + "".join(_point(p, False) for p in d["repeated"]) + "</ul>")


def _compare(data: dict) -> None:
    a, b = data["from_year"], data["to_year"]
    if not data["from_documents"] or not data["to_documents"]:
        st.info(f"Voor deze sector is er niet uit zowel {a} als {b} een document.")
        return
    cols = st.columns(3)
    for col, title, items in ((cols[0], f"Alleen in {a}", data["only_from"]),
                              (cols[1], "In beide", [p["to"] for p in data["both"]]),
                              (cols[2], f"Nieuw in {b}", data["only_to"])):
        with col:
            st.markdown(f"**{title}** ({len(items)})")
            st.html("<ul>" + "".join(_point(p, False) for p in items) + "</ul>" if items else
                    "<div class='vb-meta'>geen</div>")


def page_sector() -> None:
    st.title("Mijn sector")
    try:
        secs = [s for s in sectors() if s["chunk_count"] > 0]
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
        return
    by_name = {s["name"]: s for s in secs}
    wanted = st.query_params.get("sector")
    index = next((i for i, s in enumerate(secs) if s["id"] == wanted), None)
    name = st.selectbox("Kies uw sector", list(by_name), index=index, key="sector_choice",
                        placeholder="Kies een sector")
    if not name:
        st.caption("Kies een sector om de tijdlijn te zien.")
        return
    sec = by_name[name]
    st.query_params["sector"] = sec["id"]
    if sec.get("aliases"):
        st.caption("Ook bekend als: " + ", ".join(sec["aliases"][:6]))
    tab1, tab2 = st.tabs(["Tijdlijn", "Vergelijk 2016 ↔ 2017"])
    try:
        with tab1:
            _timeline(client.call("GET", f"/sectors/{sec['id']}/timeline"))
        with tab2:
            _compare(client.call("GET", f"/sectors/{sec['id']}/compare",
                                 params={"from_year": "2016", "to_year": "2017"}))
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
    st.subheader(f"Vraag over {name}")
    _ask_box(f"sector-{sec['id']}", "Uw vraag over deze sector", "Wat is er bereikt met de leerwerkplekken?",
             "/ask", {"filters": {"sector": [sec["id"]]}})
