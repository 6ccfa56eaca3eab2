"""Deadline clocks of a case, from the time limits and the holiday calendar.

A case carries several clocks: sign-for (restarts at every level it is sent to), handling
(once per round; starts at dispatch or at signing, a setting), decisions on requests, and
revisit. Deadlines are data in indexed columns (case and open-task rows), not BPMN timers:
the scheduler and the inbox read them with plain queries, and one injectable clock moves
them all in tests. When a case is overdue is decided in overdue.py. The calendar and the
limits are kept in memory per app and dropped at once in every process when they change
(reference_cache.py).
"""

from __future__ import annotations

from datetime import datetime, time

from flask import current_app
from sqlalchemy import select

from app.deadlines import overdue
from app.deadlines.calendar import WorkCalendar
from app.deadlines.reference_cache import cached as _cached
from app.deadlines.reference_cache import changed as changed  # for the writers of limits, calendar
from app.deadlines.reference_cache import invalidate as invalidate
from app.extensions import db
from app.models import Case, Holiday, TimeLimit
from app.models.case import REPLIED
from app.models.catalog import HOLIDAY, MAKEUP_WORKDAY


def work_calendar() -> WorkCalendar:
    def build() -> WorkCalendar:
        rows = db.session.execute(select(Holiday.day, Holiday.kind)).all()
        cfg = current_app.config
        return WorkCalendar(
            holidays=frozenset(d for d, k in rows if k == HOLIDAY),
            makeup_workdays=frozenset(d for d, k in rows if k == MAKEUP_WORKDAY),
            day_start=time.fromisoformat(cfg["WORKDAY_START"]),
            day_end=time.fromisoformat(cfg["WORKDAY_END"]),
        )

    return _cached("calendar", build)


def time_limit(case: Case) -> TimeLimit:
    def build() -> dict:
        rows = db.session.scalars(select(TimeLimit)).all()
        for row in rows:
            db.session.expunge(row)
        return {(r.case_type_id, r.priority): r for r in rows}

    limits = _cached("limits", build)
    found = limits.get((case.case_type_id, case.priority))
    if found is None:
        raise LookupError(f"no time limit for case type {case.case_type_id}/{case.priority}")
    return found


def on_tasks_opened(case: Case, opened: list, closed_clocks: set[str], now: datetime) -> dict:
    """Start, pause and resume clocks for one step. Returns {task uuid: due time}.

    First the case is flagged if it missed its handling deadline, by the clocks as they ran
    until this step: a case replied or paused late stays overdue (overdue.py)."""
    overdue.note_late(case, now)
    cfg = current_app.config
    cal = work_calendar()
    limit = time_limit(case)

    if "decision" in closed_clocks and case.clock_paused_at is not None:
        # Resume: the handling deadline moves by the working time the decision took, and keeps
        # its wall time when that is none (a due at a day start stays at a day start). A case
        # already late when paused stays exactly as late.
        if case.handle_due_at is not None:
            paused = cal.working_seconds_between(case.clock_paused_at, now)
            case.handle_due_at = cal.shift(case.handle_due_at, paused)
        case.clock_paused_at = None
    if "sign" in closed_clocks:
        case.sign_due_at = None

    dues: dict[str, datetime | None] = {}
    for task in opened:
        due = None
        if task.clock == "sign":
            due = case.sign_due_at = cal.add_working_hours(now, limit.sign_hours)
            if cfg["HANDLING_CLOCK_STARTS_AT"] == "dispatch":
                start_handling_clock(case, cal, limit, now)
        elif task.clock == "handle":
            start_handling_clock(case, cal, limit, now)
            due = case.handle_due_at
        elif task.clock == "decision":
            due = cal.add_working_hours(now, limit.decision_hours)
            if cfg["PAUSE_CLOCK_WHILE_DECIDING"] and case.clock_paused_at is None:
                case.clock_paused_at = now
        elif task.clock == "revisit":
            due = case.revisit_due_at = cal.add_working_days(now, limit.revisit_days)
        dues[task.uuid] = due
    return dues


def start_handling_clock(case: Case, cal: WorkCalendar, limit: TimeLimit, now: datetime) -> None:
    if case.handle_started_at is None:
        case.handle_started_at = now
        case.handle_due_at = cal.add_working_days(now, limit.handle_days)


def reset_handling_clock(case: Case) -> None:
    """A new round (reopen, approved return): the next department gets a full limit."""
    case.handle_started_at = None
    case.handle_due_at = None
    case.clock_paused_at = None
    case.overdue = False  # the flag is per round (overdue.py)


def extend_handling_clock(case: Case, days: int) -> None:
    cal = work_calendar()
    if case.handle_due_at is not None:
        case.handle_due_at = cal.shift_days(case.handle_due_at, days)


STATUS_WORDS = {
    "accepted": ("已受理", "Accepted"),
    "transferred": ("已转办未接收", "Transferred, not signed for"),
    "handling": ("正在办理", "Being handled"),
    "replied": ("已答复待回访", "Replied, awaiting revisit"),
    "closed": ("办结", "Closed"),
}
OVERDUE_WORDS = {
    "accepted": ("逾期未办理", "Overdue, not handled"),
    "transferred": ("逾期未办理", "Overdue, not handled"),
    "handling": ("逾期正在办理", "Overdue, being handled"),
    "replied": ("逾期办结", "Closed overdue"),
    "closed": ("逾期办结", "Closed overdue"),
}


def status_words(case: Case, now: datetime) -> dict:
    late = overdue.is_overdue(case, now)
    zh, en = (OVERDUE_WORDS if late else STATUS_WORDS)[case.status]
    if late and case.status == REPLIED:
        zh, en = "逾期已答复待回访", "Replied overdue, awaiting revisit"
    return {"status": case.status, "overdue": late, "zh": zh, "en": en}
