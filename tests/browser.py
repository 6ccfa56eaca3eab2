"""Browser fixtures for every test package: a real headless Chromium (Debian's `chromium`,
driven by Playwright by its executable path, never a downloaded browser) against the session's
app served over HTTP from a thread. One browser for the whole run: Playwright's sync API runs
one instance per thread, so every package shares this one (tests/conftest.py imports them).

Screenshots go to $MINQING_ARTIFACTS/screenshots (default artifacts/screenshots), which CI keeps.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# The demo password of every test user (tests/conftest.py seeds them with it).
PASSWORD = "test-pass"

CHROMIUM = os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("MINQING_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session's app over HTTP on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: `make system` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) whose page opens paths of the live server."""
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def sign_in(page):
    """sign_in("agent") signs the browser page in through the login form."""

    def run(username: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")

    return run


@pytest.fixture
def desk(browser, live_server):
    """desk("dispatcher") -> a page of a fresh browser context, signed in as that user."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(
            base_url=live_server, locale="zh-CN", viewport={"width": 1440, "height": 900}
        )
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.goto("/login")
        tab.fill("#username", username)
        tab.fill("#password", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(re.compile(r"/$"))
        return tab

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under the artifacts folder CI keeps."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
