"""The Streamlit front end under AppTest against the real API: the rendering rules, the chat flow, the pages."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from assistant.settings import PROJECT_ROOT
from tests.conftest import free_port

APP = str(PROJECT_ROOT / "ui" / "app.py")


@pytest.fixture()
def app_env(live_api, monkeypatch):
    monkeypatch.setenv("VRAAGBAAK_API_URL", live_api)
    monkeypatch.delenv("VRAAGBAAK_API_KEY", raising=False)
    monkeypatch.delenv("VRAAGBAAK_READ_KEY", raising=False)
    import ui.client

    monkeypatch.setattr(ui.client, "API_URL", live_api)
    return live_api


def run(at: AppTest) -> AppTest:
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [getattr(h, "proto", None) and h.proto.body or "" for h in
                                                      at.get("html")])


# -- the rendering rules, applied to whatever Markdown the API returns ----------------------------
def _render_script():
    import streamlit as st

    from ui.widgets import render_answer

    render_answer(st.session_state["msg"], "t", "Wat heeft de sector Provincies gedaan?")


RAW = {
    "content": ("Overzicht voor de sector Provincies:\n\n- Tabel 3 Sector Provincies / IPO\n"
                "- Tabel 3 Sector Provincies / IPO\n"
                "- Er zijn 49,78 fte gerealiseerd. Gevolgen: het netwerk is versterkt. [1]\n"
                "- Er is inzicht in kosten. Er is inzicht in baten en …\n"
                "- Draagvlak gerealiseerd onder management en medewerkers en … [2]\n"
                "- **Probleem 2: Meeteltermijn doelgroepenregister** (2017): Probleem 2: Meeteltermijn "
                "doelgroepenregister: werknemers tellen na twee jaar niet meer mee. [1]"),
    "citations": [
        {"n": 1, "document_id": "onbekend", "title": "Bijlage I: activiteiten", "source_file": "001_0c61ab01f839f040.txt",
         "section": "Tabel 3 › Sector Provincies › Gevolgen", "sector": "provincies", "page": None, "date": "2016-03-01",
         "quote": "Er zijn 49,78 fte gerealiseerd.", "start": 0, "end": 10, "score": 1.0, "alternates": []},
        {"n": 2, "document_id": "onbekend", "title": "Update activiteiten", "source_file": "003_2af3d99aaebb0ece.txt",
         "section": "Tabel 3 › Sector Provincies", "sector": "provincies", "page": 4, "date": "2017-04-01",
         "quote": "Draagvlak gerealiseerd onder management en medewerkers.", "start": 0, "end": 10, "score": 1.0,
         "alternates": []}],
    "abstained": False,
}


def test_rendering_rules_caption_bullets_ellipsis_repeated_titles_hash_names(app_env):
    at = AppTest.from_function(_render_script, default_timeout=60)
    at.session_state["msg"] = dict(RAW)
    run(at)
    answer = at.markdown[0].value
    lines = [ln for ln in answer.splitlines() if ln.strip()]
    # no caption as a bullet; the caption title once, as a label
    assert not any(ln.lstrip().startswith("- Tabel") for ln in lines)
    assert answer.count("Tabel 3 Sector Provincies / IPO") == 1
    assert answer.count("Meeteltermijn doelgroepenregister") == 1
    # "Gevolgen:" on its own line, not glued to the bullet before it
    assert "**Gevolgen:**" in lines
    # no line ends (before its markers) in an ellipsis
    assert "…" not in answer and "..." not in answer
    assert "Er is inzicht in kosten." in answer
    # [n] markers link to their source
    assert 'href="#bron-t-1"' in answer and 'href="#bron-t-2"' in answer
    sources = shown_text(at)
    assert "001_0c61ab01f839f040" not in sources and ".txt" not in sources
    assert "[1] Bijlage I: activiteiten · 1 maart 2016 · Tabel 3 › Sector Provincies › Gevolgen" in sources
    assert "[2] Update activiteiten · 1 april 2017 · Tabel 3 › Sector Provincies · p. 4" in sources
    assert "vb-copy" in sources  # the copy button


# -- the chat page --------------------------------------------------------------------------
def test_chat_page_examples_answer_and_follow_up(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    assert at.title[0].value == "Vraagbaak Banenafspraak"
    assert any(b.label.startswith("Wat heeft de sector Provincies") for b in at.button)
    at.chat_input[0].set_value("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?").run(timeout=60)
    assert not at.exception
    assert "3.340" in " ".join(m.value for m in at.markdown)
    assert "bron-h1-1" in shown_text(at)
    at.chat_input[0].set_value("En bij de provincies?").run(timeout=60)
    assert "garantiebanen" in at.markdown[-2].value or "provinc" in at.markdown[-2].value.lower()
    assert [m["role"] for m in at.session_state["messages"]] == ["user", "assistant"] * 2
    assert at.query_params.get("gesprek")


def test_example_question_button(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    next(b for b in at.button if b.label.startswith("Wat zijn de grootste")).click().run(timeout=60)
    assert "Bureaucratie bij uitbesteding" in " ".join(m.value for m in at.markdown)


def test_blank_question_is_refused_in_dutch_and_nothing_sent(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.chat_input[0].set_value("   ").run(timeout=60)
    assert [e.value for e in at.error] == ["Typ eerst een vraag."]
    assert not at.session_state["messages"]


def test_question_asked_while_one_is_pending_is_queued_not_lost(app_env):
    """A submit while busy (the run that streams the first answer was interrupted) joins the queue visibly."""
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.session_state["busy"] = True
    at.session_state["queue"] = ["Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?"]
    at.chat_input[0].set_value("Wat doet de sector Defensie?").run(timeout=60)
    questions = [m["content"] for m in at.session_state["messages"] if m["role"] == "user"]
    assert questions == ["Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?", "Wat doet de sector Defensie?"]
    assert not at.session_state["queue"] and at.session_state["busy"] is False


def test_api_going_away_keeps_the_question_and_answers_it_on_retry(app_env, monkeypatch):
    import ui.client

    at = run(AppTest.from_file(APP, default_timeout=60))
    monkeypatch.setattr(ui.client, "API_URL", f"http://127.0.0.1:{free_port()}")  # the API goes away mid-session
    at.chat_input[0].set_value("Wat doet de sector Defensie?").run(timeout=60)
    errors = [e.value for e in at.error]
    assert errors == [f"De Vraagbaak-server is niet bereikbaar ({ui.client.API_URL}); probeer het zo opnieuw."]
    assert at.session_state["queue"] == ["Wat doet de sector Defensie?"]
    monkeypatch.setattr(ui.client, "API_URL", app_env)  # back
    next(b for b in at.button if b.label == "Opnieuw proberen").click().run(timeout=60)
    assert [m["content"] for m in at.session_state["messages"]][0] == "Wat doet de sector Defensie?"


def test_sector_filter_shows_a_chip_and_one_click_clears_it(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.sidebar.multiselect[0].set_value(["Waterschappen"]).run(timeout=60)
    assert "Filter actief · sector: Waterschappen" in shown_text(at)
    at.chat_input[0].set_value("Welke activiteiten zijn er ondernomen?").run(timeout=60)
    assert "Beantwoord met filter · sector: Waterschappen" in shown_text(at)
    assert all(c["sector"] == "waterschappen" for c in at.session_state["messages"][-1]["citations"])
    next(b for b in at.button if b.label == "Filter wissen").click().run(timeout=60)
    assert "Filter actief" not in shown_text(at)
    assert at.sidebar.multiselect[0].value == []


def test_clear_dutch_message_with_retry_when_the_api_is_down(monkeypatch):
    import ui.client

    monkeypatch.setattr(ui.client, "API_URL", f"http://127.0.0.1:{free_port()}")
    at = AppTest.from_file(APP, default_timeout=30)
    at.run(timeout=30)
    assert not at.exception
    assert any("niet bereikbaar" in e.value for e in at.error)
    assert any(b.label == "Opnieuw proberen" for b in at.button)


# -- the other pages, each on its own ---------------------------------------------------------
def _knelpunten_page():
    from ui.explore import page_knelpunten

    page_knelpunten()


def _sector_page():
    import streamlit as st

    from ui.explore import page_sector

    st.query_params["sector"] = "defensie"
    page_sector()


def _documents_page():
    from ui.documents_page import page

    page()


def test_knelpunten_page_no_title_twice_and_search(app_env):
    at = run(AppTest.from_function(_knelpunten_page, default_timeout=60))
    table = shown_text(at)
    assert table.count("<b>Bureaucratie bij uitbesteding</b>") == 1
    assert table.count("<b>Meeteltermijn doelgroepenregister</b>") == 1
    at.text_input[0].set_value("doelgroepenregister").run(timeout=60)
    assert "1 knelpunt gevonden." in [c.value for c in at.caption]


def test_my_sector_page_timeline_and_compare(app_env):
    at = run(AppTest.from_function(_sector_page, default_timeout=60))
    text = shown_text(at)
    assert "Periode" in " ".join(c.value for c in at.caption)
    assert "vb-new" in text and "Nieuw in 2017" in text


def test_documents_page_lists_every_document(app_env):
    at = run(AppTest.from_function(_documents_page, default_timeout=60))
    text = shown_text(at)
    assert text.count("class='document'") == 4 and "1 andere extractie" in text and ".txt" not in text


def test_a_question_about_another_sector_than_the_filter_is_flagged(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.sidebar.multiselect[0].set_value(["Universiteiten"]).run(timeout=60)
    at.chat_input[0].set_value("Wat hebben de gemeenten gedaan?").run(timeout=60)
    assert [w.value for w in at.warning] == ["Je vraag noemt Gemeenten, maar het filter laat alleen "
                                             "sector: Universiteiten toe."]
