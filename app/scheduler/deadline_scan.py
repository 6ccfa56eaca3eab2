"""The deadline scan: warnings (预警), overdue (逾期) and escalation (逾期升级) for every clock a
case carries, each an event in the case's timeline and a notification, exactly once.

Every timed open task is a deadline: sign-for at each level it was sent to (each task its own),
handling (one per department per round, whichever handle task carries it: a handle task that
reopens after a rejected request with the same due time is the same deadline), a decision on
a return, extension or joint request (the paused case's own limit), and revisit. Each reaches,
in turn:

- *warning* when it enters its warning window (the one rule: app/deadlines/standing.py, per
  clock: app/deadlines/rules.py), stamped with that instant (or the task's opening, if it
  opened inside the window);
- *overdue* when it passes, stamped with the deadline itself;
- *escalated* when it is passed by the clock's escalation threshold of working time, stamped
  with that instant: the case's ``escalated`` column is set, the upper department (the parent
  in the tree) and the oversight office are told, and the case is urged automatically.

Stamps are the times the marks fell due, not the time of the scan: a scheduler that was down
over a weekend writes, when it starts, what it would have written had it run. The case's
``overdue`` flag keeps its own rule (app/deadlines/overdue.py; jobs.mark_overdue sets it).

Each scan reads ``open_task`` by its due-time index, leaves out what is marked already (the
unique key of ``deadline_mark``), and acts in chunks of ``SCHEDULER_CHUNK`` marks, one
transaction each: the marks (app/deadlines/marks.py), their events and notifications commit
together or not at all. No workflow is loaded.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import (
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)

from app import json_rows
from app.auth.policy import DESK_ROLES, OVERSIGHT
from app.deadlines import marks as deadline_marks
from app.deadlines import overdue, rules, standing
from app.deadlines import service as deadlines
from app.deadlines.calendar import WorkCalendar
from app.deadlines.marks import Mark
from app.extensions import db
from app.models import (
    Case,
    CaseEvent,
    DeadlineMark,
    Department,
    OpenTask,
    Role,
    TimeLimit,
    User,
    user_roles,
)
from app.models.scheduler import ESCALATED, LEVELS, OVERDUE, WARNING
from app.notifications.service import Notice, notify_many
from app.oversight.urges import urge
from app.timefmt import to_rfc3339

log = logging.getLogger(__name__)

ACTIONS = {WARNING: "deadline_warning", OVERDUE: "deadline_overdue", ESCALATED: "escalated"}
KINDS = {WARNING: "warning", OVERDUE: "overdue", ESCALATED: "escalation"}
REVISIT_ROLES = frozenset({"revisit"})
AUTO_URGE_MESSAGE = "已超过办理时限，系统自动升级催办，请尽快办理。"

# Called with the escalated marks of a chunk, in its transaction: the automatic urge, and
# whatever else an escalation should set off (the oversight office's ladder may add itself).
EscalationHook = Callable[[Sequence[Mark]], None]
escalation_hooks: list[EscalationHook] = []


@dataclass(frozen=True)
class _Context:
    now: datetime
    cal: WorkCalendar
    day: float  # working seconds in a working day
    limits: dict[tuple[int, str], TimeLimit]
    escalate_after: dict[str, float]


def subject_clause() -> Any:
    """The deadline's subject in SQL: the department for handling, else the task."""
    return case(
        (OpenTask.clock == "handle", cast(OpenTask.department_id, String)),
        else_=OpenTask.task_uuid,
    )


def _window(ctx: _Context, clock: str, type_priority: tuple[int, str] | None) -> float:
    limit = ctx.limits.get(type_priority) if type_priority else None
    fraction, cap = standing.rule(clock)
    return standing.warning_window(
        standing.clock_limit_seconds(clock, limit, ctx.day), fraction, cap
    )


def _horizon(ctx: _Context, window: float) -> datetime:
    """The latest deadline inside a warning window of `window` working seconds at `now`."""
    end = ctx.cal.add_working_seconds(ctx.now, window)
    if end.time() == ctx.cal.day_end:  # the night after it passes no working time
        end = datetime.combine(ctx.cal.next_working_day(end.date()), ctx.cal.day_start)
    return end


