"""In a real browser: a handler's page is open; a dispatcher elsewhere transfers a case to the
handler's department; the badge in the open page counts it and a toast names it, no reload."""

from __future__ import annotations

from playwright.sync_api import expect

from app.notifications import feed
from tests.pages.conftest import screenshot


def test_the_open_page_hears_of_a_transfer_without_reload(app, desk, api, dept):
    feed.hub(app).poll_seconds = 0.2  # SQLite's poll (2 s by default); PostgreSQL listens
    page = desk("urban_handler")
    badge = page.locator("[data-testid=unread-badge]")
    assert badge.inner_text() == "0"
    page.evaluate("window.__loaded = performance.timeOrigin")
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    expect(badge).to_have_text("1", timeout=5000)
    toast = page.locator("[data-testid=toast]")
    toast.wait_for()
    assert "新待办" in toast.inner_text() and case["number"] in toast.inner_text()
    assert page.evaluate("window.__loaded") is not None  # the same page: it never reloaded
    screenshot(page, "message-centre-live-badge")
    # The toast leads to the message centre, where the case is one click away.
    toast.click()
    page.wait_for_url("**/messages")
    assert case["number"] in page.locator("[data-testid=messages]").inner_text()
    screenshot(page, "message-centre")
