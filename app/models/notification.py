"""Notifications (消息): one row per recipient user, written in the transaction of the action
(or scheduler job) that causes it; the message centre reads them, the live feed announces
them, and delivery (e-mail, SMS) sends them later without holding up that transaction.

Beside them: the delivery outbox (one row per notification and chosen channel, written in the
same transaction, sent and retried by the delivery worker) and the administrator's internal
announcements (内部公告)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (
        # A user's newest first: this index.
        Index("ix_notification_user_id_id", "user_id", "id"),
        # The unread count on every page (and the live feed's): only the unread rows.
        Index(
            "ix_notification_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    # One of app/notifications/kinds.py KINDS; the page words it in the reader's language.
    kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_case.id"))
    # What the causing person wrote (an urge's message, an announcement's text), or "".
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column()
    read_at: Mapped[datetime | None] = mapped_column()


# Delivery states: waiting for its (next) attempt, sent, or given up after the last attempt
# (the administrator can send it again).
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class Delivery(Model):
    """The outbox: a notification to send over one channel to the address the user had when
    notified. A copy of what it says, so that sending needs no other row."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        # The worker's scan: what is due; the administrator's list: what is not sent.
        Index("ix_notification_delivery_state_next_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # app/notifications/delivery CHANNELS
    address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_case.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column()


class Announcement(Model):
    """An internal announcement (内部公告) from an administrator to every department or to
    some; each recipient also gets it as a notification (kind `announcement`)."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # The departments it went to; empty: all of them.
    department_ids: Mapped[list] = mapped_column(JSON, default=list)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()
    recipients: Mapped[int] = mapped_column(default=0)
