"""Every page and every point of the chat page in real headless Chromium against the real API and Streamlit.

Screenshots go to $VRAAGBAAK_SCREENSHOT_DIR (docs/ when refreshing the README's pictures), else under var/.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.settings import PROJECT_ROOT
from tests.conftest import free_port, serving
from tests.ui.browser import Page, chromium_or_fail, make_driver

APP = str(PROJECT_ROOT / "ui" / "app.py")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def streamlit_url(live_api, tmp_path_factory):
    port = free_port()
    env = dict(os.environ, VRAAGBAAK_API_URL=live_api)
    env.pop("VRAAGBAAK_API_KEY", None)
    env.pop("VRAAGBAAK_READ_KEY", None)
    cmd = [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with serving(cmd, f"http://127.0.0.1:{port}/_stcore/health", log, env=env, timeout=60):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def page(streamlit_url, settings, tmp_path_factory):
    chromium_or_fail()
    shots = Path(os.environ.get("VRAAGBAAK_SCREENSHOT_DIR", settings.var_dir / "screenshots"))
    root = tmp_path_factory.mktemp("chromium")
    driver = make_driver(root / "profile", root / "downloads")
    p = Page(driver, streamlit_url, shots)
    p.downloads = root / "downloads"
    try:
        yield p
    except Exception:
        raise
    finally:
        try:
            driver.save_screenshot(str(root / "last.png"))
        finally:
            driver.quit()


def _new_conversation(page: Page) -> None:
    page.open("")
    page.click(page.button("Nieuw gesprek"))
    page.until(lambda: not page.answers() and "Voorbeeldvragen" in page.text(), "an empty conversation")


def _wait_answers(page: Page, n: int) -> None:
    """n assistant answers on the page, each with its sources drawn."""
    page.until(lambda: len(page.css("[data-testid='stChatMessage'] button.vb-copy")) >= n, f"{n} answers")
    page.settled()


def test_page_conventions(page):
    page.open("")
    assert page.d.execute_script("return document.documentElement.lang") == "nl"
    body = page.text()
    assert "Deploy" not in body and "Choose options" not in body
    assert not page.css("[data-testid='stAppDeployButton']")
    assert "Kies een sector" in page.d.page_source and "Voorbeeldvragen" in body
    # the limit counter under the question box
    from selenium.webdriver.common.keys import Keys

    box = page.first("textarea[data-testid='stChatInputTextArea']")
    box.send_keys("Wat doet Defensie?")
    page.until(lambda: "18/2000" in page.text(), "limit counter")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    # example questions are readable whole at full width: no button text cut off
    for b in page.css("[data-testid='stButton'] button"):
        if b.text.startswith("Hoeveel extra banen"):
            assert page.d.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", b)
            assert b.size["width"] > 400
    page.shot("screenshot-chat-start.png")


def test_ask_open_citation_copy_and_export(page):
    _new_conversation(page)
    page.ask("Wat heeft de sector Provincies gedaan?")
    _wait_answers(page, 1)
    body = page.text()
    assert "IPO" in body
    assert ".txt" not in body  # sources named by title, never by a hash file name
    assert "…" not in page.css("[data-testid='stChatMessage']")[1].text.split("Bronnen")[0]
    labels = [s.text for s in page.css("details.bron > summary")]
    assert labels and all("Update activiteiten" in s or "Bijlage" in s for s in labels)
    # [2] in the answer opens source 2 and highlights the quote
    marker = page.until(lambda: next((a for a in page.css("a.cite") if a.text == "[2]"), None))
    page.click(marker)
    opened = page.until(lambda: [d for d in page.css("details.bron") if d.get_attribute("open") is not None])
    assert opened[0].get_attribute("id").endswith("-2")
    assert opened[0].find_element(page.By.CSS_SELECTOR, "mark").text.strip()
    page.shot("screenshot-chat-overzicht.png", page.answers()[1])
    # copy
    copy = page.first("button.vb-copy")
    page.click(copy)
    page.until(lambda: copy.get_attribute("data-copied") == "1")
    assert "Gekopieerd" in copy.text
    # export: Markdown with the question, numbered sources and their quotes
    page.click(page.button("Exporteer"))
    got = page.until(lambda: [f for f in page.downloads.glob("*.md")], "exported file")
    md = got[0].read_text(encoding="utf-8")
    assert md.startswith("# Vraagbaak Banenafspraak") and "## Wat heeft de sector Provincies gedaan?" in md
    assert "**Bronnen**" in md and "\n1. " in md and "\n   > " in md and ".txt" not in md


def test_follow_up_and_feedback(page):
    before = len(page.css("button.vb-copy"))
    page.ask("En wat was het resultaat?")
    _wait_answers(page, before + 1)
    last = page.answers()[-1].text
    assert "garantiebanen" in last or "gerealiseerd" in last
    # feedback shows the choice and offers a comment
    thumbs = page.answers()[-1].find_elements(page.By.CSS_SELECTOR, "[data-testid='stFeedback'] button")
    page.click(thumbs[0])
    page.until(lambda: "Je vond dit antwoord nuttig." in page.text())
    assert "Toelichting (optioneel)" in page.text()


def test_reload_and_reopen_from_sidebar(page):
    url = page.d.current_url
    assert "gesprek=" in url
    page.d.refresh()
    page.settled()
    _wait_answers(page, 2)
    assert "Wat heeft de sector Provincies gedaan?" in page.text() and "En wat was het resultaat?" in page.text()
    assert "Je vond dit antwoord nuttig." in page.text()  # the choice survives too
    page.click(page.button("Nieuw gesprek"))
    page.until(lambda: not page.answers(), "an empty conversation")
    earlier = page.button("Wat heeft de sector Provincies gedaan?")
    page.click(earlier)
    page.settled()
    _wait_answers(page, 2)
    assert "En wat was het resultaat?" in page.text()


def test_double_submit_keeps_both_questions(page):
    _new_conversation(page)
    page.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    page.ask("Wat doet de sector Defensie?")
    _wait_answers(page, 2)
    texts = [m.text for m in page.answers()]
    assert any("sector Rijk in 10 jaar" in t for t in texts) and any("Defensie" in t for t in texts)
    assert len(texts) == 4  # two questions, two answers, in the order asked
    assert "Rijk" in texts[0] and "Defensie" in texts[2]


def test_blank_question_is_refused_in_dutch(page):
    page.ask("   ")
    page.until(lambda: "Typ eerst een vraag." in page.text())
    assert "422" not in page.text() and "field required" not in page.text().lower()


def test_active_filter_chip_and_clear(page):
    from selenium.webdriver.common.keys import Keys

    _new_conversation(page)
    box = page.first("[data-testid='stSidebar'] [data-testid='stMultiSelect'] input")
    page.click(box)
    box.send_keys("Waterschappen")
    box.send_keys(Keys.ENTER)
    page.settled()
    page.until(lambda: "Filter actief · sector: Waterschappen" in page.text())
    page.ask("Welke activiteiten zijn er ondernomen?")
    _wait_answers(page, 1)
    assert "Beantwoord met filter · sector: Waterschappen" in page.text()
    page.click(page.button("Filter wissen"))
    page.settled()
    page.until(lambda: "Filter actief" not in page.text())


def test_chat_at_420_px(page):
    page.d.set_window_size(420, 900)
    try:
        page.open("")
        page.ask("Wat zijn de grootste ervaren knelpunten?")
        _wait_answers(page, 1)
        width = page.d.execute_script("return document.documentElement.scrollWidth")
        assert width <= 430  # nothing forces a horizontal scroll
        page.shot("screenshot-chat-420.png")
    finally:
        page.d.set_window_size(1400, 1000)


def test_knelpunten_search_quotes_and_question(page):
    from selenium.webdriver.common.keys import Keys

    page.open("knelpunten")
    rows = page.until(lambda: len(page.css("tr.knelpunt")) >= 3 and page.css("tr.knelpunt"), "knelpunten rows")
    titles = [r.find_element(page.By.TAG_NAME, "b").text for r in rows]
    assert len(titles) == len(set(titles))  # no knelpunt twice
    assert page.text().count("Bureaucratie bij uitbesteding") == 1
    page.shot("screenshot-knelpunten.png")
    box = page.first("input[aria-label='Zoek in de knelpunten']")
    box.send_keys("doelgroepenregister")
    box.send_keys(Keys.ENTER)
    page.settled()
    page.until(lambda: len(page.css("tr.knelpunt")) == 1)
    row = page.first("tr.knelpunt")
    assert "Meeteltermijn" in row.text
    page.click(row.find_element(page.By.CSS_SELECTOR, "details summary"))
    assert row.find_element(page.By.CSS_SELECTOR, "details mark").text.strip()
    q = page.first("input[aria-label='Uw vraag over de knelpunten']")
    q.send_keys("Wat is het probleem bij uitbesteding?")
    page.click(page.button("Vraag"))
    page.settled()
    page.until(lambda: "Bureaucratie bij uitbesteding" in page.text() and page.css("a.cite"))


def test_sector_timeline_and_compare(page):
    page.open("mijn-sector?sector=provincies")
    page.until(lambda: "Tijdlijn" in page.text() and "Periode:" in page.text())
    body = page.text()
    assert "1 maart 2016" in body and "1 april 2017" in body
    assert page.css(".vb-new")  # new points marked
    assert "punten herhaald" in body  # repeats folded under "ook in …"
    page.shot("screenshot-mijn-sector.png")
    page.click(page.until(lambda: next((t for t in page.css("[role='tab']") if "Vergelijk" in t.text), None), "compare tab"))
    page.until(lambda: "Nieuw in 2017" in page.text() and "Alleen in 2016" in page.text())
    page.shot("screenshot-vergelijk.png")


def test_documents_page_and_citation_jump(page):
    page.open("documenten")
    page.until(lambda: len(page.css("tr.document")) >= 4, "document rows")
    assert "Plan van aanpak" in page.text() and "1 andere extractie" in page.text()
    page.shot("screenshot-documenten.png")
    # a citation's link opens the document at the quote
    _new_conversation(page)
    page.ask("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?")
    _wait_answers(page, 1)
    page.click(page.first("a.cite"))
    page.until(lambda: page.css("details.bron[open] mark"))
    page.shot("screenshot-chat.png")
    link = page.first("details.bron[open] a[href*='documenten?doc=']")
    page.click(link)
    page.settled()
    mark = page.until(lambda: page.css("mark#vb-doel"))[0]
    assert "3.340" in mark.text or mark.text.strip()
    assert page.css(".vb-doc h4")  # the structure: section headings
    page.shot("screenshot-document.png", page.css("[data-testid='stSelectbox']")[-1])


def test_upload_with_progress_and_delete(page, live_api, tmp_path):
    doc = tmp_path / "uploadtest.md"
    doc.write_text("# Testnotitie\n\nDeze notitie over een proef met zonnepanelen dient alleen de uploadtest.\n",
                   encoding="utf-8")
    page.open("documenten")
    page.click(page.until(lambda: next((e for e in page.css("[data-testid='stExpander'] summary")
                                        if "Document toevoegen" in e.text), None)))
    key = page.first("input[aria-label='API-sleutel']")
    key.send_keys("test-sleutel")
    page.first("[data-testid='stFileUploader'] input[type='file']").send_keys(str(doc))
    page.until(lambda: "uploadtest.md" in page.text())
    page.click(page.button("Uploaden"))
    try:
        page.until(lambda: "1 nieuw" in page.text(), "upload report")
        docs = httpx.get(f"{live_api}/documents").json()["documents"]
        added = next(d for d in docs if d["source_file"] == doc.name)
        page.open(f"documenten?doc={added['document_id']}")
        page.until(lambda: "zonnepanelen" in page.text())
        page.click(page.until(lambda: next((e for e in page.css("[data-testid='stExpander'] summary")
                                            if "Document verwijderen" in e.text), None)))
        box = page.until(lambda: [i for i in page.css("input[aria-label='API-sleutel']") if i.is_displayed()])[-1]
        box.send_keys("test-sleutel")
        page.click(page.first("[data-testid='stCheckbox'] input"))
        page.click(page.button("Verwijderen"))
        page.until(lambda: all(d["source_file"] != doc.name
                               for d in httpx.get(f"{live_api}/documents").json()["documents"]), "deleted")
    finally:
        for d in httpx.get(f"{live_api}/documents").json()["documents"]:
            if d["source_file"] == doc.name:
                httpx.delete(f"{live_api}/documents/{d['document_id']}", headers={"X-API-Key": "test-sleutel"})
