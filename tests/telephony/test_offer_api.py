"""POST /queues/<code>/offer and /agents/<username>/no-answer: the highest level, then the
longest idle ready agent; the screen pop; no two offers take the same agent."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AgentState, Notification, PhoneExtension, User
from tests.conftest import snapshot
from tests.helpers import INTAKE
from tests.telephony.conftest import NOW, at, call_of, put_call, state_of

CH = "1795381636.7"


def offer(client, headers, code="general", channel=CH, **body):
    return client.post(
        f"/api/v1/telephony/queues/{code}/offer",
        json={"channel_id": channel, "caller": "13800001111", **body},
        headers=headers,
    )


def test_the_longest_idle_of_the_highest_level_gets_the_call(client, bridge, now, groups):
    resp = offer(client, bridge)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"agent": "agent01", "endpoint": "PJSIP/agent01", "ring_seconds": 15}
    call = call_of(CH)
    assert call.placeholder and call.skill_group_id == groups["general"].id
    state = state_of("agent01")
    assert (state.state, state.call_id) == ("busy", call.id)


def test_a_repeated_offer_answers_the_same_agent(client, bridge, now, groups):
    first = offer(client, bridge).get_json()
    before = snapshot()
    assert offer(client, bridge).get_json() == first
    assert snapshot() == before


def test_exclude_and_no_answer_move_to_the_next(client, bridge, now, groups):
    offer(client, bridge)
    resp = client.post(
        "/api/v1/telephony/agents/agent01/no-answer", json={"channel_id": CH}, headers=bridge
    )
    assert resp.status_code == 200 and resp.get_json() == {"agent": "agent01", "state": "away"}
    second = offer(client, bridge, exclude=["agent01"]).get_json()
    assert second["agent"] == "agent"  # level 2, idle 300 s
    third = offer(client, bridge, channel="1795381636.8").get_json()
    assert third["agent"] == "agent02"  # the level-1 agent, the others taken
    resp = offer(client, bridge, channel="1795381636.9")
    assert resp.status_code == 409 and resp.get_json()["code"] == "no_agent_ready"


def test_wrap_up_time_must_pass(app, client, bridge, now, groups, user):
    for name in ("agent", "agent02"):
        row = db.session.get(AgentState, user(name).id)
        row.state = "away"
    row = db.session.get(AgentState, user("agent01").id)
    row.state, row.since = "wrap_up", NOW - timedelta(seconds=10)
    db.session.commit()
    assert offer(client, bridge).status_code == 409
    row = db.session.get(AgentState, user("agent01").id)
    row.since = NOW - timedelta(seconds=31)
    db.session.commit()
    assert offer(client, bridge).get_json()["agent"] == "agent01"


def test_the_extension_is_the_endpoint(client, bridge, now, groups, user):
    db.session.add(PhoneExtension(user_id=user("agent01").id, endpoint="PJSIP/desk7"))
    db.session.commit()
    assert offer(client, bridge).get_json()["endpoint"] == "PJSIP/desk7"


def test_the_screen_pop_names_the_caller_and_their_history(client, bridge, api, now, groups):
    case = api.create()  # citizen_phone 13800001111
    resp = offer(client, bridge)
    assert resp.status_code == 200
    db.session.expire_all()
    agent_id = db.session.scalar(select(User.id).where(User.username == "agent01"))
    note = db.session.scalars(
        select(Notification).where(
            Notification.user_id == agent_id, Notification.kind == "incoming_call"
        )
    ).one()
    assert note.data["phone"] == INTAKE["citizen_phone"]
    assert note.data["channel_id"] == CH and note.data["skill_group"] == "general"
    assert [h["number"] for h in note.data["history"]] == [case["number"]]
    assert note.data["history"][0]["content"] == INTAKE["content"]


def test_the_put_after_an_offer_sets_the_true_moments(client, bridge, now, groups):
    offer(client, bridge)
    resp = put_call(client, bridge, CH, started_at=at(-30), queued_at=at(-5), caller="138")
    assert resp.status_code == 200 and resp.get_json()["created"] is False
    call = call_of(CH)
    assert not call.placeholder
    assert call.started_at == NOW - timedelta(seconds=30)
    assert call.queued_at == NOW - timedelta(seconds=5)
    assert call.caller == "13800001111"  # the offer's, set first


def test_an_ended_ringing_call_frees_the_agent(client, bridge, now, groups):
    offer(client, bridge)
    put_call(client, bridge, CH, started_at=at(-30), ended_at=at(5))
    assert state_of("agent01").state == "ready"


@pytest.mark.parametrize(
    ("code", "body", "status", "error"),
    [
        ("nope", {}, 404, "unknown_skill_group"),
        ("general", {"channel_id": "bad id"}, 422, "invalid_request"),
        ("general", {"exclude": "agent01"}, 422, "invalid_request"),
        ("general", {"exclude": [1]}, 422, "invalid_request"),
        ("general", {"caller": 138000}, 422, "invalid_request"),
    ],
)
def test_bad_offers_change_nothing(client, bridge, now, groups, code, body, status, error):
    before = snapshot()
    resp = offer(client, bridge, code=code, **body)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["code"] == error
    assert snapshot() == before


def test_bad_no_answers(client, bridge, now, groups):
    before = snapshot()
    url = "/api/v1/telephony/agents/{}/no-answer"
    resp = client.post(url.format("nobody"), json={"channel_id": CH}, headers=bridge)
    assert resp.status_code == 404 and resp.get_json()["code"] == "unknown_agent"
    resp = client.post(url.format("agent01"), json={}, headers=bridge)
    assert resp.status_code == 422
    resp = client.post(url.format("agent01"), json={"channel_id": "../x"}, headers=bridge)
    assert resp.status_code == 422
    assert snapshot() == before


def test_agents_may_not_offer(client, auth, now, groups):
    before = snapshot()
    assert offer(client, auth("agent")).status_code == 403
    resp = client.post(
        "/api/v1/telephony/agents/agent01/no-answer",
        json={"channel_id": CH},
        headers=auth("agent"),
    )
    assert resp.status_code == 403
    assert snapshot() == before


def test_concurrent_offers_never_share_an_agent(app, bridge, now, groups):
    """Threads offering calls at once, each on its own connection: every agent taken once."""
    results: list[tuple[int, dict]] = []
    barrier = threading.Barrier(6)

    def one(n: int) -> None:
        with app.test_client() as c:
            barrier.wait()
            resp = offer(c, bridge, channel=f"race.{n}")
            results.append((resp.status_code, resp.get_json()))

    def run(n: int) -> None:
        with app.app_context():
            try:
                one(n)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    taken = [body["agent"] for status, body in results if status == 200]
    refused = [body["code"] for status, body in results if status != 200]
    assert sorted(taken) == ["agent", "agent01", "agent02"]  # the general group's three
    assert refused == ["no_agent_ready"] * 3


def test_no_answer_leaves_an_agent_on_another_call_busy(client, bridge, now, groups):
    put_call(client, bridge, "other.1", started_at=at(), answered_at=at(1), agent="agent01")
    resp = client.post(
        "/api/v1/telephony/agents/agent01/no-answer", json={"channel_id": CH}, headers=bridge
    )
    assert resp.status_code == 200 and resp.get_json()["state"] == "busy"
