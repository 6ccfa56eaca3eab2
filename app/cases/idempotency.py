"""Idempotent intake: which key an intake is kept under, and what a repeated key may answer.

A key is the `Idempotency-Key` header, else the body's `external_id` (stored as "ext:<id>" so
that the two never collide). It is bound to the user who sent it (the agent, or the channel's
account): the same key from another user is another key. It is stored with a fingerprint of
the intake body; the same key with another body is refused, never answered with the case the
first body made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import Case, User

if TYPE_CHECKING:
    from app.cases.intake import Intake

MAX_LENGTH = 80
# Printable ASCII, as the IETF Idempotency-Key draft allows: no control characters, and
# nothing a proxy could re-encode on the way.
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
EXTERNAL_PREFIX = "ext:"


def stored_key(header: str | None, external_id: str | None) -> str | None:
    """The key to keep the intake under, or None; Invalid (422) for an unusable one."""
    if header is not None:
        header = _checked(header, "invalid_idempotency_key", "Idempotency-Key", "幂等键")
    if external_id is not None:
        external_id = _checked(external_id, "invalid_external_id", "external_id", "外部编号")
    if header is not None:
        return header
    return EXTERNAL_PREFIX + external_id if external_id is not None else None


def _checked(value: str, code: str, name: str, name_zh: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_LENGTH or not _PRINTABLE.fullmatch(value):
        raise Invalid(
            code,
            f"{name_zh}须为1至{MAX_LENGTH}个可打印ASCII字符",
            f"{name} must be 1 to {MAX_LENGTH} printable ASCII characters",
        )
    return value


# Fields added to the intake after fingerprints were first kept, with their defaults: left out
# of the fingerprint while they hold them, so that a key stored before a field existed still
# matches its replay.
_LATER_FIELDS = {"confidential": False}


def fingerprint(intake: Intake) -> str:
    """sha256 of the intake as the service received it: every field, defaults filled in."""
    body = dataclasses.asdict(intake)
    for name, default in _LATER_FIELDS.items():
        if body.get(name) == default:
            del body[name]
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier_case(user: User, key: str, body_fingerprint: str) -> Case | None:
    """The case this user's key already made, if any; Conflict if it came with another body."""
    case = db.session.scalar(select(Case).filter_by(accepted_by_id=user.id, idempotency_key=key))
    # NULL: kept before fingerprints were (migration 4d8b1f6e2a93); its body is not known.
    if case is not None and case.idempotency_fingerprint not in (None, body_fingerprint):
        raise Conflict(
            "idempotency_key_reused",
            "该幂等键已用于内容不同的另一次受理",
            "This idempotency key was already used for an intake with a different body",
        )
    return case
