"""PUT /api/v1/telephony/calls/<channel_id>: one record per call, the merge rule, the agent's
state following the call, and every bad input refused with nothing changed."""

from __future__ import annotations

import pytest

from tests.conftest import snapshot
from tests.telephony.conftest import at, call_of, put_call, state_of

CH = "1795381636.0"


def test_first_put_creates_a_replay_changes_nothing(client, bridge, now, groups):
    first = put_call(client, bridge, CH, caller="13800000000", called="12345", started_at=at())
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["created"] is True
    again = put_call(client, bridge, CH, caller="13800000000", called="12345", started_at=at())
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "created": False}
    call = call_of(CH)
    assert call.caller == "13800000000" and call.direction == "inbound"


def test_a_set_moment_never_moves_and_the_path_only_grows(client, bridge, now, groups):
    put_call(client, bridge, CH, started_at=at(), ivr_path="1")
    put_call(client, bridge, CH, queued_at=at(10), skill_group="general", ivr_path="1/2")
    before = snapshot()
    moved = put_call(client, bridge, CH, started_at=at(-50), queued_at=at(20), ivr_path="1")
    assert moved.status_code == 200
    assert snapshot() == before
    call = call_of(CH)
    assert call.ivr_path == "1/2"
    assert call.skill_group_id == groups["general"].id
    other = put_call(client, bridge, CH, ivr_path="3")  # not an extension of 1/2
    assert other.status_code == 200 and call_of(CH).ivr_path == "1/2"


def test_answered_makes_the_agent_busy_and_ended_wraps_up(client, bridge, now, groups):
    put_call(client, bridge, CH, started_at=at(), queued_at=at(5), skill_group="general")
    put_call(client, bridge, CH, answered_at=at(12), agent="agent01")
    call = call_of(CH)
    assert call.wait_seconds == 7
    state = state_of("agent01")
    assert (state.state, state.call_id) == ("busy", call.id)
    put_call(client, bridge, CH, ended_at=at(200), hangup_cause=16)
    state = state_of("agent01")
    assert state.state == "wrap_up" and state.call_id == call.id
    assert call_of(CH).talk_seconds == 188


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"started_at": "yesterday"}, "invalid_request"),
        ({"started_at": "2026-12-01T10:00:00"}, "invalid_request"),  # no offset
        ({"started_at": 5}, "invalid_request"),
        ({"started_at": at(), "satisfaction": 7}, "invalid_request"),
        ({"started_at": at(), "satisfaction": True}, "invalid_request"),
        ({"started_at": at(), "direction": "sideways"}, "invalid_request"),
        ({"started_at": at(), "skill_group": "nope"}, "unknown_skill_group"),
        ({"started_at": at(), "agent": "nobody"}, "unknown_agent"),
        ({"started_at": at(), "case_id": 999999}, "unknown_case"),
        ({"started_at": at(), "ivr_path": "1//2"}, "invalid_request"),
        ({"started_at": at(), "hangup_cause": 9999}, "invalid_request"),
        ({"started_at": at(), "colour": "red"}, "invalid_request"),
        ({"started_at": at(10), "answered_at": at(5)}, "moments_out_of_order"),
        ({"caller": "13800000000"}, "started_at_required"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, bridge, now, groups, body, code):
    before = snapshot()
    resp = put_call(client, bridge, CH, **body)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == code
    assert snapshot() == before


def test_a_later_put_out_of_order_with_the_stored_moments_is_refused(client, bridge, now):
    put_call(client, bridge, CH, started_at=at(), answered_at=at(30))
    before = snapshot()
    resp = put_call(client, bridge, CH, ended_at=at(10))
    assert resp.status_code == 422 and resp.get_json()["code"] == "moments_out_of_order"
    assert snapshot() == before


@pytest.mark.parametrize("channel", ["a b", "x" * 151, "ch%2Fx", "日本"])
def test_a_bad_channel_id_is_422(client, bridge, now, channel):
    before = snapshot()
    resp = put_call(client, bridge, channel, started_at=at())
    assert resp.status_code in (422, 404), resp.get_json()
    assert "code" in resp.get_json()
    assert snapshot() == before


def test_malformed_json_is_400(client, bridge, now):
    resp = client.put(
        f"/api/v1/telephony/calls/{CH}",
        data="{not json",
        headers={**bridge, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.get_json()["code"] == "invalid_json"


@pytest.mark.parametrize("username", ["agent", "dispatcher", "admin", "revisit"])
def test_people_may_not_write_calls(client, auth, now, username):
    before = snapshot()
    resp = put_call(client, auth(username), CH, started_at=at())
    assert resp.status_code == 403 and resp.get_json()["code"] == "role_not_allowed"
    assert snapshot() == before


def test_no_token_is_401(client, now):
    resp = put_call(client, {}, CH, started_at=at())
    assert resp.status_code == 401


def test_a_callback_leaves_the_clerks_state_alone(client, bridge, now, groups):
    put_call(
        client,
        bridge,
        "cb.1",
        direction="callback",
        started_at=at(),
        answered_at=at(5),
        agent="revisit",
    )
    put_call(client, bridge, "cb.1", ended_at=at(50))
    assert state_of("revisit") is None
    assert call_of("cb.1").talk_seconds == 45
