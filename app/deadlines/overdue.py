"""When a case is overdue (逾期): the one definition, in Python and in SQL.

The words
---------
- A *deadline has passed* at ``now`` when it is set and earlier than ``now`` (at the deadline
  itself it has not). An open task is overdue when its own deadline (``open_task.due_at``) has
  passed.
- A case's deadlines *run* while it is open (not replied or closed) and its clock is not paused
  (a return, extension or joint request awaits a decision). Its *running deadline* is then the
  earliest of its sign-for and handling deadlines; otherwise it has none. The revisit and
  decision deadlines never make a case overdue.
- A case is *late* when its running deadline has passed, and *overdue* when it is late or
  flagged.
- The flag (``overdue``) records a missed handling deadline for the rest of the handling round,
  as the handling limit is what on-time completion (按期办结) is measured by: a case replied
  after it, or paused after it, stays overdue (逾期办结). A missed sign-for deadline makes the
  case late only until it is signed for; then the sign event keeps it (``on_time``, for the
  sign-for rate 按时签收率) and the case is judged by its handling deadline. Whoever sees the
  handling deadline passed sets the flag: the step acting on the case (`note_late`, before it
  moves the clocks) and, for cases nobody acts on, the scheduler's scan (`cases_to_flag`), so
  the answer never depends on whether the scan ran in between. A new round clears it
  (`service.reset_handling_clock`).

Where the columns are
---------------------
The SQL form is one definition over a table's columns (`DeadlineColumns`): the case row
(`CASE`: flag, sign-for and handling deadlines, status and paused clock) and its copies in
``case_department`` (`SCOPE_COPY`: flag and the running deadline itself, which
app/cases/scope_index.py copies from `running_due`). Every clause here is NULL-safe (never SQL
NULL), so its negation is exact too ("not overdue" lists).

The partial indexes ``ix_case_may_be_overdue_created`` and ``ix_case_department_may_be_overdue``
(app/models/case.py) cover the rows that can be overdue, `may_be_overdue`; a test holds their
predicate texts equal to it. The planner uses such an index only when it can prove the query's
condition implies the predicate, which it does with the bare flag and the literal statuses:
hence `_FINISHED` is rendered as literals, not bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, and_, literal_column, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Case, CaseDepartment
from app.models.case import FINISHED

# Python


def passed(due: datetime | None, now: datetime) -> bool:
    """Whether a deadline has passed at `now` (an unset one never has)."""
    return due is not None and due < now


def runs(status: str, clock_paused_at: datetime | None) -> bool:
    """Whether a case's deadlines run."""
    return status not in FINISHED and clock_paused_at is None


def running_due(
    status: str,
    clock_paused_at: datetime | None,
    sign_due_at: datetime | None,
    handle_due_at: datetime | None,
) -> datetime | None:
    """The deadline that makes the case late once passed (None: none runs)."""
    if not runs(status, clock_paused_at):
        return None
    dues = [d for d in (sign_due_at, handle_due_at) if d is not None]
    return min(dues) if dues else None


def case_running_due(case: Case) -> datetime | None:
    return running_due(case.status, case.clock_paused_at, case.sign_due_at, case.handle_due_at)


def overdue_from(flag: bool, due: datetime | None, now: datetime) -> bool:
    """The rule on its two inputs: flagged, or the running deadline `due` has passed."""
    return bool(flag) or passed(due, now)


def is_overdue(case: Case, now: datetime) -> bool:
    return overdue_from(case.overdue, case_running_due(case), now)


def missed_handling(
    status: str, clock_paused_at: datetime | None, handle_due_at: datetime | None, now: datetime
) -> bool:
    """Whether the handling deadline has passed while it runs: what sets the flag."""
    return runs(status, clock_paused_at) and passed(handle_due_at, now)


def note_late(case: Case, now: datetime) -> None:
    """Flag the case when it missed its handling deadline (a step, before it moves clocks)."""
    # Assigned only when it changes: an assignment alone would make the step write the column.
    if not case.overdue and missed_handling(
        case.status, case.clock_paused_at, case.handle_due_at, now
    ):
        case.overdue = True


# SQL

# A column as a rule reads it: a table's column or the ORM attribute that maps it.
SQLExpr: TypeAlias = ColumnElement[Any] | InstrumentedAttribute[Any]

# Rendered as literals: a partial index predicate is matched against constants only.
_FINISHED: tuple[ColumnElement[str], ...] = tuple(literal_column(f"'{s}'") for s in FINISHED)


@dataclass(frozen=True)
class DeadlineColumns:
    """Where a table keeps what the rule reads."""

    flag: SQLExpr  # the overdue flag, never NULL
    dues: tuple[SQLExpr, ...]  # deadlines, of which the earliest is the running one...
    runs: ColumnElement | None  # ...while this holds (None: a due is NULL unless it runs)
    may_run: ColumnElement  # rows where a deadline can run: the partial indexes' other arm


_CASE_RUNS = and_(Case.status.notin_(_FINISHED), Case.clock_paused_at.is_(None))
CASE = DeadlineColumns(
    flag=Case.overdue,
    dues=(Case.sign_due_at, Case.handle_due_at),
    runs=_CASE_RUNS,
    may_run=Case.status.notin_(_FINISHED),
)
SCOPE_COPY = DeadlineColumns(
    flag=CaseDepartment.overdue,
    dues=(CaseDepartment.due_at,),
    runs=None,
    may_run=CaseDepartment.due_at.is_not(None),
)


def passed_clause(due: SQLExpr, now: datetime) -> ColumnElement:
    """`passed` on a column."""
    return and_(due.is_not(None), due < now)


def runs_clause() -> ColumnElement:
    """`runs` for the case table: its deadlines run (open, clock not paused)."""
    return _CASE_RUNS


def late_clause(cols: DeadlineColumns, now: datetime) -> ColumnElement:
    """The running deadline has passed: the earliest running one has iff any running one has."""
    any_passed = or_(*(passed_clause(d, now) for d in cols.dues))
    return any_passed if cols.runs is None else and_(cols.runs, any_passed)


def overdue_clause(cols: DeadlineColumns, now: datetime) -> ColumnElement:
    """`is_overdue` for list filters: `flag OR late`, both arms within `may_be_overdue`."""
    return or_(cols.flag, late_clause(cols, now))


def may_be_overdue(cols: DeadlineColumns) -> ColumnElement:
    """The rows `overdue_clause` can hold for at some time: the partial indexes' predicate."""
    return or_(cols.flag, cols.may_run)


def cases_to_flag(now: datetime) -> ColumnElement:
    """`note_late` for the case table: the cases to flag now (the scheduler's scan)."""
    return and_(Case.overdue.is_(False), _CASE_RUNS, passed_clause(Case.handle_due_at, now))
