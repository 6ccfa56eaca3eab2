"""The scope index: case_department rows carry copies of the case columns scoped lists use.

A department user's or leader's case list filters on status, intake time and overdue and sorts
by intake time. Read through hotline_case, that is a semi-join on case_department probed for
each candidate case (tens of thousands of probes to count a page's total); read from
case_department's own indexes, it is one index range per department. The copies are:

    status, created_at, overdue     the case's columns
    due_at                          the earliest of sign_due_at / handle_due_at while one runs
                                    (case open and clock not paused), else NULL

so that the overdue rule (app/deadlines/overdue.py) reads the same on the copies
(`overdue.SCOPE_COPY`) as on the case (`overdue.CASE`).

Kept equal to the case's columns by the writers of cases: `projection.project` (every intake
and action ends there) inserts new rows with the copies and updates the case's rows when a copy
changed; the scheduler's overdue scan (overdue_scan.py) calls `mark_overdue_rows`; the bulk
seed writes them with the rows (`row_values`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.deadlines import overdue
from app.models import Case, CaseDepartment
from app.write_batch import WriteBatch

CD = CaseDepartment


class ScopeValues(TypedDict):
    """A case's copies on its case_department rows."""

    status: str
    created_at: datetime
    overdue: bool
    due_at: datetime | None
    case_type_id: int
    channel: str


# The copies the statements bind from the case (the overdue flag is read from the case row).
CopiedColumn = Literal["status", "created_at", "due_at", "case_type_id", "channel"]


def scope_values(case: Case) -> ScopeValues:
    """The case_department copies of one case."""
    return {
        "status": case.status,
        "created_at": case.created_at,
        "overdue": bool(case.overdue),
        "due_at": overdue.case_running_due(case),
        "case_type_id": case.case_type_id,
        "channel": case.channel,
    }


def row_values(row: Mapping[str, Any]) -> ScopeValues:
    """`scope_values` of a hotline_case row read as a mapping (the bulk seed's clones)."""
    # Any: a row's values as the database driver returns them.
    return {
        "status": row["status"],
        "created_at": row["created_at"],
        "overdue": bool(row["overdue"]),
        "due_at": overdue.running_due(
            row["status"], row["clock_paused_at"], row["sign_due_at"], row["handle_due_at"]
        ),
        "case_type_id": row["case_type_id"],
        "channel": row["channel"],
    }


_rows = CD.__table__
# The overdue copy is read from the case row when the statement runs, not taken from the case
# the step loaded: the scheduler may have set the flag since. (A step queues its own case UPDATE
# before these, so its own change to the flag is read too.)
_CASE_OVERDUE = select(Case.overdue).where(Case.id == bindparam("b_case")).scalar_subquery()
_COPIED: tuple[CopiedColumn, ...] = ("status", "created_at", "due_at", "case_type_id", "channel")
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


def _params(case_id: int, values: ScopeValues) -> dict[str, object]:
    return {"b_case": case_id, **{f"b_{name}": values[name] for name in _COPIED}}


def add_rows(
    writes: WriteBatch, case_id: int, department_ids: set[int], values: ScopeValues
) -> None:
    """Rows for departments the case reaches (existing rows are left alone)."""
    writes.add(
        _ADD_ROWS,
        [{**_params(case_id, values), "b_department": d} for d in sorted(department_ids)],
    )


def sync_case(writes: WriteBatch, case_id: int, values: ScopeValues) -> None:
    """Copy changed case columns to all of the case's rows."""
    writes.add(_SYNC_CASE, _params(case_id, values))


def mark_overdue_rows(connection: Connection, case_ids: list[int]) -> None:
    """After the overdue scan set the flag on these cases: their copies say so too."""
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

# A filter on the copies (queries' list filters, on CaseDepartment's columns).
Condition = ColumnElement[bool]
# Case ids with the intake time they are ranked by.
RankedIds = Select[int, datetime | None]


def _branch(department_id: int, conds: list[Condition], descending: bool, limit: int) -> RankedIds:
    # The list's order: intake time either way, then the id downwards (queries.list_cases).
    order = (CD.created_at.desc() if descending else CD.created_at.asc(), CD.case_id.desc())
    return (
        select(CD.case_id, CD.created_at)
        .where(CD.department_id == department_id, *conds)
        .order_by(*order)
        .limit(limit)
    )


def case_ids(
    department_ids: list[int], conds: list[Condition], descending: bool, limit: int, offset: int
) -> RankedIds:
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


def count_cases(department_ids: list[int], conds: list[Condition], cap: int) -> Select[int]:
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
