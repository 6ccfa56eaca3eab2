"""Calls through the bridge: the real asyncari client against the ARI peer, the real web app
over HTTP with the bridge's own token. Each scenario asserts what the caller hears, what the
agent's phone does, and what the database holds afterwards."""

from __future__ import annotations

import time

from bridge_harness import (
    call_record,
    eventually,
    save_menu,
    seat,
)
from sqlalchemy import select

from app.extensions import db
from app.models import AgentState, CallRecord, CallRecording, Case, CaseEvent
from app.telephony import calls
from tests.helpers import INTAKE

CALLER = "13800000000"
WELCOME = "sound:minqing/welcome"
MENU = {
    "main": {
        "prompt": "minqing/welcome",
        "timeout_seconds": 1,
        "options": {
            "1": {"action": "queue", "group": "general"},
            "2": {"action": "status"},
            "3": {"action": "voicemail"},
            "4": {"action": "menu", "menu": "info"},
            "9": {"action": "transfer", "number": "110"},
        },
    },
    "info": {
        "prompt": "minqing/info",
        "timeout_seconds": 1,
        "options": {"1": {"action": "announcement", "sound": "minqing/hours", "next": None}},
    },
}


def heard(peer, channel):
    return [m.removeprefix("sound:") for m in peer.heard(channel)]


def wait_heard(peer, channel, sound, times=1, timeout=10.0):
    return eventually(lambda: heard(peer, channel).count(sound) >= times, timeout)


def agent_leg(peer, caller_channel):
    """The channel the bridge originated to an agent's phone for this caller."""
    for event in peer.events:
        if event["type"] == "StasisStart" and event.get("args") == ["agent", caller_channel]:
            return event["channel"]["id"]
    return None


def record_where(channel, check, timeout=10.0):
    def found():
        rec = call_record(channel)
        return rec if rec is not None and check(rec) else None

    return eventually(found, timeout)


def test_menu_to_a_queue_an_agent_answers_then_the_survey(peer, start_bridge, client, auth):
    save_menu(MENU)
    agent = seat("agent", "PJSIP/agent01", {"general": 1})
    peer.set_phone("PJSIP/agent01", answer_after=0.1)
    start_bridge()

    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "1")
    leg = eventually(lambda: agent_leg(peer, ch))

    # The agent's phone answered and talks with the caller in one bridge.
    def together():
        caller_side, agent_side = peer.channel(ch) or {}, peer.channel(leg) or {}
        return caller_side.get("bridge") and caller_side["bridge"] == agent_side.get("bridge")

    eventually(together)
    rec = record_where(ch, lambda r: r.answered_at is not None)
    assert rec.caller == CALLER and rec.called == "12345" and rec.direction == "inbound"
    assert rec.skill_group.code == "general" if hasattr(rec, "skill_group") else True
    assert rec.agent_id == agent.id and rec.queued_at is not None and rec.ivr_path == "1"
    state = db.session.get(AgentState, agent.id)
    assert state is not None and state.state == "busy"

    # The agent registers the caller's case during the call (the intake page links it).
    resp = client.post("/api/v1/cases", json=INTAKE, headers=auth("agent"))
    case = db.session.get(Case, resp.get_json()["id"])
    calls.link_case(ch, case, agent)
    peer.talk(ch, 1)
    peer.hang_up(leg)  # the agent hangs up: the caller hears the survey
    wait_heard(peer, ch, "minqing/survey")
    peer.press(ch, "4")  # not a survey key: asked once more
    wait_heard(peer, ch, "minqing/survey", times=2)
    peer.press(ch, "2")
    wait_heard(peer, ch, "minqing/thanks")
    rec = record_where(ch, lambda r: r.ended_at is not None and r.satisfaction == 2)
    assert rec.wait_seconds is not None and rec.talk_seconds is not None
    assert rec.hangup_cause == 16
    # The satisfaction key is on the case's timeline too.
    said = eventually(lambda: db.session.scalars(
        select(CaseEvent).filter_by(case_id=case.id, action="satisfaction")).all())  # fmt: skip
    assert said[0].data["key"] == 2
    # The call's recording reached the web app and is attached to the case.
    stored = eventually(lambda: db.session.scalar(select(CallRecording).filter_by(call_id=rec.id)))
    assert stored.size > 44 and stored.attachment_id is not None
    db.session.expire_all()
    assert db.session.get(AgentState, agent.id).state == "wrap_up"


