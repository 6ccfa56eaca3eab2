"""In a real browser at 1920x1080: the wallboard of the demo city is open; a caller starts
waiting (a call record committed here) and the board says so within seconds, no reload."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.clock import clock
from app.extensions import db
from app.seed.cases import seed_demo_cases
from app.seed.telephony import seed_telephony
from app.wallboard import live
from tests.conftest import PASSWORD
from tests.pages.conftest import screenshot
from tests.wallboard.helpers import call


def test_the_open_wallboard_follows_a_new_call_without_reload(app, page, sign_in):
    hub = live.hub(app)
    saved = hub.interval
    hub.interval = 0.5  # 5 s by default
    try:
        seed_demo_cases(12)
        seed_telephony(PASSWORD)
        page.set_viewport_size({"width": 1920, "height": 1080})
        sign_in("agent")
        page.wait_for_url("**/")
        page.goto("/wallboard")
        waiting = page.get_by_test_id("waiting")
        offered = page.get_by_test_id("calls-offered")
        expect(waiting).not_to_have_text("—")
        before_waiting = int(waiting.inner_text())
        before_offered = int(offered.inner_text())
        assert "%" in page.get_by_test_id("answer-rate").inner_text()
        assert "秒" in page.get_by_test_id("avg-wait").inner_text()
        assert "分" in page.get_by_test_id("avg-talk").inner_text()
        assert page.get_by_test_id("agents-busy").inner_text() == "4"
        page.evaluate("window.__loaded = performance.timeOrigin")

        call(clock.now() - timedelta(seconds=2))  # a caller starts waiting
        db.session.commit()

        expect(waiting).to_have_text(str(before_waiting + 1), timeout=5000)
        expect(offered).to_have_text(str(before_offered + 1))
        assert page.evaluate("window.__loaded") is not None  # the same page: no reload
        expect(page.get_by_test_id("board-live")).not_to_have_class("wb-live wb-stale")
        shot = screenshot(page, "wallboard-1920x1080")
        assert shot.stat().st_size > 20_000
        size = page.evaluate("[document.documentElement.scrollWidth, window.innerHeight]")
        assert size == [1920, 1080]  # one screen: nothing to scroll to
    finally:
        hub.interval = saved
