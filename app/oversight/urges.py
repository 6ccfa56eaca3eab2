"""Urges (催办): the oversight office (or a leader, or the ladder on its own) presses the
handling department of open cases, without touching their flow.

An urge on a case is, in one transaction for all the cases urged: a CaseEvent `urge` on its
timeline (the message, who, from where, whether automatic), its mark for the inbox (the urge
count and last time on the case row, the 催 badge) and a notification `urge` to the desk
staff of the departments holding its open tasks. The workflow state, open tasks and due
times are not read for writing, let alone written (tests/oversight prove it).

A case is refused, and nothing of it changes, when it is not found in the urging user's
scope (app/auth/policy.py; `by=None`, the scheduler, has no scope), when it is finished
(replied or closed: no deadline runs, nobody holds it), or when no department holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update

from app.auth import policy
from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, User
from app.models.case import FINISHED
from app.notifications.service import Notice, notify_many
from app.oversight import cases, messages

URGE_EVENT = "urge"
# Why a case was not urged: code -> (Chinese, English).
REFUSALS = {
    "case_not_found": ("工单不存在或不在您的范围内", "No such case in your scope"),
    "case_closed": ("工单已答复或办结，无需催办", "The case is replied or closed"),
    "no_handling_department": ("工单当前无承办单位", "No department holds the case now"),
}
_CHUNK = 500  # ids per IN list
BULK_MAX = 1000  # cases one request urges (the API's and the page's bulk urge)


@dataclass(frozen=True)
class UrgeResult:
    urged: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # case id -> a code of REFUSALS


def urge(
    case_ids: Iterable[int],
    message: str,
    *,
    by: User | None,
    at: datetime | None = None,
    auto: bool = False,
    client_ip: str = "",
    commit: bool = True,
) -> UrgeResult:
    """Urge the cases (see the module). `commit=False` leaves the writes in the caller's
    transaction (the ladder records its step with them)."""
    message = messages.clean(message)
    if by is not None:
        policy.check_urge(by)
    at = at or clock.now()
    ids = sorted({int(i) for i in case_ids})
    refused: dict[int, str] = {}
    visible = None if by is None else policy.visible_cases_clause(by)
    found: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(Case.id, Case.status).where(Case.id.in_(ids[start : start + _CHUNK]))
        if visible is not None:
            query = query.where(visible)
        found.update((row[0], row[1]) for row in db.session.execute(query))
    holders = cases.holders_of(found)
    urged: list[int] = []
    for case_id in ids:
        if case_id not in found:
            refused[case_id] = "case_not_found"
        elif found[case_id] in FINISHED:
            refused[case_id] = "case_closed"
        elif not holders.get(case_id):
            refused[case_id] = "no_handling_department"
        else:
            urged.append(case_id)
    if not urged:
        return UrgeResult([], refused)
    try:
        _write(urged, holders, message, by, at, auto, client_ip)
        if commit:
            db.session.commit()
    except BaseException:
        if commit:
            db.session.rollback()
        raise
    return UrgeResult(urged, refused)


def _write(
    urged: list[int],
    holders: dict[int, list[int]],
    message: str,
    by: User | None,
    at: datetime,
    auto: bool,
    client_ip: str,
) -> None:
    db.session.execute(
        insert(CaseEvent),
        [
            {
                "case_id": case_id,
                "at": at,
                "user_id": by.id if by else None,
                "action": URGE_EVENT,
                "from_department_id": by.department_id if by else None,
                "to_department_id": holders[case_id][0],
                "comment": message,
                "data": {"auto": auto, "departments": holders[case_id]},
                "client_ip": client_ip,
            }
            for case_id in urged
        ],
    )
    for start in range(0, len(urged), _CHUNK):
        # An increment in SQL: a step on the case at the same moment writes other columns.
        db.session.execute(
            update(Case)
            .where(Case.id.in_(urged[start : start + _CHUNK]))
            .values(urge_count=Case.urge_count + 1, last_urged_at=at)
            .execution_options(synchronize_session=False)
        )
    notify_many(
        "urge",
        [
            Notice(case_id, departments=holders[case_id], body=message, data={"auto": auto}, at=at)
            for case_id in urged
        ],
    )
