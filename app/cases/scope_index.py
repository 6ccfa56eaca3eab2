"""The scope index: case_department rows carry copies of the case columns scoped lists use.

A department user's or leader's case list filters on status, intake time and overdue and sorts
by intake time. Read through hotline_case, that is a semi-join on case_department probed for
each candidate case (tens of thousands of probes to count a page's total); read from
case_department's own indexes, it is one index range per department. The copies are:

    status, created_at, overdue     the case's columns
    due_at                          the earliest of sign_due_at / handle_due_at while one runs
                                    (case open and clock not paused), else NULL

so that `overdue OR due_at < now` is exactly `deadlines.overdue_condition(now)`.

Kept equal to the case's columns by the writers of cases: `service._project` (every intake and
action ends there) inserts new rows with the copies and updates the case's rows when a copy
changed; the scheduler's bulk `mark_overdue` calls `mark_overdue_rows`; the bulk seed writes
them with the rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.models import Case, CaseDepartment
from app.models.case import FINISHED
from app.write_batch import WriteBatch

CD = CaseDepartment


def running_due(status: str, clock_paused_at, sign_due_at, handle_due_at) -> datetime | None:
    """The deadline that makes the case overdue once passed (None: none runs)."""
    if status in FINISHED or clock_paused_at is not None:
        return None
    dues = [d for d in (sign_due_at, handle_due_at) if d is not None]
    return min(dues) if dues else None


def scope_values(case: Case) -> dict:
    """The case_department copies of one case."""
    return {
        "status": case.status,
        "created_at": case.created_at,
        "overdue": bool(case.overdue),
        "due_at": running_due(
            case.status, case.clock_paused_at, case.sign_due_at, case.handle_due_at
        ),
        "case_type_id": case.case_type_id,
        "channel": case.channel,
    }


_rows = CD.__table__
# The overdue copy is read from the case row when the statement runs, not taken from the case
# the step loaded: the scheduler may have set the flag since. (A step queues its own case UPDATE
# before these, so its own change to the flag is read too.)
_CASE_OVERDUE = select(Case.overdue).where(Case.id == bindparam("b_case")).scalar_subquery()
_COPIED = ("status", "created_at", "due_at", "case_type_id", "channel")
# Built once: a step runs these with new parameters only.
# SQLite (3.24+) spells ON CONFLICT DO NOTHING as PostgreSQL does, so one statement serves both.
_ADD_ROWS = (
    pg_insert(_rows)
    .values(
        case_id=bindparam("b_case"),
        department_id=bindparam("b_department"),
        overdue=_CASE_OVERDUE,
        **{name: bindparam(f"b_{name}") for name in _COPIED},
    )
    .on_conflict_do_nothing()
)
_SYNC_CASE = (
    update(_rows)
    .where(_rows.c.case_id == bindparam("b_case"))
    .values(overdue=_CASE_OVERDUE, **{name: bindparam(f"b_{name}") for name in _COPIED})
)


def _params(case_id: int, values: dict) -> dict:
    return {"b_case": case_id, **{f"b_{name}": values[name] for name in _COPIED}}


def add_rows(writes: WriteBatch, case_id: int, department_ids: set[int], values: dict) -> None:
    """Rows for departments the case reaches (existing rows are left alone)."""
    writes.add(
        _ADD_ROWS,
        [{**_params(case_id, values), "b_department": d} for d in sorted(department_ids)],
    )


def sync_case(writes: WriteBatch, case_id: int, values: dict) -> None:
    """Copy changed case columns to all of the case's rows."""
    writes.add(_SYNC_CASE, _params(case_id, values))


def mark_overdue_rows(connection, case_ids: list[int]) -> None:
    """After the scheduler set the overdue flag on these cases."""
    for i in range(0, len(case_ids), 1000):
        connection.execute(
            update(CD)
            .where(CD.case_id.in_(case_ids[i : i + 1000]), CD.overdue.is_(False))
            .values(overdue=True)
            .execution_options(synchronize_session=False)
        )


# --- Reading ---------------------------------------------------------------------------------

SORTS = {"created_at", "-created_at"}
FILTERS = {"status", "created_from", "created_to", "overdue", "case_type", "channel"}


def overdue_condition(now: datetime):
    """`deadlines.overdue_condition` on the copies; NULL-safe, so its negation is exact too."""
    return or_(CD.overdue, and_(CD.due_at.is_not(None), CD.due_at < now))


def _branch(department_id: int, conds: list, descending: bool, limit: int):
    # The list's order: intake time either way, then the id downwards (queries.list_cases).
    order = (CD.created_at.desc() if descending else CD.created_at.asc(), CD.case_id.desc())
    return (
        select(CD.case_id, CD.created_at)
        .where(CD.department_id == department_id, *conds)
        .order_by(*order)
        .limit(limit)
    )


def case_ids(department_ids: list[int], conds: list, descending: bool, limit: int, offset: int):
    """Ids of the cases (in scope, matching) ranked [offset, offset + limit) by intake time.

    One index range per department, each cut at offset + limit (a case ranked there overall is
    ranked no lower in each of its departments), merged without duplicates: a case sent to two
    departments of the scope is one case.
    """
    if len(department_ids) == 1:
        return _branch(department_ids[0], conds, descending, limit).offset(offset)
    parts = [_branch(d, conds, descending, offset + limit).subquery() for d in department_ids]
    merged = union_all(*(select(p.c.case_id, p.c.created_at) for p in parts)).subquery()
    order = (
        merged.c.created_at.desc() if descending else merged.c.created_at.asc(),
        merged.c.case_id.desc(),
    )
    return (
        select(merged.c.case_id, merged.c.created_at)
        .distinct()
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )


def count_cases(department_ids: list[int], conds: list, cap: int):
    """Distinct matching cases in scope, counted up to cap + 1 (more means "more than cap")."""
    if len(department_ids) == 1:
        inner = (
            select(CD.case_id).where(CD.department_id == department_ids[0], *conds).limit(cap + 1)
        )
    else:
        # Any department past cap + 1 rows already makes the total pass the cap; below that,
        # the distinct ids of the cut ranges are all of them.
        parts = [
            select(CD.case_id).where(CD.department_id == d, *conds).limit(cap + 1).subquery()
            for d in department_ids
        ]
        merged = union_all(*(select(p.c.case_id) for p in parts)).subquery()
        inner = select(merged.c.case_id).distinct().limit(cap + 1)
    return select(func.count()).select_from(inner.subquery())
