"""Internal announcements (内部公告): an administrator writes to every department or to some;
each active user of those departments gets it in the message centre (kind `announcement`) and
over the channels they chose. The announcement, its notifications, their outbox rows and the
audit entry commit together."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, func, select

from app import audit_log
from app.auth import policy
from app.clock import clock
from app.errors import Invalid
from app.extensions import db
from app.models import Announcement, Department, User, user_roles
from app.notifications.service import BODY_MAX, notify
from app.vocabulary import ROLES

TITLE_MAX = 120
LIST_MAX = 200  # the newest announcements the pages and the API list


def _bad(field: str, zh: str, en: str) -> Invalid:
    return Invalid("invalid_announcement", zh, en, field=field)


def publish(
    by: User,
    title: str,
    body: str,
    department_ids: Sequence[int] | None,
    client_ip: str = "",
) -> Announcement:
    """Send an announcement; `department_ids` None means every department. Refused (and
    nothing written) without a title or text, with either too long, with an empty list of
    departments or one that is not an active department."""
    policy.check_administer(by)
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise _bad("title", "请填写公告标题", "The announcement needs a title")
    if len(title) > TITLE_MAX:
        raise _bad(
            "title", f"公告标题最多{TITLE_MAX}个字", f"A title has at most {TITLE_MAX} characters"
        )
    if not body:
        raise _bad("body", "请填写公告内容", "The announcement needs a text")
    if len(body) > BODY_MAX:
        raise _bad(
            "body", f"公告内容最多{BODY_MAX}个字", f"The text has at most {BODY_MAX} characters"
        )
    active = select(Department.id).where(Department.active)
    if department_ids is None:
        targets = list(db.session.scalars(active))
    else:
        wanted = sorted(set(department_ids))
        if not wanted:
            raise _bad(
                "department_ids",
                "请选择接收部门，或选择全部部门",
                "Choose the departments it goes to, or all of them",
            )
        found = set(db.session.scalars(active.where(Department.id.in_(wanted))))
        missing = [d for d in wanted if d not in found]
        if missing:
            raise _bad(
                "department_ids",
                "所选部门不存在或已停用",
                "No such active department: " + ", ".join(map(str, missing)),
            )
        targets = wanted
    now = clock.now()
    recipients = db.session.scalar(
        select(func.count()).where(
            User.department_id.in_(targets),
            User.active,
            exists().where(user_roles.c.user_id == User.id),
        )
    )
    row = Announcement(
        title=title,
        body=body,
        department_ids=[] if department_ids is None else targets,
        by_user_id=by.id,
        created_at=now,
        recipients=recipients,
    )
    db.session.add(row)
    db.session.flush()  # its id, for the notifications' data
    notify(
        "announcement",
        departments=targets,
        roles=frozenset(ROLES),  # everyone in them, whatever their role
        body=body,
        data={"announcement_id": row.id, "title": title},
        at=now,
    )
    audit_log.record(
        by,
        client_ip,
        "announcement.publish",
        "announcement",
        row.id,
        title=title,
        departments="all" if department_ids is None else targets,
    )
    db.session.commit()
    return row


def recent(limit: int = LIST_MAX) -> list[Announcement]:
    return list(
        db.session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(limit))
    )
