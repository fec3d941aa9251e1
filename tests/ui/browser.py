"""Headless Chromium (Debian's chromium + chromium-driver) driving the real Streamlit page."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest


def chromium_or_fail() -> tuple[str, str]:
    """Paths of chromium and chromedriver. Missing under CI is a failure, never a skip."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    message = "Debian's chromium and chromium-driver are missing (scripts/setup --with-browser installs them)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message + "; outside CI only")


def make_driver(profile: Path, downloads: Path, width: int = 1400, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = chromium_or_fail()
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(driver), options=opts)


class Page:
    """Small helpers over a Selenium driver for a Streamlit app."""

    def __init__(self, driver, base: str, shots: Path):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.d, self.base, self.shots, self.By = driver, base.rstrip("/"), shots, By
        self.wait = WebDriverWait(driver, 60, poll_frequency=0.25)

    def open(self, path: str = "") -> None:
        self.d.get(f"{self.base}/{path}")
        self.settled()

    def settled(self) -> None:
        """Wait until the script run is over (no running indicator) and the page has content."""
        time.sleep(0.4)
        self.wait.until(lambda d: d.find_elements(self.By.CSS_SELECTOR, "[data-testid='stMainBlockContainer'] h1"))
        self.wait.until(lambda d: not d.find_elements(self.By.CSS_SELECTOR, "[data-testid='stStatusWidget'] *"))

    def text(self) -> str:
        return self.d.find_element(self.By.TAG_NAME, "body").text

    def css(self, selector: str) -> list:
        return self.d.find_elements(self.By.CSS_SELECTOR, selector)

    def until(self, fn, message: str = ""):
        from selenium.common.exceptions import TimeoutException

        try:
            return self.wait.until(lambda d: fn(), message)
        except TimeoutException as exc:
            raise AssertionError(f"timed out waiting for {message or fn}; page shows:\n{self.text()[-1500:]}") from exc

    def first(self, selector: str):
        """The first element matching ``selector``, waiting for Streamlit to render it."""
        return self.until(lambda: self.css(selector), selector)[0]

    def click(self, element) -> None:
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)

    def button(self, label: str):
        xp = f"//button[normalize-space(.)='{label}' or .//p[normalize-space(.)='{label}']]"
        return self.until(lambda: next((b for b in self.d.find_elements(self.By.XPATH, xp) if b.is_displayed()), None),
                          f"button {label!r}")

    def ask(self, question: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.until(lambda: self.css("textarea[data-testid='stChatInputTextArea']"))[0]
        box.send_keys(question)
        box.send_keys(Keys.ENTER)

    def answers(self) -> list:
        return self.css("[data-testid='stChatMessage']")

    def scroll_to(self, element=None) -> None:
        """Scroll Streamlit's main container (not the window) to the top or to ``element``."""
        for _ in range(3):  # the chat container sticks to the bottom while content still settles
            self.d.execute_script(
                "var m = document.querySelector('.stMain'); var e = arguments[0];"
                "m.scrollTop = e ? e.getBoundingClientRect().top - m.getBoundingClientRect().top + m.scrollTop - 16 : 0;",
                element)
            time.sleep(0.5)

    def shot(self, name: str, element=None) -> Path:
        self.scroll_to(element)
        self.shots.mkdir(parents=True, exist_ok=True)
        out = self.shots / name
        self.d.save_screenshot(str(out))
        assert out.stat().st_size > 10_000
        return out
