"""Datetimes as the outside world sees them: RFC 3339 with the city's UTC offset.

The database stores naive local time (app/clock.py); the `TIMEZONE` setting names the zone
it is in. Everything that writes a datetime for someone else — the API, the CLI, event data —
goes through `to_rfc3339`, and datetimes that come in go through `parse_rfc3339`."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.config import Config

# RFC 3339 date-time: full-date "T" full-time, an offset or Z required (a time without one
# would mean different instants to different readers).
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def zone(name: str | None = None) -> ZoneInfo:
    """The city's time zone (the app's `TIMEZONE`, else the default setting)."""
    if name is None:
        name = current_app.config["TIMEZONE"] if has_app_context() else Config.TIMEZONE
    return ZoneInfo(name)


def to_rfc3339(value: datetime) -> str:
    """`2026-03-02T10:00:00+08:00`: a stored (naive, local) or aware datetime with its offset."""
    tz = zone()
    aware = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    return aware.isoformat()


def parse_rfc3339(text: str) -> datetime:
    """The naive local datetime (as stored) for an RFC 3339 date-time; ValueError otherwise."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"not an RFC 3339 date-time with an offset: {text!r}")
    try:
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00").replace(" ", "T"))
        return parsed.astimezone(zone()).replace(tzinfo=None)
    except OverflowError as exc:  # 9999-12-31T23:59:59-14:00 is past datetime.max here
        raise ValueError(f"out of range: {text!r}") from exc
