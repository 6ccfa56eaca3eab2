"""The message centre (消息中心): a user's notifications newest first, their unread count, and
marking them read. Every read and write here is of the signed-in user's own rows only: another
user's notification is "not found", whoever asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.clock import clock
from app.errors import NotFound
from app.extensions import db
from app.models import Case, Notification
from app.notifications.kinds import KINDS

MAX_PER_PAGE = 100
TOTAL_CAP = 1000  # the list counts this far, like the case lists (a total past it says "1000+")


@dataclass(frozen=True)
class Item:
    notification: Notification
    case_number: str | None

    def words(self, locale: str) -> str:
        return kind_words(self.notification.kind, locale)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    page: int
    per_page: int
    total: int
    total_capped: bool
    unread: int

    @property
    def capped(self) -> bool:
        return self.total_capped

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def kind_words(kind: str, locale: str) -> str:
    zh, en = KINDS.get(kind, (kind, kind))
    return zh if locale.startswith("zh") else en


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class Badge:
    """The top bar's badge as a page renders it: the unread count, and the newest notification
    id the page has seen (its live stream toasts only what is newer)."""

    unread: int
    newest_id: int


def badge(user_id: int) -> Badge:
    row = db.session.execute(
        select(
            func.count().filter(Notification.read_at.is_(None)),
            func.coalesce(func.max(Notification.id), 0),
        ).where(Notification.user_id == user_id)
    ).one()
    return Badge(unread=int(row[0] or 0), newest_id=int(row[1] or 0))


def page(user_id: int, number: int, per_page: int, unread_only: bool = False) -> Page:
    """One page of the user's notifications, newest first (`number` and `per_page` are
    checked by the caller: a page or API argument)."""
    mine = Notification.user_id == user_id
    where = [mine, Notification.read_at.is_(None)] if unread_only else [mine]
    counted = select(Notification.id).where(*where).limit(TOTAL_CAP + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(counted)) or 0
    rows = db.session.execute(
        select(Notification, Case.number)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(*where)
        .order_by(Notification.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Page(
        items=[Item(n, num) for n, num in rows],
        page=number,
        per_page=per_page,
        total=min(total, TOTAL_CAP),
        total_capped=total > TOTAL_CAP,
        unread=unread_count(user_id),
    )


def not_found() -> NotFound:
    return NotFound("notification_not_found", "消息不存在", "No such notification")


def mark_read(user_id: int, notification_id: int, at: datetime | None = None) -> int:
    """Mark one of the user's notifications read; returns the unread count left. Another
    user's (or no) notification: 404, nothing changed."""
    found = db.session.scalar(
        select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if found is None:
        raise not_found()
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=at or clock.now())
    )
    db.session.commit()
    return unread_count(user_id)


def mark_all_read(user_id: int, at: datetime | None = None) -> int:
    """Mark every unread notification of the user read; returns how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=at or clock.now())
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def as_dict(item: Item) -> dict[str, Any]:
    """What the API and the live feed say of a notification."""
    n = item.notification
    zh, en = KINDS.get(n.kind, (n.kind, n.kind))
    return {
        "id": n.id,
        "kind": n.kind,
        "words": {"zh": zh, "en": en},
        "case_id": n.case_id,
        "case_number": item.case_number or (n.data or {}).get("number"),
        "body": n.body,
        "data": n.data or {},
        "created_at": n.created_at,
        "read_at": n.read_at,
    }
