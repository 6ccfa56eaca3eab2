"""What the bridge runs on, in one document: the IVR menu, the service hours, the next days'
kinds (working or rest) from the working-day calendar, the blacklist and the settings.

Its version ("<telephony>-<reference>-<day>-<settings>") moves whenever any of it changes: a
menu or schedule saved, the blacklist edited (app/telephony/versioning.py), the calendar
edited (the reference data's settings_version), the day turning (the calendar's window moves),
or a setting of this app's configuration. The API answers it as the ETag; a bridge sending
it back in If-None-Match gets 304 for the price of three small reads.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app.clock import clock
from app.deadlines import service as deadlines
from app.deadlines.reference_cache import stored_version
from app.extensions import db
from app.models import BlacklistEntry
from app.telephony import ivr, settings, versioning
from app.timefmt import zone

CALENDAR_DAYS = 14
WORKING, REST = "working", "rest"


def _settings() -> dict[str, Any]:
    return {
        "max_invalid": int(settings.setting("TELEPHONY_MAX_INVALID")),
        "operator_group": _operator_group(),
        "ring_seconds": settings.ring_seconds(),
        "position_every_seconds": int(settings.setting("TELEPHONY_POSITION_EVERY_SECONDS")),
        "dial_template": str(settings.setting("TELEPHONY_DIAL_TEMPLATE")),
        "survey": bool(settings.setting("TELEPHONY_SURVEY")),
    }


def _operator_group() -> str:
    return str(settings.setting("TELEPHONY_OPERATOR_GROUP"))


def version() -> str:
    today = clock.now().date()
    digest = hashlib.sha256(
        json.dumps([_settings(), _utc_offset_minutes()], sort_keys=True).encode()
    ).hexdigest()[:8]
    return f"{versioning.current()}-{stored_version()}-{today:%Y%m%d}-{digest}"


def _utc_offset_minutes() -> int:
    offset = clock.now().replace(tzinfo=zone()).utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def calendar(start: date, days: int = CALENDAR_DAYS) -> dict[str, str]:
    cal = deadlines.work_calendar()
    return {
        (start + timedelta(days=n)).isoformat(): (
            WORKING if cal.is_working_day(start + timedelta(days=n)) else REST
        )
        for n in range(days)
    }


def document() -> dict[str, Any]:
    """The config the bridge loads (GET /api/v1/telephony/config)."""
    menu = ivr.current()
    blacklist = [
        {"number": number, "action": action, **({"sound": sound} if sound else {})}
        for number, action, sound in db.session.execute(
            select(BlacklistEntry.number, BlacklistEntry.action, BlacklistEntry.sound).order_by(
                BlacklistEntry.number
            )
        )
    ]
    return {
        "version": version(),
        "utc_offset_minutes": _utc_offset_minutes(),
        "menu": menu.document,
        "schedule": menu.schedule,
        "calendar": calendar(clock.now().date()),
        "blacklist": blacklist,
        **_settings(),
    }
