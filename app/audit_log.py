"""The audit log of what is not a case's own event (a case's actions are its case_event rows):
administration (app/admin) and exports of case data (app/cases/export.py). One table, one
writer: `record` adds the row to the session, to commit with the change it describes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import AuditLog, User


def record(
    user: User, client_ip: str, action: str, target_type: str, target_key: object, **data: Any
) -> None:
    db.session.add(
        AuditLog(
            at=clock.now(),
            user_id=user.id,
            action=action,
            target_type=target_type,
            target_key=str(target_key)[:64],
            data=data,
            client_ip=client_ip[:45],
        )
    )


def recent(limit: int = 100, target_type: str | None = None) -> list[tuple[AuditLog, str]]:
    """The newest entries with the acting user's username."""
    query = (
        select(AuditLog, User.username)
        .outerjoin(User, User.id == AuditLog.user_id)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    if target_type:
        query = query.where(AuditLog.target_type == target_type)
    return [(row, username or "") for row, username in db.session.execute(query).all()]
