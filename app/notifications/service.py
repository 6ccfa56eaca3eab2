"""Writing notifications: `notify` adds one row per recipient to the current transaction.

Callers pass the users, or the departments whose desk staff (or the given roles) should hear of
it; the rows commit, or roll back, with the action that caused them. Nothing here sends or
waits: the live feed and the e-mail/SMS delivery pick the rows up after commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from app.auth.policy import DESK_ROLES
from app.clock import clock
from app.extensions import db
from app.models import Role, User, user_roles
from app.models.notification import Notification
from app.notifications.kinds import KINDS

BODY_MAX = 2000  # characters of a notification's text


def notify(
    kind: str,
    *,
    users: Iterable[int] = (),
    departments: Iterable[int] = (),
    roles: Collection[str] = DESK_ROLES,
    case_id: int | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Notify `users`, and the active users of `departments` holding one of `roles`."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    at = at or clock.now()
    body = body[:BODY_MAX]
    user_ids = set(users)
    department_ids = set(departments)
    if department_ids:
        for found in department_users(department_ids, roles).values():
            user_ids.update(found)
    if not user_ids:
        return
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": user_id,
                "kind": kind,
                "case_id": case_id,
                "body": body,
                "data": data or {},
                "created_at": at,
            }
            for user_id in sorted(user_ids)
        ],
    )


def department_users(
    departments: Iterable[int], roles: Collection[str] = DESK_ROLES
) -> dict[int, set[int]]:
    """The active users of each department holding one of `roles`: who `notify(departments=)`
    reaches (the scheduler reads it once for a batch of notifications)."""
    out: dict[int, set[int]] = {}
    rows = db.session.execute(
        select(User.department_id, User.id)
        .join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(User.department_id.in_(set(departments)), User.active, Role.code.in_(roles))
        .distinct()
    )
    for department_id, user_id in rows:
        out.setdefault(department_id, set()).add(user_id)
    return out


__all__ = ["department_users", "notify"]