def _level_clause(level: str, ctx: _Context) -> Any:
    due = OpenTask.due_at
    if level == OVERDUE:
        return and_(OpenTask.clock.in_(rules.TIMED_CLOCKS), overdue.passed_clause(due, ctx.now))
    if level == ESCALATED:
        arms = [
            and_(OpenTask.clock == clock, due <= ctx.cal.latest_before(ctx.now, after))
            for clock, after in ctx.escalate_after.items()
        ]
        return and_(due < ctx.now, or_(*arms)) if arms else None
    # Warning: one arm per clock and window (the limits per case type and priority give a
    # handful of windows), each a due-time range; a type without a limit uses the cap alone.
    known = list(ctx.limits)
    arms = []
    for clock in rules.TIMED_CLOCKS:
        by_window: dict[float, list[tuple[int, str]]] = defaultdict(list)
        for tp in known:
            by_window[_window(ctx, clock, tp)].append(tp)
        for window, pairs in by_window.items():
            arms.append(
                and_(
                    OpenTask.clock == clock,
                    tuple_(Case.case_type_id, Case.priority).in_(pairs),
                    due <= _horizon(ctx, window),
                )
            )
        unknown = tuple_(Case.case_type_id, Case.priority).not_in(known) if known else true()
        arms.append(
            and_(OpenTask.clock == clock, unknown, due <= _horizon(ctx, _window(ctx, clock, None)))
        )
    return or_(*arms)


def _candidates(level: str, ctx: _Context) -> list[Any]:
    clause = _level_clause(level, ctx)
    if clause is None:
        return []
    subject = subject_clause()
    marked = exists().where(
        DeadlineMark.case_id == OpenTask.case_id,
        DeadlineMark.clock == OpenTask.clock,
        DeadlineMark.subject == subject,
        DeadlineMark.due_at == OpenTask.due_at,
        DeadlineMark.level == level,
    )
    query = (
        select(
            OpenTask.case_id,
            OpenTask.clock,
            subject.label("subject"),
            OpenTask.task_uuid,
            OpenTask.department_id,
            OpenTask.due_at,
            OpenTask.created_at,
            Case.case_type_id,
            Case.priority,
        )
        .join(Case, Case.id == OpenTask.case_id)
        .where(OpenTask.due_at.is_not(None), clause, ~marked)
        .order_by(OpenTask.due_at, OpenTask.case_id, OpenTask.task_uuid)
    )
    return list(db.session.execute(query).all())


def _stamp(level: str, row: Any, ctx: _Context) -> datetime | None:
    """When the mark fell due (None: not yet; the SQL above is the wider net)."""
    due: datetime = row.due_at
    if level == OVERDUE:
        return due if overdue.passed(due, ctx.now) else None
    if level == ESCALATED:
        after = ctx.escalate_after.get(row.clock)
        if after is None or not overdue.passed(due, ctx.now):
            return None
        if ctx.cal.working_seconds_between(due, ctx.now) < after:
            return None
        return ctx.cal.add_working_seconds(due, after)
    window = _window(ctx, row.clock, (row.case_type_id, row.priority))
    if not overdue.passed(due, ctx.now) and standing.remaining(due, ctx.now, ctx.cal) > window:
        return None
    return min(ctx.now, max(ctx.cal.earliest_within(due, window), row.created_at))


def _context(now: datetime) -> _Context:
    cal = deadlines.work_calendar()
    limits = {(t.case_type_id, t.priority): t for t in db.session.scalars(select(TimeLimit))}
    return _Context(
        now=now,
        cal=cal,
        day=standing.day_seconds(cal),
        limits=limits,
        escalate_after=rules.escalation_rules(current_app.config),
    )


def scan(now: datetime) -> dict[str, int]:
    """Mark every deadline that has reached a level by `now`. Returns new marks per level."""
    ctx = _context(now)
    chunk = max(1, int(current_app.config["SCHEDULER_CHUNK"]))
    done: dict[str, int] = {}
    for level in LEVELS:  # in order: a late task's warning comes before its overdue
        found = []
        tasks: dict[tuple[Any, ...], str] = {}
        for row in _candidates(level, ctx):
            at = _stamp(level, row, ctx)
            if at is None:
                continue
            mark = Mark(
                row.case_id, row.clock, row.subject, row.due_at, level, row.department_id, at
            )
            found.append(mark)
            tasks[mark.key] = row.task_uuid
        db.session.rollback()  # end the read; each chunk is its own transaction
        done[level] = 0
        for start in range(0, len(found), chunk):
            done[level] += _act(found[start : start + chunk], tasks, ctx)
        if done[level]:
            log.info("deadline scan: %d new %s mark(s)", done[level], level)
    return done


