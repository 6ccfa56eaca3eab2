"""Who administers, and the audit log every administrative write leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.auth import policy
from app.clock import clock
from app.extensions import db
from app.models import AuditLog, User


@dataclass(frozen=True)
class Actor:
    """The administrator acting and the client address the request came from."""

    user: User
    client_ip: str = ""


def check(actor: Actor) -> None:
    policy.check_administer(actor.user)


def record(actor: Actor, action: str, target_type: str, target_key: object, **data: Any) -> None:
    """Add the audit row to the session: it commits with the change it describes."""
    db.session.add(
        AuditLog(
            at=clock.now(),
            user_id=actor.user.id,
            action=action,
            target_type=target_type,
            target_key=str(target_key)[:64],
            data=data,
            client_ip=actor.client_ip[:45],
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
