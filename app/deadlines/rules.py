"""The deadline rules a city sets: when a clock warns, and how far past its deadline a case is
escalated. Parsed from settings at start; a rule that does not parse stops the start with the
setting, the rule and what is wrong.

Warning rules (``DEADLINE_WARNING_RULES``, ``MINQING_DEADLINE_WARNING_RULES``): per clock, the
share of its limit that is the warning window and the cap in working hours (the rule itself is
app/deadlines/standing.py), written ``sign=25%/1h, handle=25%/8h``. A clock not named uses
``DEADLINE_WARNING_FRACTION`` and ``DEADLINE_WARNING_WORKING_HOURS``.

Escalation rules (``ESCALATION_RULES``, ``MINQING_ESCALATION_RULES``): per clock, the working
time past its deadline after which the case is escalated (逾期升级), in working days or hours:
``sign=1d, decision=1d, handle=2d``. A clock not named is never escalated; ``off`` names none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from typing import Any

from app.deadlines.calendar import WorkCalendar
from app.vocabulary import CLOCKS

TIMED_CLOCKS = tuple(c for c in CLOCKS if c != "none")
_WARNING = re.compile(r"^(\d+(?:\.\d+)?)%\s*/\s*(\d+(?:\.\d+)?)h$")
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)([dh])$")


class RuleError(ValueError):
    """A rule that does not parse: the message names the setting and the rule."""


@dataclass(frozen=True)
class WarningRule:
    fraction: float  # of the clock's limit: the warning window...
    cap_hours: float  # ...but never more than this much working time


def _entries(setting: str, text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in re.split(r"[,;]", text):
        item = raw.strip()
        if not item:
            continue
        clock, sep, value = (p.strip() for p in item.partition("="))
        if not sep or not value:
            raise RuleError(f"{setting}: {item!r}: write clock=value, e.g. handle=2d")
        if clock not in TIMED_CLOCKS:
            raise RuleError(
                f"{setting}: {item!r}: unknown clock {clock!r} (clocks: {', '.join(TIMED_CLOCKS)})"
            )
        if clock in seen:
            raise RuleError(f"{setting}: clock {clock!r} is given twice")
        seen.add(clock)
        out.append((clock, value))
    return out


@lru_cache(maxsize=16)
def parse_warning_rules(text: str, fraction: float, cap_hours: float) -> dict[str, WarningRule]:
    setting = "MINQING_DEADLINE_WARNING_RULES"
    rules = {c: WarningRule(fraction, cap_hours) for c in TIMED_CLOCKS}
    if not 0 <= fraction <= 1 or cap_hours < 0:
        raise RuleError(
            "MINQING_DEADLINE_WARNING_FRACTION must be within 0..1 and "
            "MINQING_DEADLINE_WARNING_WORKING_HOURS at least 0"
        )
    for clock, value in _entries(setting, text):
        match = _WARNING.match(value)
        if not match:
            raise RuleError(
                f"{setting}: {clock}={value!r}: write the share of the limit and the cap, "
                "e.g. 25%/8h"
            )
        share, hours = float(match[1]), float(match[2])
        if share > 100:
            raise RuleError(f"{setting}: {clock}={value!r}: the share is at most 100%")
        rules[clock] = WarningRule(share / 100, hours)
    return rules


@lru_cache(maxsize=16)
def parse_escalation_rules(text: str, day_seconds: float) -> dict[str, float]:
    """Clock -> working seconds past the deadline after which it escalates."""
    setting = "MINQING_ESCALATION_RULES"
    if text.strip().lower() == "off":
        return {}
    out: dict[str, float] = {}
    for clock, value in _entries(setting, text):
        match = _AMOUNT.match(value)
        if not match:
            raise RuleError(
                f"{setting}: {clock}={value!r}: write working days (2d) or working hours (16h)"
            )
        amount = float(match[1])
        if amount <= 0:
            raise RuleError(f"{setting}: {clock}={value!r}: must be more than nothing past due")
        out[clock] = amount * (day_seconds if match[2] == "d" else 3600)
    return out


def _day_seconds(config: Mapping[str, Any]) -> float:
    # The calendar's own length of a working day; its days off do not change it (read at
    # start, before the holidays are).
    hours = WorkCalendar(
        holidays=frozenset(),
        makeup_workdays=frozenset(),
        day_start=time.fromisoformat(str(config["WORKDAY_START"])),
        day_end=time.fromisoformat(str(config["WORKDAY_END"])),
    )
    return hours.day_seconds()


def warning_rules(config: Mapping[str, Any]) -> dict[str, WarningRule]:
    return parse_warning_rules(
        str(config.get("DEADLINE_WARNING_RULES") or ""),
        float(config["DEADLINE_WARNING_FRACTION"]),
        float(config["DEADLINE_WARNING_WORKING_HOURS"]),
    )


def escalation_rules(config: Mapping[str, Any]) -> dict[str, float]:
    return parse_escalation_rules(str(config.get("ESCALATION_RULES") or ""), _day_seconds(config))


def check(config: Mapping[str, Any]) -> None:
    """Parse every rule once at start: a bad one fails here (RuleError), not in a scan."""
    warning_rules(config)
    escalation_rules(config)
