"""What the telephony pages share: the words of agent states and satisfaction keys, and a
service's refusal in the page's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.errors import DomainError
from app.pages.schema_form import label_of
from app.telephony import agents

# The states an agent sets from the page (busy and wrap-up are the bridge's): the service's.
SETTABLE_STATES = agents.SELF_STATES
SATISFACTION_WORDS: dict[int, Any] = {
    1: _l("Satisfied"),
    2: _l("Basically satisfied"),
    3: _l("Unsatisfied"),
}
# What became of a call (app/telephony/calls.py CallView.outcome).
OUTCOME_WORDS: dict[str, Any] = {
    "answered": _l("Answered by an agent"),
    "abandoned": _l("Hung up in the queue"),
    "waiting": _l("In the queue"),
    "live": _l("In the menu"),
    "self_service": _l("Self-service (menu only)"),
}
DIRECTION_WORDS: dict[str, Any] = {
    "inbound": _l("Inbound"),
    "outbound": _l("Outbound"),
    "callback": _l("Callback"),
}


def state_words() -> dict[str, str]:
    """Each agent state's word in the page's language (the service's words)."""
    return {k: label_of({"zh": zh, "en": en}, k) for k, (zh, en) in agents.STATE_WORDS.items()}


def skill_groups() -> list[dict[str, str]]:
    """The active skill groups (code, name, name_en): a transfer's and a queue's choices."""
    return [{"code": c, "name": zh, "name_en": en} for c, zh, en in agents.skill_groups()]


def group_name(code: str) -> str:
    """A skill group's name in the page's language (its code when there is none)."""
    for g in skill_groups():
        if g["code"] == code:
            return label_of({"zh": g["name"], "en": g["name_en"]}, code)
    return code


def message(exc: DomainError) -> str:
    """The refusal in the page's language."""
    return label_of({"zh": exc.zh, "en": exc.en}, exc.code)


def field_of(exc: DomainError, default: str) -> str:
    """The form field a refusal names (its details' `field`), else `default`."""
    name = (exc.details or {}).get("field")
    return name if isinstance(name, str) and name else default
