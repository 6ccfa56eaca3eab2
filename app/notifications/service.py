"""Writing notifications: `notify` adds one row per recipient to the current transaction.

Callers pass the users, or the departments whose desk staff (or the given roles) should hear of
it; the rows commit, or roll back, with the action that caused them. Nothing here sends or
waits: the live feed and the e-mail/SMS delivery pick the rows up after commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.auth.policy import DESK_ROLES
from app.clock import clock
from app.extensions import db
from app.models import Role, User, user_roles
from app.notifications import fanout
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
    """Notify `users`, and the active users of `departments` holding one of `roles`; each
    recipient once. Their chosen e-mail/SMS deliveries join the outbox in the same
    transaction (app/notifications/fanout.py)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    user_ids, department_ids = list(users), list(departments)
    if not user_ids and not department_ids:
        return
    values = fanout.params(kind, case_id, body[:BODY_MAX], data, at or clock.now())
    for statement in fanout.statements(user_ids, department_ids, roles):
        db.session.execute(statement, values)


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
