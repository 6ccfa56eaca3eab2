"""Calls and agent states written as the ARI bridge will write them (a call's moments)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AgentState, CallRecord, SkillGroup, User

_ids = itertools.count(1)


def group(code: str = "general") -> SkillGroup:
    found = db.session.scalar(select(SkillGroup).filter_by(code=code))
    if found is None:
        found = SkillGroup(code=code, name="综合咨询", name_en="General")
        db.session.add(found)
        db.session.flush()
    return found


def call(
    queued: datetime | None,
    *,
    wait: int | None = None,
    talk: int | None = None,
    abandon_after: int | None = None,
    direction: str = "inbound",
    agent: User | None = None,
    ivr_seconds: int = 15,
) -> CallRecord:
    """A call queued at `queued` (None: it ended in the IVR), answered after `wait` seconds
    and talked `talk` (None: still talking), or abandoned after `abandon_after` seconds;
    neither: still waiting."""
    start = (queued or datetime(2026, 3, 18, 9)) - timedelta(seconds=ivr_seconds)
    record = CallRecord(
        channel_id=f"test.{next(_ids)}",
        caller="13800001111",
        called="12345",
        direction=direction,
        started_at=start,
        queued_at=queued,
        skill_group_id=group().id if queued else None,
        agent_id=agent.id if agent else None,
    )
    if queued is None:
        record.ended_at = start + timedelta(seconds=ivr_seconds)
    elif wait is not None:
        record.answered_at = queued + timedelta(seconds=wait)
        if talk is not None:
            record.ended_at = record.answered_at + timedelta(seconds=talk)
    elif abandon_after is not None:
        record.ended_at = queued + timedelta(seconds=abandon_after)
    record.derive_durations()
    db.session.add(record)
    db.session.flush()
    return record


def state(username: str, value: str, since: datetime) -> None:
    user = db.session.scalars(select(User).filter_by(username=username)).unique().one()
    found = db.session.get(AgentState, user.id)
    if found is None:
        db.session.add(AgentState(user_id=user.id, state=value, since=since))
    else:
        found.state, found.since = value, since
    db.session.flush()