def test_invalid_keys_three_misses_go_to_the_operator_queue(peer, start_bridge):
    save_menu(MENU)
    seat("agent", "PJSIP/agent01", {"general": 1})
    peer.set_phone("PJSIP/agent01", answer_after=None)  # rings, nobody answers
    start_bridge()

    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "7")  # not in the menu
    wait_heard(peer, ch, "minqing/invalid")
    wait_heard(peer, ch, "minqing/welcome", times=2)
    # no key at all: a timeout counts as a miss too
    wait_heard(peer, ch, "minqing/invalid", times=2)
    wait_heard(peer, ch, "minqing/welcome", times=3)
    peer.press(ch, "*")
    wait_heard(peer, ch, "minqing/please-wait")
    rec = record_where(ch, lambda r: r.queued_at is not None)
    assert rec.skill_group_id is not None and rec.ivr_path == ""
    assert heard(peer, ch).count("minqing/invalid") == 2
    peer.hang_up(ch)
    record_where(ch, lambda r: r.ended_at is not None)


def test_caller_hangs_up_mid_menu_and_in_the_queue(peer, start_bridge):
    save_menu(MENU)
    seat("agent", "PJSIP/agent01", {"general": 1})
    start_bridge()
    agent_state = db.session.scalar(select(AgentState))
    assert agent_state is not None
    # Nobody ready: the caller waits in the queue, then gives up.
    from app.telephony import agents

    user = agent_state.user if hasattr(agent_state, "user") else None
    if user is not None:
        agents.set_state(user, "away", user)

    in_menu = peer.place_call(caller=CALLER)
    wait_heard(peer, in_menu, "minqing/welcome")
    peer.press(in_menu, "4")
    wait_heard(peer, in_menu, "minqing/info")
    peer.hang_up(in_menu)
    rec = record_where(in_menu, lambda r: r.ended_at is not None)
    assert rec.queued_at is None and rec.answered_at is None and rec.ivr_path == "4"

    queued = peer.place_call(caller="13800000001")
    wait_heard(peer, queued, "minqing/welcome")
    peer.press(queued, "1")
    wait_heard(peer, queued, "minqing/please-wait")
    peer.hang_up(queued)
    rec = record_where(queued, lambda r: r.ended_at is not None)
    assert rec.queued_at is not None and rec.answered_at is None  # abandoned in the queue
    assert rec.wait_seconds is not None


def test_agent_does_not_answer_the_next_agent_does(peer, start_bridge):
    save_menu(MENU)
    first = seat("agent", "PJSIP/agent01", {"general": 2})
    second = seat("agent02", "PJSIP/agent02", {"general": 1})
    peer.set_phone("PJSIP/agent01", answer_after=None)  # rings until ring_seconds
    peer.set_phone("PJSIP/agent02", answer_after=0.1)
    start_bridge()

    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "1")
    rec = record_where(ch, lambda r: r.answered_at is not None, timeout=15)
    assert rec.agent_id == second.id
    db.session.expire_all()
    assert db.session.get(AgentState, first.id).state == "away"  # set away after no answer
    rung = [e["endpoint"] if "endpoint" in e else e.get("peer", {}).get("name", "")
            for e in peer.events if e["type"] == "Dial"]  # fmt: skip
    assert any("agent01" in r for r in rung) and any("agent02" in r for r in rung)
    peer.hang_up(ch)


def test_blacklisted_number_is_refused(peer, start_bridge):
    from bridge_harness import user_named

    from app.telephony import blacklist

    save_menu(MENU)
    blacklist.add("13900000000", "refuse", "", "test", user_named("admin", ("admin",)))
    start_bridge()
    ch = peer.place_call(caller="13900000000")
    eventually(lambda: peer.channel(ch) is None)
    assert heard(peer, ch) == []
    destroyed = [e for e in peer.events
                 if e["type"] == "ChannelDestroyed" and e["channel"]["id"] == ch]  # fmt: skip
    assert destroyed and destroyed[0]["cause"] == 21
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.hangup_cause == 21 and rec.answered_at is None


def test_asterisk_restarts_mid_call_records_closed_and_the_next_call_taken(peer, start_bridge):
    save_menu(MENU)
    bridge = start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    record_where(ch, lambda r: True)
    peer.restart()
    bridge.wait_connected(2)
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.hangup_cause is None  # nobody saw how it ended
    after = peer.place_call(caller="13800000002")
    wait_heard(peer, after, "minqing/welcome")
    record_where(after, lambda r: True)


