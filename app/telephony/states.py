"""An agent's state row, moved: the one writer of agent_state (the bridge's side effects and
the agents' own choices both come here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import AgentState


def row_of(user_id: int, lock: bool = False) -> AgentState | None:
    query = select(AgentState).where(AgentState.user_id == user_id)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def move(user_id: int, state: str, since: datetime, call_id: int | None = None) -> AgentState:
    """Put the agent in `state` since `since` (on `call_id` for busy and wrap-up), in the
    caller's transaction; the row is made for an agent who never had one."""
    row = row_of(user_id)
    if row is None:
        row = AgentState(user_id=user_id, state=state, since=since, call_id=call_id)
        db.session.add(row)
    else:
        row.state, row.since, row.call_id = state, since, call_id
    return row
