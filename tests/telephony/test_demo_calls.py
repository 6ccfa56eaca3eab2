"""The demo's calls: plausible for a hotline, linked to the demo's phone cases, seeded once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.clock import clock
from app.extensions import db
from app.models import AgentState, CallRecord, Case, SkillGroup, SkillGroupMember
from app.models.telephony import AGENT_STATES, INBOUND
from app.seed.cases import seed_demo_cases
from app.seed.telephony import CALL_DAYS, seed_telephony
from tests.conftest import PASSWORD

NOW = datetime(2026, 3, 18, 16, 30)


@pytest.fixture
def seeded():
    clock.freeze(NOW)
    seed_demo_cases(15)
    clock.freeze(NOW)
    first = seed_telephony(PASSWORD)
    yield first
    clock.unfreeze()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_second_run_adds_nothing_and_keeps_changed_states(seeded):
    calls = count(CallRecord)
    assert seeded.calls == calls > 5000  # ~200 a day for 60 days
    state = db.session.scalars(select(AgentState).limit(1)).one()
    state.state = "away"
    db.session.commit()
    again = seed_telephony(PASSWORD)
    assert (again.calls, again.groups, again.seats) == (0, 0, 0)
    assert count(CallRecord) == calls
    db.session.refresh(state)
    assert state.state == "away"


def test_a_later_run_adds_only_the_new_calls(seeded):
    calls = count(CallRecord)
    clock.freeze(datetime(2026, 3, 18, 20, 0))
    later = seed_telephony(PASSWORD)
    assert later.calls > 0
    assert count(CallRecord) == calls + later.calls
    assert count(CallRecord, CallRecord.started_at > NOW, CallRecord.channel_id.like("demo.2026%"))


def test_calls_look_like_a_hotline(seeded):
    offered = count(CallRecord, CallRecord.queued_at.is_not(None))
    answered = count(
        CallRecord, CallRecord.queued_at.is_not(None), CallRecord.answered_at.is_not(None)
    )
    assert 0.85 <= answered / offered <= 0.93
    quick = count(CallRecord, CallRecord.answered_at.is_not(None), CallRecord.wait_seconds <= 20)
    assert quick / answered > 0.75
    talk = db.session.scalar(select(func.avg(CallRecord.talk_seconds)))
    assert 120 <= talk <= 360
    days = db.session.scalar(select(func.count(func.distinct(func.date(CallRecord.started_at)))))
    assert days == CALL_DAYS
    # The two peaks: 10:00 and 15:00 are busier than 12:00, and far busier than 03:00.
    hour = func.extract("hour", CallRecord.started_at)
    by_hour = dict(db.session.execute(select(hour, func.count()).group_by(hour)).all())
    by_hour = {int(h): n for h, n in by_hour.items()}
    assert by_hour[10] > by_hour[12] < by_hour[15]
    assert by_hour[3] * 10 < by_hour[10]
    assert count(CallRecord, CallRecord.started_at > NOW) == 0  # nothing in the future


def test_phone_cases_have_their_call(seeded):
    phone_cases = db.session.execute(
        select(Case.id, Case.citizen_phone, Case.accepted_by_id).where(Case.channel == "phone")
    ).all()
    assert phone_cases
    for case_id, phone, agent_id in phone_cases:
        call = db.session.scalars(select(CallRecord).filter_by(case_id=case_id)).one()
        assert (call.caller, call.agent_id, call.direction) == (phone, agent_id, INBOUND)
        assert call.queued_at < call.answered_at < call.ended_at
    assert count(CallRecord, CallRecord.case_id.is_not(None)) == len(phone_cases)


def test_agents_have_groups_and_states(seeded):
    assert count(SkillGroup) == 5
    states = dict(
        db.session.execute(select(AgentState.state, func.count()).group_by(AgentState.state)).all()
    )
    assert set(states) == set(AGENT_STATES)
    busy = db.session.scalars(select(AgentState).filter_by(state="busy")).all()
    for agent in busy:
        call = db.session.get(CallRecord, agent.call_id)
        assert call.agent_id == agent.user_id and call.ended_at is None
    # Every agent is in the general group and at least one other.
    per_agent = db.session.execute(
        select(SkillGroupMember.user_id, func.count()).group_by(SkillGroupMember.user_id)
    ).all()
    assert len(per_agent) == 13 and all(n >= 2 for _u, n in per_agent)
    waiting = count(
        CallRecord,
        CallRecord.queued_at.is_not(None),
        CallRecord.answered_at.is_(None),
        CallRecord.ended_at.is_(None),
    )
    assert waiting == 2


def test_the_demo_phone_rings_at_the_demo_agents_desk(seeded):
    """README's demo: sign in as `agent`, be ready, dial 12345 from the demo phone, and the
    call is offered to you first (the simulated seats take calls when you are not ready)."""
    from app.telephony import agents
    from app.telephony.account import service_account

    bridge = service_account()
    first = agents.offer("general", "1796155666.1", "13900001234", [], bridge)
    assert first.agent == "agent"
    second = agents.offer("general", "1796155666.2", "13900001235", [], bridge)
    assert second.agent != "agent"  # busy now: a simulated seat is next