def test_websocket_drops_and_comes_back_the_call_goes_on(peer, start_bridge):
    save_menu(MENU)
    bridge = start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "4")
    wait_heard(peer, ch, "minqing/info")
    peer.drop_websocket()
    bridge.wait_connected(2)
    peer.press(ch, "1")
    wait_heard(peer, ch, "minqing/hours")
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.ivr_path == "4/1" and rec.hangup_cause == 16
    assert db.session.scalar(select(db.func.count()).select_from(CallRecord)) == 1


def test_a_replayed_stasis_start_makes_no_second_record(peer, start_bridge, tmp_path):
    save_menu(MENU)
    bridge = start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    start = next(e for e in peer.events
                 if e["type"] == "StasisStart" and e["channel"]["id"] == ch)  # fmt: skip
    service = bridge.service
    assert service is not None
    # The same event again, as a WebSocket replaying it would hand it over: while the call
    # is on, and after the bridge itself restarted on the same spool.
    bridge.call(lambda: service.ari.dispatch(dict(start)))
    peer.hang_up(ch)
    record_where(ch, lambda r: r.ended_at is not None)
    bridge.stop()
    again = start_bridge()
    again_service = again.service
    assert again_service is not None
    again.call(lambda: again_service.ari.dispatch(dict(start)))
    eventually(lambda: again.call(lambda: again_service.replays_ignored) == 1)
    assert heard(peer, ch).count("minqing/welcome") == 1
    assert db.session.scalar(select(db.func.count()).select_from(CallRecord)) == 1


def test_calls_a_stopped_bridge_left_open_are_closed_by_the_next(peer, start_bridge, monkeypatch):
    """The bridge stops mid-call (a deploy): one caller hangs up while it is away, another is
    still on the line when it is back. The first record is closed at once, the second when
    that call ends; the new bridge does not take either call over (its spool says taken)."""
    import ari_bridge.service

    monkeypatch.setattr(ari_bridge.service, "ORPHAN_SWEEP_SECONDS", 0.2)
    save_menu(MENU)
    bridge = start_bridge()
    gone_meanwhile = peer.place_call(caller=CALLER)
    still_on = peer.place_call(caller="13800000002")
    for ch in (gone_meanwhile, still_on):
        wait_heard(peer, ch, "minqing/welcome")
        record_where(ch, lambda r: True)
    bridge.stop()
    peer.hang_up(gone_meanwhile)
    start_bridge()
    assert record_where(gone_meanwhile, lambda r: r.ended_at is not None).hangup_cause is None
    time.sleep(0.6)  # sweeps go by: the call still on keeps its open record
    assert call_record(still_on).ended_at is None and peer.channel(still_on) is not None
    peer.hang_up(still_on)
    record_where(still_on, lambda r: r.ended_at is not None)
    assert heard(peer, still_on).count("minqing/welcome") == 1  # not taken over


def test_blacklisted_number_with_a_message_hears_it(peer, start_bridge):
    from bridge_harness import user_named

    from app.telephony import blacklist

    save_menu(MENU)
    blacklist.add("13911111111", "message", "minqing/blocked-notice", "t",
                  user_named("admin", ("admin",)))  # fmt: skip
    start_bridge()
    ch = peer.place_call(caller="13911111111")
    eventually(lambda: peer.channel(ch) is None)
    assert heard(peer, ch) == ["minqing/blocked-notice"]
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.hangup_cause == 16 and rec.queued_at is None


def test_menu_transfer_to_an_outside_number(peer, start_bridge):
    save_menu(MENU)
    peer.set_phone("PJSIP/110@hotline-trunk", answer_after=0.1)
    start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "9")
    outside = eventually(lambda: next((e["channel"]["id"] for e in peer.events
                                       if e["type"] == "StasisStart"
                                       and e.get("args") == ["transfer", ch]), None))  # fmt: skip

    def together():
        a, b = peer.channel(ch) or {}, peer.channel(outside) or {}
        return a.get("bridge") and a["bridge"] == b.get("bridge")

    eventually(together)
    peer.hang_up(outside)  # the far end hangs up: the bridge ends the call
    eventually(lambda: peer.channel(ch) is None)
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.ivr_path == "9"


def test_a_call_that_ended_while_the_websocket_was_down_is_closed(peer, start_bridge):
    save_menu(MENU)
    bridge = start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    record_where(ch, lambda r: True)
    peer.drop_websocket()
    peer.hang_up(ch)  # its hangup events are lost with the socket
    bridge.wait_connected(2)
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.hangup_cause is None  # the bridge only noticed the channel was gone
    assert bridge.call(lambda: ch not in bridge.service.calls)
