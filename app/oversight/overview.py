"""What the oversight page (效能督办) and its API read: the cases of the combined query's
filters (app/cases/list_args.py, the same list the query page shows) counted by standing and
department, the orders with their state, the urges and the notice list.

A case's standing (normal, warning, overdue) is app/deadlines/standing.py's, on its running
deadline (app/deadlines/overdue.py), or overdue when flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.cases import contacts, queries
from app.cases.queries import CaseListArgs
from app.clock import clock
from app.deadlines import overdue, standing
from app.extensions import db
from app.models import Case, CaseEvent, Department, SupervisionOrder, User
from app.oversight import supervision, urges
from app.oversight.ladder import LIST_EVENT

SCAN_MAX = 5000  # cases the page counts; more is said ("5000+"), never silently dropped
LIST_MAX = 200  # rows of each list shown


@dataclass
class DepartmentCount:
    department_id: int | None
    department: str
    overdue: int = 0
    warning: int = 0


@dataclass
class Overview:
    counts: list[DepartmentCount] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    warning: list[dict[str, Any]] = field(default_factory=list)
    scanned: int = 0
    capped: bool = False


def standing_of(case: Case, now: datetime) -> str:
    if case.overdue:
        return "overdue"
    due = overdue.case_running_due(case)
    clock_name = "sign" if due is not None and due == case.sign_due_at else "handle"
    return standing.standing(due, standing.limit_seconds(clock_name, case), now)


def case_ids(user: User, args: CaseListArgs, cap: int) -> list[int]:
    """The ids of the cases the combined query shows for these filters (its scope and its
    order), at most `cap` of them."""
    out = []
    for item in queries.iter_cases(user, args):
        out.append(item["id"])
        if len(out) >= cap:
            break
    return out


def overview(user: User, args: CaseListArgs) -> Overview:
    now = clock.now()
    ids = case_ids(user, args, SCAN_MAX + 1)
    result = Overview(scanned=min(len(ids), SCAN_MAX), capped=len(ids) > SCAN_MAX)
    ids = ids[:SCAN_MAX]
    names = {
        d_id: name for d_id, name in db.session.execute(select(Department.id, Department.name))
    }
    by_dept: dict[int | None, DepartmentCount] = {}
    types = contacts.type_codes()
    for start in range(0, len(ids), 500):
        for case in db.session.scalars(select(Case).where(Case.id.in_(ids[start : start + 500]))):
            kind = standing_of(case, now)
            if kind == "normal":
                continue
            dept_id = case.current_department_id
            row = by_dept.setdefault(
                dept_id, DepartmentCount(dept_id, names.get(dept_id, "—") if dept_id else "—")
            )
            setattr(row, kind, getattr(row, kind) + 1)
            target = result.overdue if kind == "overdue" else result.warning
            if len(target) < LIST_MAX:
                target.append(
                    {
                        **queries.summary(case, types, now, user),
                        "department": row.department,
                        "urge_count": case.urge_count,
                        "last_urged_at": case.last_urged_at,
                    }
                )
    result.counts = sorted(by_dept.values(), key=lambda r: (-r.overdue, -r.warning, r.department))
    for items in (result.overdue, result.warning):
        items.sort(key=lambda c: (c["handle_due_at"] or now, c["id"]))
    return result


def orders(user: User, state: str | None = None, limit: int = LIST_MAX) -> list[dict[str, Any]]:
    """Supervision orders, newest first, with their state (open, answered, overdue)."""
    now = clock.now()
    query = (
        select(SupervisionOrder, Case.number, Department.name)
        .join(Case, Case.id == SupervisionOrder.case_id)
        .join(Department, Department.id == SupervisionOrder.department_id)
        .order_by(SupervisionOrder.id.desc())
    )
    if state == "answered":
        query = query.where(SupervisionOrder.answered_at.is_not(None))
    elif state == "overdue":
        query = query.where(
            SupervisionOrder.answered_at.is_(None),
            SupervisionOrder.overdue | (SupervisionOrder.feedback_due_at < now),
        )
    elif state == "open":
        query = query.where(
            SupervisionOrder.answered_at.is_(None),
            SupervisionOrder.overdue.is_(False),
            SupervisionOrder.feedback_due_at >= now,
        )
    out = []
    for row, number, dept in db.session.execute(query.limit(limit)):
        out.append(order_item(row, number, dept, now))
    return out


def order_item(row: SupervisionOrder, number: str, dept: str, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "case_id": row.case_id,
        "case_number": number,
        "department_id": row.department_id,
        "department": dept,
        "message": row.message,
        "feedback_due_at": row.feedback_due_at,
        "created_at": row.created_at,
        "answer": row.answer,
        "answered_at": row.answered_at,
        "state": supervision.state_of(row, now),
    }


def recent_events(action: str, limit: int = LIST_MAX) -> list[dict[str, Any]]:
    """The latest urges (or notice-list entries) with their case and departments."""
    rows = db.session.execute(
        select(CaseEvent, Case.number, Department.name)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(Department, Department.id == CaseEvent.to_department_id)
        .where(CaseEvent.action == action)
        .order_by(CaseEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "case_id": event.case_id,
            "case_number": number,
            "department": dept or "—",
            "at": event.at,
            "message": event.comment,
            "auto": bool((event.data or {}).get("auto")),
        }
        for event, number, dept in rows
    ]


def recent_urges() -> list[dict[str, Any]]:
    return recent_events(urges.URGE_EVENT)


def notice_list() -> list[dict[str, Any]]:
    return recent_events(LIST_EVENT)