def _act(batch: list[Mark], tasks: dict[tuple[Any, ...], str], ctx: _Context) -> int:
    """One transaction: claim the marks, and for those claimed here write events, notify."""
    try:
        claimed = deadline_marks.claim(batch, ctx.now)
        if claimed:
            # Each deadline in RFC 3339 once (a chunk's marks share a handful of them).
            dues = {d: to_rfc3339(d) for d in {m.due_at for m in claimed}}
            _events(claimed, tasks, dues)
            _notify(claimed, dues)
            escalated = [m for m in claimed if m.level == ESCALATED]
            if escalated:
                _escalate(escalated)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(claimed)


_EVENT_COLUMNS = ("case_id", "at", "action", "to_department_id", "data")


@lru_cache(maxsize=4)
def _events_statement(dialect: str) -> Any:
    """The timeline events of a chunk's marks, one JSON parameter (app/json_rows.py)."""
    table = CaseEvent.__table__
    rows = json_rows.table(dialect, "events", [(c, table.c[c].type) for c in _EVENT_COLUMNS])
    return insert(table).from_select(
        [*_EVENT_COLUMNS, "comment", "client_ip"],
        select(*(rows.c[c] for c in _EVENT_COLUMNS), literal("", Text), literal("", String)),
    )


def _events(
    claimed: Sequence[Mark], tasks: dict[tuple[Any, ...], str], dues: dict[datetime, str]
) -> None:
    events = [
        {
            "case_id": m.case_id,
            "at": m.at,
            "action": ACTIONS[m.level],
            "to_department_id": m.department_id,
            "data": {
                "clock": m.clock,
                "due_at": dues[m.due_at],
                "task_id": tasks.get(m.key),
                "auto": True,
            },
        }
        for m in claimed
    ]
    dialect = db.session.get_bind().dialect.name
    db.session.execute(_events_statement(dialect), {"events": json_rows.dumps(events)})


def _oversight_users() -> set[int]:
    return set(
        db.session.scalars(
            select(User.id)
            .join(user_roles, user_roles.c.user_id == User.id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(User.active, Role.code == OVERSIGHT)
        )
    )


def _parents(department_ids: Iterable[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Department.id, Department.parent_id).where(Department.id.in_(set(department_ids)))
    ).all()
    return {d: p for d, p in rows if p is not None}


def _notify(claimed: Sequence[Mark], dues: dict[datetime, str]) -> None:
    """The department holding the task hears of each mark (its revisit staff, of a revisit);
    of an escalation, also the upper department and the oversight office. One batch per kind
    and role set: a few statements for the chunk, however many marks it holds."""
    escalated = [m for m in claimed if m.level == ESCALATED]
    parents = _parents(m.department_id for m in escalated)
    oversight = _oversight_users() if escalated else set()
    batches: dict[tuple[str, frozenset[str]], list[Notice]] = defaultdict(list)
    for m in claimed:
        data = {"clock": m.clock, "due_at": dues[m.due_at], "level": m.level}
        departments, users = [m.department_id], set()
        if m.clock == "revisit" and m.level != ESCALATED:
            kind, roles = "revisit_reminder", REVISIT_ROLES
        else:
            kind, roles = KINDS[m.level], DESK_ROLES
        if m.level == ESCALATED:
            if m.department_id in parents:
                departments.append(parents[m.department_id])
            users = oversight
        batches[kind, roles].append(
            Notice(m.case_id, users=users, departments=departments, data=data, at=m.at)
        )
    for (kind, roles), notices in batches.items():
        notify_many(kind, notices, roles=roles)


def _escalate(escalated: Sequence[Mark]) -> None:
    db.session.execute(
        update(Case)
        .where(Case.id.in_({m.case_id for m in escalated}), Case.escalated.is_(False))
        .values(escalated=True)
    )
    # The automatic urge (the oversight office's urge, by nobody), stamped when it fell due.
    by_stamp: dict[datetime, set[int]] = defaultdict(set)
    for m in escalated:
        by_stamp[m.at].add(m.case_id)
    for at, case_ids in sorted(by_stamp.items()):
        urge(sorted(case_ids), AUTO_URGE_MESSAGE, by=None, at=at, auto=True, commit=False)
    for hook in escalation_hooks:
        hook(escalated)
