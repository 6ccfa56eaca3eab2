"""What the wallboard shows, as of a moment: one read of the database for every open board.

- calls waiting now and the longest wait, agents by state (the live telephony tables);
- today's calls and cases through the reports' measures (app/reports/measures.py, the one
  home of offered, answered, abandoned, answer rate, service level, average wait and talk,
  cases accepted and answered at intake), over the day as a `Day` span;
- open overdue cases by the department they are at (the overdue rule of
  app/deadlines/overdue.py, among the cases not yet replied or closed).

The numbers are the whole city's: only users who read every case may open the board
(`app.auth.policy.may_view_wallboard`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select

from app.deadlines import overdue
from app.extensions import db
from app.models import AgentState, CallRecord, Case, Department, User
from app.models.telephony import AGENT_STATES, CALL_WAITING
from app.reports.engine import Query, frame_for
from app.reports.measures import MEASURES, service_level_seconds
from app.reports.periods import Day

# The measures of today's panel, by the reports' keys.
CALL_MEASURES = (
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "answer_rate",
    "service_level",
    "avg_wait",
    "avg_talk",
)
CASE_MEASURES = ("cases", "answered", "answered_rate")
OVERDUE_ROWS = 10  # departments listed; the rest are summed in "others"


@dataclass
class DepartmentOverdue:
    department: str
    count: int


@dataclass
class Board:
    at: str  # when computed (local time, ISO 8601)
    waiting: int  # calls in a queue now
    longest_wait: int  # seconds the longest-waiting of them has waited (0: none waits)
    agents: dict[str, int]  # state -> agents in it (every state listed)
    calls: dict[str, float | int | None]  # CALL_MEASURES of today (None: no rate)
    cases: dict[str, float | int | None]  # CASE_MEASURES of today
    service_level_seconds: int
    overdue_total: int
    overdue: list[DepartmentOverdue] = field(default_factory=list)
    overdue_others: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def compute(now: datetime) -> Board:
    waiting, longest = _waiting(now)
    calls, cases = _today(now)
    rows, total = _overdue(now)
    shown = rows[:OVERDUE_ROWS]
    return Board(
        at=now.isoformat(timespec="seconds"),
        waiting=waiting,
        longest_wait=longest,
        agents=_agents(),
        calls=calls,
        cases=cases,
        service_level_seconds=service_level_seconds(),
        overdue_total=total,
        overdue=shown,
        overdue_others=total - sum(r.count for r in shown),
    )


def _waiting(now: datetime) -> tuple[int, int]:
    count, first = db.session.execute(
        select(func.count(), func.min(CallRecord.queued_at)).where(CALL_WAITING)
    ).one()
    longest = max(0, round((now - first).total_seconds())) if first is not None else 0
    return int(count), longest


def _agents() -> dict[str, int]:
    rows = db.session.execute(
        select(AgentState.state, func.count())
        .join(User, User.id == AgentState.user_id)
        .where(User.active.is_(True))
        .group_by(AgentState.state)
    ).all()
    found = {state: int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in AGENT_STATES}


def _today(now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    measures = [*CALL_MEASURES, *CASE_MEASURES]
    frame = frame_for(Query(measures=measures, compare=False), Day(now.date()), now)
    row = frame.iloc[0]
    values = {key: _number(MEASURES[key].kind, row[key]) for key in measures}
    return (
        {k: values[k] for k in CALL_MEASURES},
        {k: values[k] for k in CASE_MEASURES},
    )


def _number(kind: str, value: Any) -> float | int | None:
    """A count as an int, a rate or average as a float, None when it has no value (no calls
    offered yet: no answer rate)."""
    if kind == "count":
        return int(value)
    as_float = float(value)
    return None if math.isnan(as_float) else as_float


def _overdue(now: datetime) -> tuple[list[DepartmentOverdue], int]:
    """Open cases overdue now, by the department they are at, most first."""
    is_open_overdue = and_(overdue.overdue_clause(overdue.CASE, now), overdue.CASE.may_run)
    rows = db.session.execute(
        select(Department.name, func.count())
        .select_from(Case)
        .outerjoin(Department, Department.id == Case.current_department_id)
        .where(is_open_overdue)
        .group_by(Department.id, Department.name)
        .order_by(func.count().desc(), Department.name)
    ).all()
    out = [DepartmentOverdue(name or "—", int(n)) for name, n in rows]
    return out, sum(r.count for r in out)
