"""Commands from the pages to the bridge: a callback, a three-way call, a transfer asked for
(app/telephony/commands.py), taken once by the bridge's long poll, offered again when not
finished in time, their result on the case's timeline."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import clock
from app.errors import DomainError
from app.extensions import db
from app.models import Case, CaseEvent
from app.telephony import agents, commands
from tests.conftest import snapshot
from tests.telephony.conftest import NOW, at, put_call

CH = "1795381636.40"


@pytest.fixture
def case(api, now):
    return db.session.get(Case, api.create()["id"])


@pytest.fixture(autouse=True)
def clerk_phone(user):
    """The revisit clerk's own phone, where a callback starts."""
    clerk = user("revisit")
    agents.set_extension(clerk, "PJSIP/revisit", by=clerk)


def test_a_callback_needs_the_clerks_own_phone(case, user):
    clerk = user("revisit")
    agents.set_extension(clerk, "", by=clerk)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        commands.request_callback(clerk, case)
    assert (refused.value.code, refused.value.status) == ("no_extension", 422)
    assert snapshot() == before  # no command: nobody's phone rings


def poll(client, headers, wait=0):
    return client.get(f"/api/v1/telephony/commands?wait={wait}", headers=headers)


def result(client, headers, command_id, **body):
    return client.post(
        f"/api/v1/telephony/commands/{command_id}/result", json=body, headers=headers
    )


def test_a_callback_is_taken_once_and_its_outcome_is_on_the_timeline(client, bridge, case, user):
    asked = commands.request_callback(user("revisit"), case)
    taken = poll(client, bridge).get_json()["commands"]
    assert taken == [
        {
            "id": asked.id,
            "kind": "callback",
            "case_id": case.id,
            "clerk": "revisit",
            "clerk_endpoint": "PJSIP/revisit",
            "citizen_number": "13800001111",
        }
    ]
    assert poll(client, bridge).get_json()["commands"] == []
    done = result(client, bridge, asked.id, outcome="answered", talk_seconds=192)
    assert done.status_code == 200 and done.get_json()["recorded"] is True
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "callback")
    ).one()
    assert event.comment == "回访电话：已接通，通话 3 分 12 秒"
    assert event.user_id == user("revisit").id
    before = snapshot()
    again = result(client, bridge, asked.id, outcome="failed")
    assert again.status_code == 200 and again.get_json()["recorded"] is False
    assert snapshot() == before


def test_a_taken_command_not_finished_is_offered_again(client, bridge, case, user):
    asked = commands.request_callback(user("revisit"), case)
    assert len(poll(client, bridge).get_json()["commands"]) == 1
    clock.freeze(NOW + timedelta(seconds=30))
    assert poll(client, bridge).get_json()["commands"] == []
    clock.freeze(NOW + timedelta(seconds=61))
    assert [c["id"] for c in poll(client, bridge).get_json()["commands"]] == [asked.id]


def test_the_long_poll_returns_when_a_command_arrives(app, client, bridge, case, user):
    case_id, revisit_id = case.id, user("revisit").id

    def ask_soon():
        time.sleep(0.6)
        with app.app_context():
            from app.models import User

            commands.request_callback(
                db.session.get(User, revisit_id), db.session.get(Case, case_id)
            )
            db.session.remove()

    thread = threading.Thread(target=ask_soon)
    started = time.monotonic()
    thread.start()
    taken = poll(client, bridge, wait=5).get_json()["commands"]
    thread.join()
    assert len(taken) == 1 and time.monotonic() - started < 4


def test_the_long_poll_waits_then_answers_empty(client, bridge, now):
    started = time.monotonic()
    resp = poll(client, bridge, wait=1)
    assert resp.status_code == 200 and resp.get_json() == {"commands": []}
    assert time.monotonic() - started >= 0.9


def agent_on_call(client, bridge, case, groups):
    put_call(
        client, bridge, CH, started_at=at(), answered_at=at(5), agent="agent01", case_id=case.id
    )


def test_conference_and_transfer_need_the_agents_live_call(client, bridge, case, groups, user):
    agent01 = user("agent01")
    with pytest.raises(DomainError) as refused:
        commands.request_conference(agent01, case, "12319", leave=False)
    assert refused.value.code == "no_live_call"
    agent_on_call(client, bridge, case, groups)
    conference = commands.request_conference(agent01, case, "12319", leave=True)
    transfer = commands.request_transfer(agent01, case, "social")
    taken = {c["kind"]: c for c in poll(client, bridge).get_json()["commands"]}
    assert taken["conference"] == {
        "id": conference.id,
        "kind": "conference",
        "case_id": case.id,
        "channel_id": CH,
        "target_number": "12319",
        "leave": True,
    }
    assert taken["transfer"]["group"] == "social" and taken["transfer"]["channel_id"] == CH
    assert agents.state_of(agent01).state == "busy"
    result(client, bridge, conference.id, outcome="answered", channel_id="1795381636.41")
    # The agent left the two talking: their wrap-up starts now, not at the caller's hangup.
    assert agents.state_of(agent01).state == "wrap_up"
    result(client, bridge, transfer.id, outcome="done")
    comments = set(
        db.session.scalars(select(CaseEvent.comment).where(CaseEvent.case_id == case.id))
    )
    assert "三方通话：接入 12319（已接通，坐席退出）" in comments
    assert "电话转接：转至 社保医保（已完成）" in comments


def test_refused_requests_change_nothing(client, bridge, case, groups, user):
    agent_on_call(client, bridge, case, groups)
    before = snapshot()
    for call, code in [
        (lambda: commands.request_callback(user("agent01"), case), "role_not_allowed"),
        (
            lambda: commands.request_conference(user("revisit"), case, "1", False),
            "role_not_allowed",
        ),
        (
            lambda: commands.request_conference(user("agent01"), case, "12-3", False),
            "invalid_number",
        ),
        (lambda: commands.request_transfer(user("agent01"), case, "nope"), "unknown_skill_group"),
        (lambda: commands.request_transfer(user("agent"), case, "social"), "no_live_call"),
    ]:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == code
    assert snapshot() == before
    commands.request_callback(user("revisit"), case)
    with pytest.raises(DomainError) as refused:
        commands.request_callback(user("revisit"), case)
    assert refused.value.code == "command_pending"


@pytest.mark.parametrize(
    ("command_id", "body", "status"),
    [
        (999999, {"outcome": "done"}, 404),
        (1, {"outcome": "exploded"}, 422),
        (1, {"outcome": "done", "talk_seconds": -3}, 422),
        (1, {"outcome": "done", "channel_id": "bad id"}, 422),
        (1, {}, 422),
    ],
)
def test_bad_results_change_nothing(client, bridge, now, command_id, body, status):
    before = snapshot()
    resp = result(client, bridge, command_id, **body)
    assert resp.status_code == status, resp.get_json()
    assert snapshot() == before


@pytest.mark.parametrize("wait", ["26", "-1", "soon"])
def test_a_bad_wait_is_422(client, bridge, now, wait):
    resp = client.get(f"/api/v1/telephony/commands?wait={wait}", headers=bridge)
    assert resp.status_code == 422


def test_agents_may_not_poll_or_report(client, auth, case, user):
    commands.request_callback(user("revisit"), case)
    before = snapshot()
    assert poll(client, auth("agent")).status_code == 403
    assert result(client, auth("agent"), 1, outcome="done").status_code == 403
    assert snapshot() == before
