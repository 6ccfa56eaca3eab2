"""Commands from the pages carried out by the bridge: the revisit callback (clerk's phone, then
the citizen's, bridged), the three-way call (a duty phone brought into the live call, the
agent leaving), the warm transfer to another skill group's queue."""

from __future__ import annotations

from bridge_harness import call_record, eventually, save_menu, seat, user_named
from sqlalchemy import select
from test_calls import CALLER, MENU, agent_leg, record_where, wait_heard

from app.clock import clock
from app.extensions import db
from app.models import AgentState, CallCommand, CallRecord, Case
from app.telephony import agents, calls
from tests.helpers import INTAKE

TRUNK = "PJSIP/{number}@hotline-trunk"


def new_case(client, auth) -> Case:
    resp = client.post("/api/v1/cases", json=INTAKE, headers=auth("agent"))
    assert resp.status_code == 201, resp.get_json()
    return db.session.get(Case, resp.get_json()["id"])


def command(kind: str, case: Case, by, **payload) -> int:
    """A command as the pages leave it for the bridge (table call_command)."""
    row = CallCommand(kind=kind, case_id=case.id, requested_by_id=by.id,
                      requested_at=clock.now(), payload=payload)  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row.id


def finished(command_id: int):
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get(CallCommand, command_id)
    return row if row is not None and row.finished_at is not None else None


def leg_with_args(peer, *args):
    for event in peer.events:
        if event["type"] == "StasisStart" and event.get("args") == list(args):
            return event["channel"]["id"]
    return None


def answered_call(peer, start_bridge, client, auth):
    """An inbound call an agent is talking on, linked to a case."""
    save_menu(MENU)
    agent = seat("agent", "PJSIP/agent01", {"general": 1})
    peer.set_phone("PJSIP/agent01", answer_after=0.1)
    start_bridge()
    ch = peer.place_call(caller=CALLER)
    wait_heard(peer, ch, "minqing/welcome")
    peer.press(ch, "1")
    record_where(ch, lambda r: r.answered_at is not None)
    leg = eventually(lambda: agent_leg(peer, ch))
    case = new_case(client, auth)
    calls.link_case(ch, case, agent)
    return agent, ch, leg, case


def test_callback_rings_the_clerk_then_the_citizen_and_records_the_call(
    peer, start_bridge, client, auth
):
    save_menu(MENU)
    clerk = user_named("revisit", ("revisit",))
    agents.set_extension(clerk, "PJSIP/revisit01", clerk)
    case = new_case(client, auth)
    citizen = INTAKE["citizen_phone"]
    peer.set_phone("PJSIP/revisit01", answer_after=0.1)
    peer.set_phone(TRUNK.format(number=citizen), answer_after=0.2)
    start_bridge()
    cid = command("callback", case, clerk, clerk="revisit", clerk_endpoint="PJSIP/revisit01",
                  citizen_number=citizen)  # fmt: skip

    clerk_leg = eventually(lambda: leg_with_args(peer, "callback", str(cid)))
    citizen_leg = eventually(lambda: leg_with_args(peer, "callback-citizen", str(cid)))

    def together():
        a, b = peer.channel(clerk_leg) or {}, peer.channel(citizen_leg) or {}
        return a.get("bridge") and a["bridge"] == b.get("bridge")

    eventually(together)
    peer.talk(citizen_leg, 1)
    peer.hang_up(citizen_leg)
    done = eventually(lambda: finished(cid))
    assert done.outcome == "answered"
    eventually(lambda: peer.channel(clerk_leg) is None)  # the clerk's phone is hung up too
    rec = record_where(citizen_leg, lambda r: r.ended_at is not None)
    assert rec.direction == "callback" and rec.case_id == case.id
    assert rec.called == citizen and rec.answered_at is not None
    assert rec.agent_id == clerk.id  # who placed it


def test_callback_citizen_does_not_answer(peer, start_bridge, client, auth):
    save_menu(MENU)
    clerk = user_named("revisit", ("revisit",))
    agents.set_extension(clerk, "PJSIP/revisit01", clerk)
    case = new_case(client, auth)
    peer.set_phone("PJSIP/revisit01", answer_after=0.1)
    peer.set_phone(TRUNK.format(number=INTAKE["citizen_phone"]), answer_after=None)
    start_bridge()
    cid = command("callback", case, clerk, clerk_endpoint="PJSIP/revisit01",
                  citizen_number=INTAKE["citizen_phone"])  # fmt: skip
    clerk_leg = eventually(lambda: leg_with_args(peer, "callback", str(cid)))
    wait_heard(peer, clerk_leg, "minqing/callback-no-answer", timeout=15)
    done = eventually(lambda: finished(cid), timeout=15)
    assert done.outcome == "no_answer"


def test_conference_brings_in_a_duty_phone_and_the_agent_leaves(peer, start_bridge, client, auth):
    agent, ch, leg, case = answered_call(peer, start_bridge, client, auth)
    duty = TRUNK.format(number="12319")
    peer.set_phone(duty, answer_after=0.1)
    cid = command("conference", case, agent, channel_id=ch, target_number="12319", leave=True)
    third = eventually(lambda: leg_with_args(peer, "conference", str(cid)))

    def caller_with_third():
        a, b = peer.channel(ch) or {}, peer.channel(third) or {}
        return a.get("bridge") and a["bridge"] == b.get("bridge")

    eventually(caller_with_third)
    eventually(lambda: peer.channel(leg) is None)  # the agent left the two talking
    assert eventually(lambda: finished(cid)).outcome == "done"
    peer.hang_up(third)
    wait_heard(peer, ch, "minqing/survey")
    peer.press(ch, "1")
    rec = record_where(ch, lambda r: r.satisfaction == 1 and r.ended_at is not None)
    assert rec.agent_id == agent.id


def test_transfer_takes_the_caller_to_another_group(peer, start_bridge, client, auth):
    second = seat("agent02", "PJSIP/agent02", {"social": 1})
    agent, ch, leg, case = answered_call(peer, start_bridge, client, auth)
    peer.set_phone("PJSIP/agent02", answer_after=0.1)
    cid = command("transfer", case, agent, channel_id=ch, group="social")
    eventually(lambda: peer.channel(leg) is None)
    wait_heard(peer, ch, "minqing/transferring")
    assert eventually(lambda: finished(cid)).outcome == "done"
    legs = eventually(
        lambda: [e["channel"]["id"] for e in peer.events
                 if e["type"] == "StasisStart" and e.get("args") == ["agent", ch]][1:]
    )  # fmt: skip

    def with_second():
        a, b = peer.channel(ch) or {}, peer.channel(legs[0]) or {}
        return a.get("bridge") and a["bridge"] == b.get("bridge")

    eventually(with_second)
    assert peer.channel(legs[0])["name"].startswith("PJSIP/agent02")
    db.session.expire_all()
    assert db.session.get(AgentState, second.id).state == "busy"  # on the transferred call
    peer.hang_up(ch)
    rec = record_where(ch, lambda r: r.ended_at is not None)
    assert rec.agent_id == agent.id  # who answered first stays on the record
    assert call_record(ch) is not None
    assert db.session.scalar(select(db.func.count()).select_from(CallRecord)) == 1
