"""The case page's 通话记录 card in a real browser: the case's calls (direction, caller, agent,
wait, talk, satisfaction) with a player for the recording; during the agent's live call on the
case, 三方通话 and 转接 send the phone system a command; refused ones are marked. The revisit
page's 回访电话 sends a callback command, refused with a marked error for a clerk without a
phone."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case, User
from app.telephony import agents
from app.timefmt import to_rfc3339
from tests.conftest import snapshot
from tests.helpers import INTAKE
from tests.pages.conftest import csrf_of, screenshot
from tests.pages.inbox_helpers import replied, signed_in
from tests.telephony.pages.conftest import wav


def t(minutes_ago: float) -> str:
    return to_rfc3339(clock.now() - timedelta(minutes=minutes_ago))


def user_named(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def test_the_case_lists_its_calls_and_plays_the_recording(app, api, seat, desk, bridge_api):
    case = api.create()
    seat("agent", "general")
    bridge_api.put_call(
        "1795381600.1",
        direction="inbound",
        caller=INTAKE["citizen_phone"],
        called="12345",
        started_at=t(30),
        queued_at=t(29.5),
        answered_at=t(29),
        ended_at=t(25),
        skill_group="general",
        agent="agent",
        case_id=case["id"],
        satisfaction=2,
    )
    bridge_api.recording("1795381600.1", wav())
    page = desk("agent")
    page.goto(f"/cases/{case['number']}")
    row = page.locator('[data-testid=call-list] tr[data-channel="1795381600.1"]')
    expect(row).to_contain_text("呼入")
    expect(row).to_contain_text("基本满意")
    expect(row).to_contain_text("4 分 0 秒")
    player = row.get_by_test_id("recording")
    src = player.get_attribute("src")
    # The recording plays: the browser reads its length from the served WAV.
    player.evaluate("a => a.load()")
    page.wait_for_function(
        "a => a.readyState >= 1 && a.duration > 0.4", arg=player.element_handle()
    )
    screenshot(page, "telephony-case-calls")
    # Served only to users who see the case.
    other = signed_in(app, "east_urban_handler")
    assert other.get(src).status_code == 404
    expect(page.get_by_test_id("call-commands")).to_have_count(0)  # no live call on it


def test_three_way_call_and_transfer_during_the_live_call(api, seat, desk, bridge_api):
    case = api.create()
    seat("agent", "general")
    agent = user_named("agent")
    agents.set_extension(agent, "PJSIP/agent01", by=agent)
    bridge_api.put_call(
        "1795381600.2",
        direction="inbound",
        caller=INTAKE["citizen_phone"],
        called="12345",
        started_at=t(3),
        queued_at=t(2.9),
        answered_at=t(2.8),
        skill_group="general",
        agent="agent",
        case_id=case["id"],
    )
    page = desk("agent")
    page.goto(f"/cases/{case['number']}")
    expect(page.get_by_test_id("live-call")).to_be_visible()
    # A number that is no number: marked, nothing sent.
    page.fill("#conference-number", "12a")
    page.get_by_test_id("conference").click()
    expect(page.get_by_test_id("error-conference")).to_be_visible()
    screenshot(page, "telephony-case-conference-refused")
    assert bridge_api.commands() == []
    page.fill("#conference-number", "12319")
    page.check("#conference-leave")
    page.get_by_test_id("conference").click()
    expect(page.locator(".alert-success")).to_contain_text("12319")
    page.select_option("#transfer-group", "social")
    page.get_by_test_id("transfer").click()
    expect(page.locator(".alert-success")).to_be_visible()
    screenshot(page, "telephony-case-live-call")
    sent = {c["kind"]: c for c in bridge_api.commands()}
    assert sent["conference"]["target_number"] == "12319" and sent["conference"]["leave"] is True
    assert sent["conference"]["channel_id"] == "1795381600.2"
    assert sent["transfer"]["group"] == "social" and sent["transfer"]["case_id"] == case["id"]


def test_commands_refused_without_a_live_call(app, api, seat, bridge_api):
    case = api.create()
    seat("agent", "general")
    client = signed_in(app, "agent")
    token = csrf_of(client.get(f"/cases/{case['number']}").get_data(as_text=True))
    before = snapshot()
    for path, form in [
        (f"/cases/{case['id']}/calls/conference", {"number": "12319"}),
        (f"/cases/{case['id']}/calls/transfer", {"group": "social"}),
    ]:
        resp = client.post(path, data={**form, "csrf_token": token})
        assert resp.status_code in (409, 422), path
        assert 'data-testid="error-' in resp.get_data(as_text=True)
    assert (
        client.post(f"/cases/{case['id']}/calls/transfer", data={"group": "social"}).status_code
        == 400
    )
    assert (
        client.post(
            "/cases/999999/calls/transfer", data={"group": "social", "csrf_token": token}
        ).status_code
        == 404
    )
    # A user who does not see the case: the 404 page, as for a missing case.
    other = signed_in(app, "east_urban_handler")
    token = csrf_of(other.get("/").get_data(as_text=True))
    path = f"/cases/{case['id']}/calls/conference"
    assert other.post(path, data={"number": "12319", "csrf_token": token}).status_code == 404
    assert snapshot() == before
    assert bridge_api.commands() == []


def test_the_revisit_clerk_calls_back(api, dept, desk, bridge_api):
    case = replied(api, dept, citizen_phone="13700000001")
    page = desk("revisit")
    page.goto("/revisit")
    row = page.locator(f'tr[data-case="{case["id"]}"]')
    row.get_by_test_id("callback").click()  # the clerk has no phone yet
    expect(page.get_by_test_id("error-callback")).to_be_visible()
    screenshot(page, "telephony-revisit-callback-refused")
    assert bridge_api.commands() == []
    clerk = user_named("revisit")
    agents.set_extension(clerk, "PJSIP/revisit01", by=clerk)
    db.session.commit()
    page.goto("/revisit")
    page.locator(f'tr[data-case="{case["id"]}"]').get_by_test_id("callback").click()
    expect(page.locator(".alert-success")).to_contain_text("13700000001")
    screenshot(page, "telephony-revisit-callback")
    (sent,) = bridge_api.commands()
    assert sent["kind"] == "callback" and sent["case_id"] == case["id"]
    assert sent["clerk_endpoint"] == "PJSIP/revisit01" and sent["citizen_number"] == "13700000001"


def test_callback_refused_for_a_case_without_phone_or_another_role(app, api, dept, bridge_api):
    case = replied(api, dept)
    clerk = user_named("revisit")
    agents.set_extension(clerk, "PJSIP/revisit01", by=clerk)
    row = db.session.get(Case, case["id"])
    row.citizen_phone = ""  # a case that came without a number (a letter, the web)
    db.session.commit()
    client = signed_in(app, "revisit")
    token = csrf_of(client.get("/revisit").get_data(as_text=True))
    before = snapshot()
    resp = client.post(f"/cases/{case['id']}/calls/callback", data={"csrf_token": token})
    assert resp.status_code == 422
    assert 'data-testid="error-callback"' in resp.get_data(as_text=True)
    # An agent is no revisit clerk: refused (the error page), nothing asked of the phone.
    agent = signed_in(app, "agent")
    token = csrf_of(agent.get("/agents").get_data(as_text=True))
    assert agent.post(
        f"/cases/{case['id']}/calls/callback", data={"csrf_token": token}
    ).status_code in (403, 404)
    assert snapshot() == before
    assert bridge_api.commands() == []
