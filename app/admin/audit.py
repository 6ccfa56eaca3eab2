"""Who administers, and the audit log every administrative write leaves (app/audit_log.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import audit_log
from app.auth import policy
from app.models import User


@dataclass(frozen=True)
class Actor:
    """The administrator acting and the client address the request came from."""

    user: User
    client_ip: str = ""


def check(actor: Actor) -> None:
    policy.check_administer(actor.user)


def record(actor: Actor, action: str, target_type: str, target_key: object, **data: Any) -> None:
    """Add the audit row to the session: it commits with the change it describes."""
    audit_log.record(actor.user, actor.client_ip, action, target_type, target_key, **data)


recent = audit_log.recent
