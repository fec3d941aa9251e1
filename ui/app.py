"""Vraagbaak front end (Streamlit): Chat, Knelpunten, Mijn sector, Documenten. Talks to the API over HTTP only."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run ui/app.py` puts ui/ first

import streamlit as st  # noqa: E402

from ui import chat, documents_page, explore  # noqa: E402
from ui.widgets import page_setup  # noqa: E402

st.set_page_config(page_title="Vraagbaak Banenafspraak", page_icon="💬", layout="wide",
                   menu_items={"Get help": None, "Report a bug": None,
                               "About": "Vraagbaak Banenafspraak: antwoorden met bronnen uit de beleidsdocumenten."})


def browser_id() -> str:
    """The random id this browser keeps in a cookie; conversations are stored under it."""
    if "browser_id" not in st.session_state:
        cookie = st.context.cookies.get("vraagbaak_browser", "")
        ok = 8 <= len(cookie) <= 64 and all(ch.isalnum() or ch in "-_" for ch in cookie)
        st.session_state.browser_id = cookie if ok else secrets.token_urlsafe(16)
    return st.session_state.browser_id


def main() -> None:
    bid = browser_id()
    page_setup(bid)
    pages = [
        st.Page(lambda: chat.page(bid), title="Chat", icon=":material/chat:", url_path="chat", default=True),
        st.Page(explore.page_knelpunten, title="Knelpunten", icon=":material/report:", url_path="knelpunten"),
        st.Page(explore.page_sector, title="Mijn sector", icon=":material/timeline:", url_path="mijn-sector"),
        st.Page(documents_page.page, title="Documenten", icon=":material/description:", url_path="documenten"),
    ]
    current = st.navigation(pages)
    chat.guard_api()
    current.run()


main()
