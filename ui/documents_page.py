"""Documenten: which documents are covered, one opened with its structure, a citation jump, upload and delete."""
from __future__ import annotations

import html

import streamlit as st

from ui import client
from ui.render import nl_date
from ui.widgets import documents, sectors

S = st.session_state
ROLE_LABELS = {"gevolgen": "resultaten", "knelpunt": "knelpunt", "oplossing": "voorgestelde oplossing",
               "activiteiten": "activiteiten", "voetnoot": "voetnoot"}


def documents_table(docs: list[dict], names: dict[str, str]) -> str:
    head = ("<tr><th>Titel</th><th>Soort</th><th>Datum</th><th>Periode</th><th>Passages</th><th>Sectoren</th>"
            "<th>Andere bronnen</th></tr>")
    rows = []
    for d in docs:
        alts = len(d.get("alternates") or [])
        rows.append(
            f"<tr class='document'><td><a target='_self' href='documenten?doc={html.escape(d['document_id'])}'>"
            f"{html.escape(d['title'])}</a></td><td>{html.escape(d.get('kind') or '')}</td>"
            f"<td>{nl_date(d.get('date'))}</td><td>{html.escape(d.get('period') or '')}</td>"
            f"<td>{d.get('chunk_count', 0)}</td>"
            f"<td>{html.escape(', '.join(names.get(s, s) for s in d.get('sectors', [])) or '–')}</td>"
            f"<td>{f'{alts} andere extractie' + ('s' if alts > 1 else '') if alts else '–'}</td></tr>")
    return f"<div class='vb-table'><table>{head}{''.join(rows)}</table></div>"


def structured_html(doc: dict, start: int | None, end: int | None) -> str:
    """The cleaned text chunk by chunk, a heading wherever the section path changes; the cited span marked."""
    text = doc["text"]
    parts, prev, prev_role = [], (), None
    for c in doc["chunks"]:
        section = tuple(p.strip() for p in (c.get("section") or "").split("›") if p.strip())
        common = 0
        while common < min(len(section), len(prev)) and section[common] == prev[common]:
            common += 1
        for level, title in enumerate(section[common:], start=common):
            parts.append(f"<h4 style='margin-left:{min(level, 3) * .8}rem'>{html.escape(title)}</h4>")
        prev = section
        s, e = c.get("start") or 0, c.get("end") or 0
        body = text[s:e]
        if start is not None and end is not None and s <= start < e:
            a, b = start - s, min(end, e) - s
            inner = (html.escape(body[:a]) + f"<mark id='vb-doel'>{html.escape(body[a:b])}</mark>"
                     + html.escape(body[b:]))
        else:
            inner = html.escape(body)
        role = ROLE_LABELS.get(c.get("role") or "") if (c.get("role"), section) != prev_role else None
        prev_role = (c.get("role"), section)
        label = f"<div class='role'>{role}{' · p. ' + str(c['page']) if c.get('page') else ''}</div>" if role else ""
        parts.append(f"<div class='chunk' id='c-{s}'>{label}<p>{inner.replace(chr(10), '<br>')}</p></div>")
    return "<div class='vb-doc'>" + "".join(parts) + "</div>"


SCROLL = """<script>
setTimeout(function(){ var m = document.getElementById("vb-doel"); if (m) m.scrollIntoView({block: "center"}); }, 300);
</script>"""


def _upload() -> None:
    with st.expander("Document toevoegen (met API-sleutel)", icon=":material/upload_file:"):
        with st.form("upload", border=False):
            key = st.text_input("API-sleutel", type="password", key="doc-key", placeholder="VRAAGBAAK_API_KEY")
            files = st.file_uploader("Kies bestanden (PDF, tekst, Markdown of HTML)",
                                     type=["pdf", "txt", "md", "html"], accept_multiple_files=True, key="doc-files")
            sent = st.form_submit_button("Uploaden", icon=":material/upload:")
        if sent:
            if not files:
                st.error("Kies eerst een bestand.")
                return
            if not key:
                st.error("Vul eerst de API-sleutel in.")
                return
            bar = st.progress(0.0, text="Voorbereiden …")
            try:
                report = client.upload([(f.name, f.getvalue()) for f in files], key,
                                       lambda frac, msg: bar.progress(frac, text=msg))
            except (client.ApiDown, client.ApiError) as exc:
                bar.empty()
                st.error(str(exc))
                return
            documents.clear()
            st.success(report.get("summary") or "Het document is toegevoegd.")
            st.info("Een geüpload document telt pas mee in antwoorden nadat een beheerder het vertrouwt "
                    "(`vraagbaak trust ID`).")
            for name, reason in report.get("failed", []):
                st.warning(reason)


def _delete(doc: dict) -> None:
    with st.expander("Document verwijderen", icon=":material/delete:"):
        with st.form(f"delete-{doc['document_id']}", border=False):
            key = st.text_input("API-sleutel", type="password", key=f"del-key-{doc['document_id']}")
            sure = st.checkbox(f"Ja, verwijder '{doc['title']}' uit de index", key=f"del-ok-{doc['document_id']}")
            sent = st.form_submit_button("Verwijderen", type="primary")
        if sent:
            if not sure:
                st.error("Vink eerst aan dat je dit document wilt verwijderen.")
                return
            try:
                client.call("DELETE", f"/documents/{doc['document_id']}", key=key or None)
            except (client.ApiDown, client.ApiError) as exc:
                st.error(str(exc))
                return
            documents.clear()
            st.query_params.pop("doc", None)
            st.success("Het document is verwijderd.")
            st.rerun()


def page() -> None:
    st.title("Documenten")
    st.caption("De documenten waaruit de Vraagbaak antwoordt.")
    try:
        docs, secs = documents(), sectors()
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
        return
    names = {s["id"]: s["name"] for s in secs}
    st.html(documents_table(docs, names))
    _upload()
    if not docs:
        return
    by_id = {d["document_id"]: d for d in docs}
    wanted = st.query_params.get("doc")
    titles = [d["title"] for d in docs]
    index = titles.index(by_id[wanted]["title"]) if wanted in by_id else None
    title = st.selectbox("Open een document", titles, index=index, key="doc-open", placeholder="Kies een document")
    if not title:
        return
    doc_id = next(d["document_id"] for d in docs if d["title"] == title)
    if doc_id != wanted:
        st.query_params["doc"] = doc_id
        st.query_params.pop("van", None)
        st.query_params.pop("tot", None)
    try:
        doc = client.call("GET", f"/documents/{doc_id}")
    except (client.ApiDown, client.ApiError) as exc:
        st.error(str(exc))
        return
    meta = [doc.get("kind"), nl_date(doc.get("date")), doc.get("period")]
    st.caption(" · ".join(m for m in meta if m) + f" · {len(doc['chunks'])} passages")
    try:
        start, end = int(st.query_params.get("van", "")), int(st.query_params.get("tot", ""))
    except ValueError:
        start = end = None
    if start is not None:
        st.info("De geciteerde passage is gemarkeerd.", icon=":material/format_quote:")
    st.html(structured_html(doc, start, end))
    if start is not None:
        st.html(SCROLL, unsafe_allow_javascript=True)
    _delete(doc)
