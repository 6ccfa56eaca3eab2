"""The audit log of everything that is not a case's own event: administration (departments,
users, reference data, the calendar) and exports of case data (app/audit_log.py writes it). A
case's actions are logged in case_event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class AuditLog(Model):
    """Append-only: who did what to which object, when and from which address."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(48))  # e.g. department.move, user.reset_password
    # The object acted on: its kind and key ("department" 12, "holiday" 2026-10-01).
    target_type: Mapped[str] = mapped_column(String(32))
    target_key: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # what changed (never a password)
    client_ip: Mapped[str] = mapped_column(String(45), default="")
