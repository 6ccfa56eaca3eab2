"""The statements that fan a notification out: one row per recipient, and one outbox row per
recipient and channel they chose, each an INSERT ... SELECT over app_user.

The recipients are chosen in the database, in the statement itself: the caller needs no read of
its own first, and a step can queue the statements on its write batch (app/write_batch.py), which
sends them with its other writes and its COMMIT in one round trip on PostgreSQL. The live feed's
announcement needs nothing here either: on PostgreSQL a trigger on `notification` sends it
(see the migration), delivered when the transaction commits.

Many notifications of one kind at once (`batch`, the scheduler's chunks and bulk urges) are the
same two statements over a JSON list of the notices and one of their recipients, users or
departments (app/json_rows.py): two statements per thousand notices, compiled once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
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
    union,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Executable, Subquery

from app import json_rows
from app.models import Delivery, Notification, Role, User, user_roles
from app.models.notification import PENDING
from app.notifications.kinds import SCREEN_ONLY
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


def _not_screen_only(kind: Any) -> list[ColumnElement[bool]]:
    # One comparison per kind rather than NOT IN: the statements are compiled once and sent in
    # write batches, where an expanding IN list would not be rendered.
    return [kind != literal(code, String) for code in sorted(SCREEN_ONLY)]


def _inserts(source: Subquery) -> tuple[Executable, Executable]:
    """The notification rows and the outbox rows of `source`: one row per recipient, with
    columns user_id, kind, case_id, body, data, at."""
    s = source.c
    rows = insert(Notification.__table__).from_select(
        ["user_id", "kind", "case_id", "body", "data", "created_at", "read_at"],
        select(s.user_id, s.kind, s.case_id, s.body, s.data, s.at, literal(None, DateTime)),
    )

    def channel(name: str, address: Any, chosen: Any) -> Any:
        return (
            select(
                s.user_id,
                literal(name, String),
                address,
                s.kind,
                s.case_id,
                s.body,
                s.at,
                literal(PENDING, String),
                literal(0, Integer),
                s.at,
                literal("", Text),
            )
            .join_from(source, _users, _users.c.id == s.user_id)
            .where(chosen, address.is_not(None), address != "", *_not_screen_only(s.kind))
        )

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


def _one(recipients: ColumnElement[bool]) -> tuple[Executable, Executable]:
    """One notification to the users `recipients` selects, its values the bound parameters
    kind, case_id, body, data, at."""
    # Typed parameters: psycopg's dialect renders them with a cast (a bare parameter in a
    # SELECT list would be text to PostgreSQL); SQLite takes them as they are (its CAST to
    # DATETIME would make a number of a time).
    source = (
        select(
            _users.c.id.label("user_id"),
            bindparam("kind", type_=String).label("kind"),
            bindparam("case_id", type_=Integer).label("case_id"),
            bindparam("body", type_=Text).label("body"),
            bindparam("data", type_=JSON).label("data"),
            bindparam("at", type_=DateTime).label("at"),
        )
        .where(recipients)
        .subquery("recipient")
    )
    return _inserts(source)


@lru_cache(maxsize=16)
def _to_department(roles: frozenset[str]) -> tuple[Executable, Executable]:
    """For one department (parameter dept) and role set, less the acting user (actor)."""
    return _one(
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
    return _one(or_(named, staff))


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


# --- many notifications at once --------------------------------------------------------------

BATCH = 1000  # notifications per statement pair
_ITEM = (("n", Integer), ("case_id", Integer), ("body", Text), ("data", JSON), ("at", DateTime))
_NAMED = (("n", Integer), ("user_id", Integer))
_MEMBER = (("n", Integer), ("department_id", Integer))


@dataclass(frozen=True)
class Notice:
    """One notification of a batch: to `users`, and to the staff of `departments` holding
    one of the batch's roles; each recipient once."""

    case_id: int | None = None
    users: Collection[int] = ()
    departments: Collection[int] = ()
    body: str = ""
    data: dict[str, Any] | None = None
    at: datetime | None = None


@lru_cache(maxsize=16)
def _batch(dialect: str, roles: frozenset[str]) -> tuple[Executable, Executable]:
    """Notices (parameter item) to named users (named) and to the staff of departments
    (member) holding one of `roles`, of one kind (kind)."""
    item = json_rows.table(dialect, "item", _ITEM)
    named = json_rows.table(dialect, "named", _NAMED)
    member = json_rows.table(dialect, "member", _MEMBER)
    # UNION, not UNION ALL: each recipient once per notice.
    recipient = union(
        select(named.c.n, _users.c.id.label("user_id")).join_from(
            named, _users, _users.c.id == named.c.user_id
        ),
        select(member.c.n, _users.c.id.label("user_id"))
        .join_from(member, _users, _users.c.department_id == member.c.department_id)
        .where(_users.c.active, _has_role(roles) if roles else false()),
    ).subquery("recipient")
    source = (
        select(
            recipient.c.user_id,
            bindparam("kind", type_=String).label("kind"),
            item.c.case_id,
            item.c.body,
            item.c.data,
            item.c.at,
        )
        .join_from(recipient, item, item.c.n == recipient.c.n)
        .subquery("notice")
    )
    return _inserts(source)


def batch(
    dialect: str, kind: str, notices: Sequence[Notice], roles: Collection[str], at: datetime
) -> Iterator[tuple[Executable, dict[str, Any]]]:
    """The statements of `notices` (of one kind), two per BATCH of them, with their
    parameters: the notices and their recipients as JSON arrays, joined to app_user in the
    database (`at` stands in for a notice's missing time)."""
    statements = _batch(dialect, frozenset(roles))
    for start in range(0, len(notices), BATCH):
        chunk = notices[start : start + BATCH]
        named = [{"n": n, "user_id": u} for n, x in enumerate(chunk) for u in set(x.users)]
        member = [
            {"n": n, "department_id": d} for n, x in enumerate(chunk) for d in set(x.departments)
        ]
        if not named and not (member and roles):
            continue
        items = [
            {"n": n, "case_id": x.case_id, "body": x.body, "data": x.data or {}, "at": x.at or at}
            for n, x in enumerate(chunk)
        ]
        values = {
            "kind": kind,
            "item": json_rows.dumps(items),
            "named": json_rows.dumps(named),
            "member": json_rows.dumps(member),
        }
        for statement in statements:
            yield statement, values
