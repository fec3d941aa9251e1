"""The Streamlit front end: AppTest for each page against the real API, and one real headless-browser run."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.settings import PROJECT_ROOT
from tests.conftest import free_port, serving

APP = str(PROJECT_ROOT / "ui" / "app.py")


@pytest.fixture()
def app_env(live_api, monkeypatch):
    monkeypatch.setenv("VRAAGBAAK_API_URL", live_api)
    monkeypatch.delenv("VRAAGBAAK_API_KEY", raising=False)
    monkeypatch.delenv("VRAAGBAAK_READ_KEY", raising=False)
    return live_api


def run(at: AppTest) -> AppTest:
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_chat_page_shows_examples_and_answers_with_citations(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    assert at.title[0].value == "Vraagbaak Banenafspraak"
    assert any(b.label.startswith("Wat heeft de sector Provincies") for b in at.button)
    at.chat_input[0].set_value("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?").run(timeout=60)
    text = " ".join(m.value for m in at.markdown)
    assert "3.340" in text
    assert any(e.label.startswith("[1]") for e in at.expander)
    # follow-up uses the history
    at.chat_input[0].set_value("En bij de provincies?").run(timeout=60)
    assert "IPO" in " ".join(m.value for m in at.markdown)


def test_example_question_button(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    next(b for b in at.button if b.label.startswith("Wat zijn de grootste")).click().run(timeout=60)
    assert "Bureaucratie bij uitbesteding" in " ".join(m.value for m in at.markdown)


def test_sector_filter_in_sidebar(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.sidebar.multiselect[0].set_value(["Waterschappen"]).run(timeout=60)
    at.chat_input[0].set_value("Welke activiteiten zijn er ondernomen?").run(timeout=60)
    labels = [e.label for e in at.expander]
    assert labels and all("Waterschappen" in l for l in labels)


def test_my_sector_page(app_env):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.sidebar.radio[0].set_value("Mijn sector").run(timeout=60)
    choice = next(o for o in at.selectbox[0].options if o.startswith("Defensie"))
    at.selectbox[0].set_value(choice).run(timeout=60)
    text = " ".join(m.value for m in at.markdown)
    assert "voor de sector Defensie, per document" in text
    assert text.index("Kamerbrief van 2016") < text.index("april 2017")  # one block per document, in date order


def test_knelpunten_page_and_feedback(app_env, settings):
    at = run(AppTest.from_file(APP, default_timeout=60))
    at.sidebar.radio[0].set_value("Knelpunten").run(timeout=60)
    assert "Meeteltermijn" in " ".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Nuttig").click().run(timeout=60)
    from assistant.feedback import FeedbackStore

    assert any(f["rating"] == "up" and "knelpunten" in f["question"] for f in FeedbackStore(settings.feedback_path).all())


def test_clear_message_when_the_api_is_down(monkeypatch):
    monkeypatch.setenv("VRAAGBAAK_API_URL", f"http://127.0.0.1:{free_port()}")
    at = AppTest.from_file(APP, default_timeout=30)
    at.run(timeout=30)
    assert not at.exception
    assert any("niet bereikbaar" in e.value for e in at.error)


# -- a real browser -------------------------------------------------------------------------
@pytest.fixture()
def streamlit_server(live_api, tmp_path):
    port = free_port()
    env = dict(os.environ, VRAAGBAAK_API_URL=live_api)
    env.pop("VRAAGBAAK_API_KEY", None)
    cmd = [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with serving(cmd, f"http://127.0.0.1:{port}/_stcore/health", tmp_path / "streamlit.log", env=env, timeout=60):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                    reason="Debian's chromium and chromium-driver are installed by .ci/run")
def test_end_to_end_in_headless_chromium(streamlit_server, settings):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", f"--user-data-dir={settings.var_dir / 'chromium-profile'}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    out = Path(os.environ.get("VRAAGBAAK_SCREENSHOT", settings.var_dir / "screenshot-chat.png"))
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(streamlit_server)
        wait = WebDriverWait(driver, 90)
        box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "textarea[data-testid='stChatInputTextArea']")))
        box.send_keys("Wat heeft de sector Provincies gedaan?")
        box.send_keys(Keys.ENTER)
        expander = wait.until(EC.element_to_be_clickable(
            (By.XPATH, "//details[.//summary[contains(., '[1]')]]//summary")))
        assert "IPO" in driver.find_element(By.TAG_NAME, "body").text
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", expander)
        # a JavaScript click: the sticky chat input may overlap the summary while the page settles
        driver.execute_script("arguments[0].click();", expander)
        marks = wait.until(lambda d: [m for m in d.find_elements(By.CSS_SELECTOR, "mark")
                                      if m.is_displayed() and m.text.strip()])
        assert "IPO" in marks[0].text or marks[0].text.strip()
        driver.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.5)
        driver.save_screenshot(str(out))
        assert out.stat().st_size > 10_000
    except Exception:
        driver.save_screenshot(str(out.with_name("e2e-failure.png")))
        raise
    finally:
        driver.quit()
