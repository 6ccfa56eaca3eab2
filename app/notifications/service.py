"""Writing notifications: `notify` adds one row per recipient to the current transaction,
`notify_many` the rows of many notifications of one kind at once.

Callers pass the users, or the departments whose desk staff (or the given roles) should hear of
it; the rows commit, or roll back, with the action that caused them. Who a department's
notification reaches is chosen in SQL, in one place (app/notifications/fanout.py). Nothing here
sends or waits: the live feed and the e-mail/SMS delivery pick the rows up after commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from app.auth.policy import DESK_ROLES
from app.clock import clock
from app.extensions import db
from app.notifications import fanout
from app.notifications.fanout import Notice
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


def notify_many(
    kind: str, notices: Iterable[Notice], *, roles: Collection[str] = DESK_ROLES
) -> None:
    """`notify` for many notifications of one kind at once (the scheduler's marks, a bulk
    urge): a few INSERT ... SELECT statements for all of them, whoever they reach, in the
    caller's transaction; recipients as `notify` chooses them."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    batch = [replace(n, body=n.body[:BODY_MAX]) for n in notices]
    dialect = db.session.get_bind().dialect.name
    for statement, values in fanout.batch(dialect, kind, batch, roles, clock.now()):
        db.session.execute(statement, values)


__all__ = ["Notice", "notify", "notify_many"]
