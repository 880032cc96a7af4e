"""The web page of `qa serve` in a real headless Chromium: ask, read the cited card, open the source, follow up."""

from __future__ import annotations

import os
import shutil

import pytest

from qa.server.service import CorpusService

expect = pytest.importorskip("playwright.sync_api", reason="SKIPPED: the web page test needs Playwright for Python: pip install playwright (no browser download needed)").expect
from tests.conftest import make_assistant
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        found = shutil.which("chromium")
        pytest.skip(
            f"SKIPPED: the web page test needs Debian's chromium at {CHROMIUM}"
            + (f" (found {found} instead)" if found else "")
            + ": run `apt-get update && apt-get install -y chromium`"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def base(settings, monkeypatch):
    monkeypatch.chdir(settings.corpus_dir.parent)
    service = CorpusService(lambda: make_assistant(settings))
    service.start()
    with live_server(service) as url:
        yield url


def test_ask_read_the_card_open_the_source_and_follow_up(browser, base):
    page = browser.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(base + "/")
    # A locator, not wait_for_function: Playwright evaluates a string predicate with eval, which
    # the page's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    expect(page.locator("#scope")).to_contain_text("3 documents")

    # The question box has the focus: type and press Enter, as a keyboard user would.
    page.keyboard.type("Which magazine does the group publish in English?")
    page.keyboard.press("Enter")
    first = page.locator(".turn").first
    first.locator(".card").first.wait_for()
    card = first.locator(".card").first
    assert card.locator(".citation").inner_text().startswith("corpus/shadow-caliphate-islamic-state-khorasan.txt:")
    assert "Al-Azaim" in card.locator("mark.answer").inner_text()
    marked = {text.lower() for text in card.locator(".qword").all_inner_texts()}
    assert {"magazine", "english"} <= marked
    assert "no-answer" not in (first.get_attribute("class") or "")

    # Keyboard: Down moves between cards, Enter opens the source at the passage, Esc closes it.
    card.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.querySelector('.rank').textContent") == "[2]"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    source = page.locator("#source")
    source.wait_for(state="visible")
    passage_text = page.evaluate("JSON.parse(document.querySelector('.card').dataset.passage).text")
    assert page.locator("#source-text .passage").inner_text() == passage_text
    assert "Al-Azaim" in page.locator("#source-text mark.answer").inner_text()
    assert page.locator("#source-title").inner_text() == card.locator(".citation").inner_text()
    page.keyboard.press("Escape")
    source.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('card')")

    # A follow-up is searched with the conversation and says so.
    page.keyboard.press("/")
    page.keyboard.type("What should be done about it?")
    page.keyboard.press("Enter")
    page.locator(".turn").nth(1).wait_for()
    newest = page.locator(".turn").first
    assert newest.locator("h2").inner_text() == "What should be done about it?"
    assert "searched for" in newest.locator(".searched").inner_text()
    assert newest.locator(".card").count() >= 1

    # Nothing answers: a distinct look, not a confident card.
    page.locator("#new-conversation").click()
    page.locator("#question").fill("What is the boiling point of mercury?")
    page.keyboard.press("Enter")
    page.locator(".turn.no-answer").wait_for()
    banner = page.locator(".turn.no-answer .no-answer-banner").inner_text()
    assert banner.startswith("No passage in the corpus answers this question")
    assert page.locator(".turn.no-answer .tag").first.inner_text() == "weak match"
    assert problems == []


def test_an_error_shows_in_the_page_not_a_blank(browser, base):
    page = browser.new_page()
    page.goto(base + "/")
    page.locator("#question").fill("x" * 2000)
    page.evaluate("document.getElementById('question').removeAttribute('maxlength')")
    page.locator("#question").fill("y" * 2001)
    page.keyboard.press("Enter")
    page.locator("#error").wait_for(state="visible")
    assert "at most 2000" in page.locator("#error").inner_text()
