"""What the administration pages share: the blueprint (signed-in administrators only: a
before-request check covers every view), the acting administrator, refusals on fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request
from flask_login import current_user

from app.admin.audit import Actor
from app.auth import policy
from app.errors import DomainError
from app.pages.schema_form import label_of
from app.pages.session import login_manager, signed_in

bp = Blueprint("pages_admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.check_administer(signed_in())  # 403 page otherwise
    return None


def actor() -> Actor:
    return Actor(signed_in(), request.remote_addr or "")


def message(exc: DomainError) -> str:
    """The refusal in the page's language."""
    return label_of({"zh": exc.zh, "en": exc.en}, exc.code)


def refused_on(exc: DomainError, fields: Mapping[str, Any]) -> list[str]:
    """Mark the form field the refusal names (a WTForms field, or a list of messages); the
    messages of no known field are returned, for the form as a whole."""
    name = (exc.details or {}).get("field")
    target = fields.get(name) if name else None
    if target is None:
        return [message(exc)]
    errors = target if isinstance(target, list) else target.errors
    if isinstance(errors, tuple):  # WTForms' errors before validation
        errors = target.errors = list(errors)
    errors.append(message(exc))
    return []
