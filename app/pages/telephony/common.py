"""What the telephony pages share: the words of agent states and satisfaction keys, and a
service's refusal in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.errors import DomainError
from app.pages.schema_form import label_of
from app.telephony.agents import SELF_STATES

STATE_WORDS: dict[str, Any] = {
    "ready": _l("Ready"),
    "busy": _l("On a call"),
    "wrap_up": _l("Wrap-up"),
    "away": _l("Away"),
    "signed_out": _l("Signed out"),
}
# The states an agent sets from the page (busy and wrap-up are the bridge's): the service's.
SETTABLE_STATES = SELF_STATES
SATISFACTION_WORDS: dict[int, Any] = {
    1: _l("Satisfied"),
    2: _l("Basically satisfied"),
    3: _l("Unsatisfied"),
}
DIRECTION_WORDS: dict[str, Any] = {
    "inbound": _l("Inbound"),
    "outbound": _l("Outbound"),
    "callback": _l("Callback"),
}


def message(exc: DomainError) -> str:
    """The refusal in the page's language."""
    return label_of({"zh": exc.zh, "en": exc.en}, exc.code)


def field_of(exc: DomainError, default: str) -> str:
    """The form field a refusal names (its details' `field`), else `default`."""
    name = (exc.details or {}).get("field")
    return name if isinstance(name, str) and name else default
