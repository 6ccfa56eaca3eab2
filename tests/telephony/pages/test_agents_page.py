"""The agent desk (/agents) in a real browser: an agent sets ready and away, signs in to a
skill group, sets the extension; a supervisor's board follows an agent's state without a
reload. Bad paths (test client): a state only the phone system sets, an unknown group, a form
of another agent, a post without CSRF token, a bad extension: refused, nothing changed."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import AgentState, User
from app.telephony import agents
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of, screenshot
from tests.pages.inbox_helpers import signed_in


def state_of(username: str) -> str:
    db.session.expire_all()
    user = db.session.scalar(select(User).filter_by(username=username))
    row = db.session.get(AgentState, user.id)
    return row.state if row else "signed_out"


def test_the_agent_sets_state_groups_and_phone(seat, desk):
    seat("agent", "general", "social", level=2)
    page = desk("agent")
    page.goto("/agents")
    my = page.get_by_test_id("my-desk")
    expect(my.get_by_test_id("state").first).to_have_text("签出")
    page.get_by_test_id("sign-in-general").click()
    page.wait_for_url(re.compile(r"/agents$"))
    expect(page.locator('[data-group="general"]')).to_contain_text("已签入")
    page.get_by_test_id("set-ready").click()
    expect(page.get_by_test_id("my-desk").get_by_test_id("state").first).to_have_text("就绪")
    assert state_of("agent") == "ready"
    page.fill("#endpoint", "PJSIP/agent07")
    page.locator("[data-testid=extension-form] button").click()
    expect(page.locator("#endpoint")).to_have_value("PJSIP/agent07")
    screenshot(page, "telephony-agent-desk")

    page.get_by_test_id("set-away").click()
    expect(page.get_by_test_id("my-desk").get_by_test_id("state").first).to_have_text("小休")
    # A bad extension: marked, the saved one stays.
    page.fill("#endpoint", "agent07; rm -rf")
    page.locator("[data-testid=extension-form] button").click()
    expect(page.get_by_test_id("error-endpoint")).to_be_visible()
    assert page.locator("#endpoint").evaluate("e => e.classList.contains('is-invalid')")
    screenshot(page, "telephony-agent-desk-bad-extension")
    assert (
        agents.state_of(db.session.scalar(select(User).filter_by(username="agent"))).endpoint
        == "PJSIP/agent07"
    )


def test_the_supervisor_board_follows_the_agents_live(seat, desk, user):
    seat("agent", "general")
    board = desk("dispatcher")
    board.goto("/agents")
    row = board.locator('[data-testid=agent-board] tr[data-agent="agent"]')
    expect(row.get_by_test_id("state")).to_have_text("签出")
    board.evaluate("window.__loaded = performance.timeOrigin")
    agents.set_state(user("agent"), "ready", by=user("agent"))
    expect(row.get_by_test_id("state")).to_have_text("就绪", timeout=8000)
    assert board.evaluate("window.__loaded") is not None  # the same page, never reloaded
    assert "综合咨询" in row.inner_text()
    screenshot(board, "telephony-agent-board")


def _desk_form(client) -> str:
    return csrf_of(client.get("/agents").get_data(as_text=True))


def test_bad_posts_change_nothing(app, seat):
    seat("agent", "general")
    client = signed_in(app, "agent")
    token = _desk_form(client)
    before = snapshot()
    cases = [
        ("/agents/state", {"agent": "agent", "state": "busy"}, 422, "error-state"),
        ("/agents/state", {"agent": "agent", "state": "asleep"}, 422, "error-state"),
        ("/agents/state", {"agent": "dispatcher", "state": "ready"}, 403, "error-state"),
        (
            "/agents/groups",
            {"agent": "agent", "code": "nosuch", "action": "sign_in"},
            422,
            "error-groups",
        ),
        (
            "/agents/groups",
            {"agent": "agent", "code": "general", "action": "explode"},
            422,
            "error-groups",
        ),
        (
            "/agents/groups",
            {"agent": "dispatcher", "code": "general", "action": "sign_in"},
            403,
            "error-groups",
        ),
        ("/agents/extension", {"agent": "agent", "endpoint": "<script>"}, 422, "error-endpoint"),
        (
            "/agents/extension",
            {"agent": "dispatcher", "endpoint": "PJSIP/x1"},
            403,
            "error-endpoint",
        ),
    ]
    for path, form, status, marked in cases:
        resp = client.post(path, data={**form, "csrf_token": token})
        html = resp.get_data(as_text=True)
        assert resp.status_code == status, (path, form, resp.status_code)
        assert f'data-testid="{marked}"' in html, (path, form)
    # Without the CSRF token: refused before anything is read.
    resp = client.post("/agents/state", data={"agent": "agent", "state": "ready"})
    assert resp.status_code == 400
    assert snapshot() == before


def test_who_opens_the_desk(app, seat):
    seat("agent", "general")
    assert signed_in(app, "agent").get("/agents").status_code == 200
    assert signed_in(app, "east_urban_handler").get("/agents").status_code == 403
    # A revisit clerk sets their phone here, and has no state or groups to set.
    html = signed_in(app, "revisit").get("/agents").get_data(as_text=True)
    assert 'data-testid="extension-form"' in html and 'data-testid="state-form"' not in html
    assert signed_in(app, "east_urban_handler").get("/agents/board").status_code == 403
    html = signed_in(app, "agent").get("/").get_data(as_text=True)
    assert 'href="/agents"' in html
    assert 'href="/agents"' not in signed_in(app, "east_urban_handler").get("/").get_data(
        as_text=True
    )
