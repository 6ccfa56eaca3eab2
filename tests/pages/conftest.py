"""Page tests: the test client for what a page answers; the browser fixtures (live server,
Chromium, signed-in pages, screenshots) are every package's, in tests/browser.py."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, csrf_of, screenshot  # noqa: F401
from tests.conftest import PASSWORD


@pytest.fixture
def page_login(client):
    """page_login("agent") signs the test client in through the login form."""

    def sign_in(username: str, password: str = PASSWORD):
        html = client.get("/login").get_data(as_text=True)
        return client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": csrf_of(html)},
        )

    return sign_in
