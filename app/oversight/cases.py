"""What the oversight services read of a case: the case in the actor's scope, and which
departments hold it now (its open tasks'), without loading its workflow."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.cases import queries
from app.errors import Conflict
from app.extensions import db
from app.models import Case, OpenTask, User
from app.models.case import FINISHED

_CHUNK = 500  # ids per IN list


def visible(user: User, case_id: int) -> Case:
    """The case, 404 `case_not_found` when missing or outside the user's scope (policy)."""
    return queries.get_visible_case(user, str(case_id))


def holders(case_id: int) -> list[int]:
    """The departments of the case's open tasks, the oldest task's first."""
    return holders_of([case_id]).get(case_id, [])


def holders_of(case_ids: Iterable[int]) -> dict[int, list[int]]:
    """`holders` of many cases at once (a case nobody holds is absent)."""
    ids = sorted(set(case_ids))
    out: dict[int, list[int]] = {}
    for start in range(0, len(ids), _CHUNK):
        for case_id, dept_id in db.session.execute(
            select(OpenTask.case_id, OpenTask.department_id)
            .where(OpenTask.case_id.in_(ids[start : start + _CHUNK]))
            .order_by(OpenTask.id)
        ):
            depts = out.setdefault(case_id, [])
            if dept_id not in depts:
                depts.append(dept_id)
    return out


def handling_department(case: Case) -> int:
    """The department an order or instruction on the case is addressed to: the case's current
    department when it holds a task, else the first that does. 409 when the case is finished
    or nobody holds it."""
    if case.status in FINISHED:
        raise Conflict("case_closed", "工单已答复或办结", "The case is replied or closed")
    held = holders(case.id)
    if not held:
        raise Conflict(
            "no_handling_department", "工单当前无承办单位", "No department holds the case now"
        )
    return case.current_department_id if case.current_department_id in held else held[0]
