"""What the work lists show in words: a countdown of working time, and the words for the codes
a case carries (priority, channel, reply result, satisfaction), as template filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.deadlines.standing import Countdown
from app.models.catalog import CHANNEL_WORDS, PRIORITY_WORDS
from app.pages.schema_form import label_of

# Bootstrap's colour for each standing (app/deadlines/standing.py).
STANDING_CLASSES = {
    "normal": "text-bg-success",
    "warning": "text-bg-warning",
    "overdue": "text-bg-danger",
}
# The codes' words: one home, app/models/catalog.py.
PRIORITIES = PRIORITY_WORDS
CHANNELS = CHANNEL_WORDS
# forms/handle.json `reply`: result_code; forms/revisit.json: result.
RESULTS: dict[str, Any] = {
    "resolved": _l("Resolved"),
    "partially_resolved": _l("Partially resolved"),
    "unresolved": _l("Unresolved"),
    "explained": _l("Explained"),
}
SATISFACTION: dict[str, Any] = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "unsatisfied": _l("Unsatisfied"),
    "unreachable": _l("Unreachable"),
}


def working_time(seconds: float, day_seconds: float) -> str:
    """An amount of working time in working days, hours and minutes."""
    seconds = abs(seconds)
    days = int(seconds // day_seconds) if day_seconds else 0
    rest = seconds - days * day_seconds
    hours, minutes = int(rest // 3600), int(rest % 3600 // 60)
    if days:
        return _("%(days)d wd %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


def countdown_text(c: Countdown) -> str:
    time = working_time(c.seconds, c.day_seconds)
    if c.standing == "overdue":
        return _("Overdue by %(time)s", time=time)
    return _("%(time)s left", time=time)


def word(words: Mapping[str, Any], code: str | None) -> str:
    """A code's word in the page's language: {"zh", "en"} or a lazy translation."""
    if not code:
        return ""
    found = words.get(code, code)
    return label_of(found, code) if isinstance(found, Mapping) else str(found)


def init_listing(app: Flask) -> None:
    app.add_template_filter(countdown_text, "countdown_text")
    app.add_template_filter(
        lambda s: STANDING_CLASSES.get(s, "text-bg-secondary"), "standing_class"
    )
    app.add_template_filter(lambda c: word(PRIORITIES, c), "priority_word")
    app.add_template_filter(lambda c: word(CHANNELS, c), "channel_word")
    app.add_template_filter(lambda c: word(RESULTS, c), "result_word")
    app.add_template_filter(lambda c: word(SATISFACTION, c), "satisfaction_word")
