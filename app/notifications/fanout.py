"""The statements that fan a notification out: one row per recipient, and one outbox row per
recipient and channel they chose, each an INSERT ... SELECT over app_user.

The recipients are chosen in the database, in the statement itself: the caller needs no read of
its own first, and a step can queue the statements on its write batch (app/write_batch.py), which
sends them with its other writes and its COMMIT in one round trip on PostgreSQL. The live feed's
announcement needs nothing here either: on PostgreSQL a trigger on `notification` sends it
(see the migration), delivered when the transaction commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    exists,
    false,
    insert,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Executable

from app.models import Delivery, Notification, Role, User, user_roles
from app.models.notification import PENDING
from app.write_batch import WriteBatch

EMAIL = "email"
SMS = "sms"
_users = User.__table__


def _has_role(roles: Collection[str]) -> ColumnElement[bool]:
    # Literal values, not an expanding IN: the write batch compiles a statement once.
    return exists().where(
        user_roles.c.user_id == _users.c.id,
        user_roles.c.role_id == Role.id,
        or_(*(Role.code == literal(code, String) for code in sorted(roles))),
    )


def _inserts(recipients: ColumnElement[bool]) -> tuple[Executable, Executable]:
    """The notification rows and the outbox rows of the users `recipients` selects, with the
    notification's values as bound parameters kind, case_id, body, data, at."""
    # Typed parameters: psycopg's dialect renders them with a cast (a bare parameter in a
    # SELECT list would be text to PostgreSQL); SQLite takes them as they are (its CAST to
    # DATETIME would make a number of a time).
    kind = bindparam("kind", type_=String)
    case_id = bindparam("case_id", type_=Integer)
    body = bindparam("body", type_=Text)
    at = bindparam("at", type_=DateTime)
    null_time = literal(None, DateTime)
    rows = insert(Notification.__table__).from_select(
        ["user_id", "kind", "case_id", "body", "data", "created_at", "read_at"],
        select(
            _users.c.id,
            kind,
            case_id,
            body,
            bindparam("data", type_=JSON),
            at,
            null_time,
        ).where(recipients),
    )

    def channel(name: str, address: Any, chosen: Any) -> Any:
        return select(
            _users.c.id,
            literal(name, String),
            address,
            kind,
            case_id,
            body,
            at,
            literal(PENDING, String),
            literal(0, Integer),
            at,
            literal("", Text),
        ).where(recipients, chosen, address.is_not(None), address != "")

    outbox = insert(Delivery.__table__).from_select(
        [
            "user_id",
            "channel",
            "address",
            "kind",
            "case_id",
            "body",
            "created_at",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
        ],
        union_all(
            channel(EMAIL, _users.c.email, _users.c.notify_by_email),
            channel(SMS, _users.c.mobile, _users.c.notify_by_sms),
        ),
    )
    return rows, outbox


@lru_cache(maxsize=16)
def _to_department(roles: frozenset[str]) -> tuple[Executable, Executable]:
    """For one department (parameter dept) and role set, less the acting user (actor)."""
    return _inserts(
        and_(
            _users.c.department_id == bindparam("dept", type_=Integer),
            _users.c.active,
            _users.c.id != bindparam("actor", type_=Integer),
            _has_role(roles),
        )
    )


def statements(
    user_ids: Iterable[int], department_ids: Iterable[int], roles: Collection[str]
) -> tuple[Executable, Executable]:
    """For named users and the desk staff of departments (built per call: a caller outside a
    step runs it right away, where SQLAlchemy expands the lists)."""
    users, departments = sorted(set(user_ids)), sorted(set(department_ids))
    named = _users.c.id.in_(users) if users else false()
    staff = (
        and_(_users.c.department_id.in_(departments), _users.c.active, _has_role(roles))
        if departments and roles
        else false()
    )
    return _inserts(or_(named, staff))


def params(
    kind: str, case_id: int | None, body: str, data: dict[str, Any] | None, at: datetime
) -> dict[str, Any]:
    return {"kind": kind, "case_id": case_id, "body": body, "data": data or {}, "at": at}


def queue_for_departments(
    writes: WriteBatch,
    departments: Iterable[int],
    roles: frozenset[str],
    actor_id: int | None,
    values: dict[str, Any],
) -> None:
    """Queue the notification of the departments' staff (but the actor) on a write batch."""
    sets = [{**values, "dept": d, "actor": actor_id or 0} for d in sorted(set(departments))]
    if not sets:
        return
    rows, outbox = _to_department(roles)
    writes.add(rows, sets)
    writes.add(outbox, sets)
