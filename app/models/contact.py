"""Repeat contacts (重复来电): a call or message about a case that is already open, recorded on
that case instead of opening a new one (重复诉求归并)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class CaseContact(Model):
    """One more contact about a case: who called, when, by which channel, what they said, and
    the agent who merged it. The case's first contact is the case itself, so every row is a
    repeat contact: "repeat contacts per day (and department)" is one GROUP BY over
    ix_case_contact_day_dept."""

    __tablename__ = "case_contact"
    __table_args__ = (
        Index("ix_case_contact_case_at", "case_id", "at"),
        # The caller's history and the same-phone repeat check.
        Index("ix_case_contact_phone_at", "caller_phone", "at"),
        Index("ix_case_contact_day_dept", "day", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"))
    at: Mapped[datetime] = mapped_column()
    # The local day of `at` (the clock's naive local time): the period reports count by.
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    caller_name: Mapped[str] = mapped_column(String(100))
    caller_phone: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Where the case was when the call came in (reports count repeat calls per department).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    client_ip: Mapped[str] = mapped_column(String(45), default="")
