"""The telephony settings read from the app's configuration, with their defaults.

Each may be set in the app's config (e.g. `TELEPHONY_RING_SECONDS = 20`); the bridge receives
them in its config document (app/telephony/config.py), whose version names them too.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

DEFAULTS: dict[str, Any] = {
    # Seconds an agent's phone rings before the call goes to the next agent.
    "TELEPHONY_RING_SECONDS": 15,
    # Seconds after a call before the agent is offered the next one (话后处理).
    "TELEPHONY_WRAP_UP_SECONDS": 30,
    # Invalid keys (or timeouts) in a menu before the caller goes to the operator queue.
    "TELEPHONY_MAX_INVALID": 3,
    # How often a caller waiting in a queue hears their position.
    "TELEPHONY_POSITION_EVERY_SECONDS": 30,
    # How the bridge dials an outside number (a conference's third party, a callback).
    "TELEPHONY_DIAL_TEMPLATE": "PJSIP/{number}@hotline-trunk",
    # The queue a caller goes to after too many invalid keys (an operator).
    "TELEPHONY_OPERATOR_GROUP": "general",
    # Whether the caller hears the satisfaction survey after the agent hangs up.
    "TELEPHONY_SURVEY": True,
    # A recording's largest size (PUT /calls/<id>/recording, a voicemail's file).
    "TELEPHONY_RECORDING_MAX_BYTES": 50 * 2**20,
    # The case type of a voicemail case (the clerk who listens may change it).
    "TELEPHONY_VOICEMAIL_CASE_TYPE": "enquiry",
    # Failed status queries per calling number within the window before 429.
    "TELEPHONY_STATUS_QUERY_FAILURES": 5,
    "TELEPHONY_STATUS_QUERY_WINDOW_SECONDS": 3600,
    # A taken command not finished within this is offered to the bridge again.
    "TELEPHONY_COMMAND_REOFFER_SECONDS": 60,
}


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS[name])


def ring_seconds() -> int:
    return int(setting("TELEPHONY_RING_SECONDS"))


def wrap_up_seconds() -> int:
    return int(setting("TELEPHONY_WRAP_UP_SECONDS"))


def recording_max_bytes() -> int:
    return int(setting("TELEPHONY_RECORDING_MAX_BYTES"))
