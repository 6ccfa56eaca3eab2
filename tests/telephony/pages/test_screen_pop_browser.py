"""The screen pop in a real browser: an agent's page is open; the phone system offers a call
to that agent (the bridge's API); the page opens the intake page for the caller's number and
the call, with the caller's earlier cases and calls, without a click; the case registered is
linked to the call record. An agent typing in an intake form is not taken away from it: a
toast leads to the call's page instead."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import CallRecord, Case, User
from app.notifications import feed
from app.telephony import agents
from app.timefmt import to_rfc3339
from tests.pages.conftest import screenshot

CALLER = "13800001111"


def ready(username: str) -> User:
    user = db.session.scalar(select(User).filter_by(username=username))
    agents.set_state(user, "ready", by=user)
    db.session.commit()
    return user


def call_in(bridge_api, channel: str, caller: str = CALLER) -> dict:
    now = to_rfc3339(clock.now())
    bridge_api.put_call(
        channel,
        direction="inbound",
        caller=caller,
        called="12345",
        started_at=now,
        queued_at=now,
        skill_group="general",
    )
    return bridge_api.offer("general", channel, caller)


def test_the_offered_call_opens_the_intake_page_and_the_case_is_linked(
    app, api, seat, desk, bridge_api
):
    feed.hub(app).poll_seconds = 0.2  # SQLite's poll; PostgreSQL listens
    earlier = api.create(citizen_phone=CALLER, content="上周反映的路灯问题")
    # An hour ago the caller hung up in the queue: no case has it, the history shows it.
    hour_ago = to_rfc3339(clock.now() - timedelta(hours=1))
    bridge_api.put_call("1795378000.1", direction="inbound", caller=CALLER, called="12345",
                        started_at=hour_ago, queued_at=hour_ago, ended_at=hour_ago,
                        skill_group="general")  # fmt: skip
    seat("agent", "general", signed_in=True)
    page = desk("agent")
    ready("agent")
    page.evaluate("window.__loaded = performance.timeOrigin")
    offered = call_in(bridge_api, "1795381636.7")
    assert offered["agent"] == "agent"
    page.wait_for_url(re.compile(r"/intake\?phone=13800001111&call=1795381636\.7$"))
    banner = page.get_by_test_id("incoming-call")
    expect(banner).to_contain_text("来电")
    expect(banner).to_contain_text(CALLER)
    expect(banner).to_contain_text(earlier["number"])
    expect(banner).to_contain_text("排队挂机 1 次")
    expect(page.get_by_test_id("history-calls")).to_contain_text("排队中挂机")
    expect(page.locator("#citizen_phone")).to_have_value(CALLER)
    screenshot(page, "telephony-screen-pop")

    page.fill("#citizen_name", "张伟")
    page.fill("#citizen_address", "东城区和平路1号")
    page.fill("#content", "路灯还是不亮，来电再次反映")
    page.select_option("#case_type", "help")
    page.get_by_test_id("accept").click()
    number = page.get_by_test_id("case-number").inner_text()
    expect(page.get_by_test_id("call-linked")).to_be_visible()
    db.session.expire_all()
    case = db.session.scalar(select(Case).filter_by(number=number))
    call = db.session.scalar(select(CallRecord).filter_by(channel_id="1795381636.7"))
    assert call.case_id == case.id


def test_an_agent_typing_gets_a_toast_instead(app, seat, desk, bridge_api):
    feed.hub(app).poll_seconds = 0.2
    seat("agent", "general", signed_in=True)
    page = desk("agent")
    page.goto("/intake")
    page.fill("#content", "正在记录上一位来电人的诉求")
    ready("agent")
    call_in(bridge_api, "1795381636.8", caller="13900002222")
    toast = page.get_by_test_id("call-toast")
    expect(toast).to_contain_text("13900002222")
    assert page.url.endswith("/intake")
    expect(page.locator("#content")).to_have_value("正在记录上一位来电人的诉求")
    screenshot(page, "telephony-screen-pop-toast")
    toast.click()
    page.wait_for_url(re.compile(r"call=1795381636\.8"))
    expect(page.get_by_test_id("incoming-call")).to_contain_text("13900002222")


def test_a_bad_call_id_in_the_address_is_no_call(app, api, seat, desk):
    page = desk("agent")
    page.goto("/intake?phone=13800001111&call=<script>")
    expect(page.get_by_test_id("incoming-call")).to_have_count(0)
    assert page.locator("input[name=call]").count() == 0


def test_a_call_the_phone_system_never_reported_is_not_linked(app):
    """The case stands (the caller was heard); the agent is told the call is not linked."""
    from tests.helpers import INTAKE
    from tests.pages.conftest import csrf_of
    from tests.pages.inbox_helpers import signed_in

    client = signed_in(app, "agent")
    html = client.get("/intake?phone=13800001111&call=1795381699.1").get_data(as_text=True)
    assert 'data-testid="incoming-call"' in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    form = {**INTAKE, "csrf_token": csrf_of(html), "idempotency_key": key, "call": "1795381699.1"}
    resp = client.post("/intake", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-testid="case-number"' in body
    assert 'data-testid="call-not-linked"' in body
    db.session.expire_all()
    assert db.session.scalar(select(CallRecord).filter_by(channel_id="1795381699.1")) is None
