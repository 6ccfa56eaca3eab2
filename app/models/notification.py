"""Notifications (消息): one row per recipient user, written in the transaction of the action
(or scheduler job) that causes it; the message centre reads them, the live feed announces
them, and delivery (e-mail, SMS) sends them later without holding up that transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Notification(Model):
    __tablename__ = "notification"
    # A user's newest first, and their unread count: both read this index.
    __table_args__ = (Index("ix_notification_user_id_id", "user_id", "id"),)

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
