"""The message centre's tests use the pages' fixtures (test-client sign-in, the live server, the
browser) as they are."""

from tests.pages.conftest import browser, desk, live_server, page, page_login  # noqa: F401
