"""How a deadline stands: normal, warning (预警) or overdue (逾期) — the one rule.

The inbox's coloured countdown and the deadline warnings read it here, so that a task shown
amber is the task the warnings warn about.

The rule
--------
- *Overdue* when the deadline has passed (`overdue.passed`, the one home of that rule).
- Else *warning* when the working time left until it (`remaining`, counted with the working-day
  calendar, app/deadlines/calendar.py) is at most the *warning window*: the last
  ``DEADLINE_WARNING_FRACTION`` of the clock's limit, but never more than
  ``DEADLINE_WARNING_WORKING_HOURS`` of working time (settings, app/config.py; a clock may have
  its own pair, app/deadlines/rules.py). The cap keeps a
  ten-day handling limit from turning amber two and a half days early; the fraction keeps a
  four-hour sign-for limit from being amber from the start. Without a known limit the window
  is the cap alone. Outside working hours no working time passes: a task due at 09:00
  tomorrow has none left tonight, and is a warning.
- Else *normal*. A task with no deadline is normal.

The limit of a clock (`limit_seconds`) is the case's time limit for it (per case type and
priority, app/deadlines/service.py) in working seconds: sign-for and decision limits are in
working hours, handling and revisit limits in working days of the calendar's working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flask import current_app

from app.deadlines import overdue, rules
from app.deadlines import service as deadlines
from app.deadlines.calendar import WorkCalendar
from app.models import Case, TimeLimit

Standing = Literal["normal", "warning", "overdue"]
STANDINGS: tuple[Standing, ...] = ("normal", "warning", "overdue")


@dataclass(frozen=True)
class Countdown:
    """A deadline seen at one instant: its standing and the working time to it."""

    standing: Standing
    due_at: datetime
    # Working seconds left until the deadline; negative: working seconds since it passed.
    seconds: float
    day_seconds: float  # the length of a working day, to say the time in days and hours


def day_seconds(cal: WorkCalendar) -> float:
    return cal.day_seconds()


def remaining(due_at: datetime, now: datetime, cal: WorkCalendar) -> float:
    """Working seconds from `now` to `due_at`; negative once it has passed."""
    if overdue.passed(due_at, now):
        return -cal.working_seconds_between(due_at, now)
    return cal.working_seconds_between(now, due_at)


def warning_window(limit: float | None, fraction: float, cap_hours: float) -> float:
    """Working seconds before a deadline from which it is a warning."""
    cap = cap_hours * 3600
    return cap if not limit else min(fraction * limit, cap)


def classify(
    due_at: datetime | None,
    limit: float | None,
    now: datetime,
    cal: WorkCalendar,
    fraction: float,
    cap_hours: float,
) -> Standing:
    """The rule on explicit inputs (a calendar and the two settings)."""
    if due_at is None:
        return "normal"
    if overdue.passed(due_at, now):
        return "overdue"
    left = cal.working_seconds_between(now, due_at)
    return "warning" if left <= warning_window(limit, fraction, cap_hours) else "normal"


def _settings(clock_name: str | None) -> tuple[float, float]:
    cfg = current_app.config
    if clock_name in rules.TIMED_CLOCKS:
        rule = rules.warning_rules(cfg)[clock_name]
        return rule.fraction, rule.cap_hours
    return float(cfg["DEADLINE_WARNING_FRACTION"]), float(cfg["DEADLINE_WARNING_WORKING_HOURS"])


def rule(clock_name: str | None) -> tuple[float, float]:
    """The warning rule of a clock: (fraction of its limit, cap in working hours)."""
    return _settings(clock_name)


def standing(
    due_at: datetime | None, limit: float | None, now: datetime, clock_name: str | None = None
) -> Standing:
    """How `due_at` stands at `now` for a clock whose limit is `limit` working seconds (None:
    unknown), with the city's calendar and the clock's warning rule."""
    fraction, cap_hours = _settings(clock_name)
    return classify(due_at, limit, now, deadlines.work_calendar(), fraction, cap_hours)


def countdown(
    due_at: datetime | None, limit: float | None, now: datetime, clock_name: str | None = None
) -> Countdown | None:
    """`standing` with the working time left, for a countdown (None: no deadline)."""
    if due_at is None:
        return None
    cal = deadlines.work_calendar()
    fraction, cap_hours = _settings(clock_name)
    return Countdown(
        standing=classify(due_at, limit, now, cal, fraction, cap_hours),
        due_at=due_at,
        seconds=remaining(due_at, now, cal),
        day_seconds=day_seconds(cal),
    )


def limit_seconds(clock: str, case: Case) -> float | None:
    """The working seconds the case's time limit gives a clock (None: the clock has none, or
    no limit is set for the case's type and priority)."""
    try:
        limit = deadlines.time_limit(case)
    except LookupError:
        return None
    return clock_limit_seconds(clock, limit, day_seconds(deadlines.work_calendar()))


def clock_limit_seconds(clock: str, limit: TimeLimit | None, day: float) -> float | None:
    """`limit_seconds` from a time-limit row and the working day's length in seconds."""
    if limit is None:
        return None
    if clock == "sign":
        return float(limit.sign_hours) * 3600
    if clock == "handle":
        return float(limit.handle_days) * day
    if clock == "decision":
        return float(limit.decision_hours) * 3600
    if clock == "revisit":
        return float(limit.revisit_days) * day
    return None
