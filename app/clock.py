"""The one clock deadlines, the scheduler and the engine read; tests move it.

In-process, tests freeze and advance it. Across processes (the scheduler run as its own
process in a test, the demo), a *clock file* sets it: ``MINQING_CLOCK_FILE`` names a file
holding either a local time, at which the clock then stands (``2026-03-09 10:00:00``), or an
offset from the real time, with which it runs (``+3d``, ``-2h``, ``+90m``, ``+30s``). The file
is re-read when it changes, so a running process follows it. Only a test configuration
(``TESTING``) or a demo (``MINQING_DEMO_CLOCK=1``) honours it, and a production configuration
(``MINQING_ENV=production``) refuses to start with either set (`configure`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from app.timefmt import zone

_OFFSET = re.compile(r"^([+-])(\d+(?:\.\d+)?)([dhms])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ClockFileError(ValueError):
    pass


def parse_clock_file(text: str) -> datetime | timedelta:
    """A clock file's content: a local time to stand at, or an offset to run with."""
    value = text.strip()
    match = _OFFSET.match(value)
    if match:
        sign, amount, unit = match.groups()
        delta = timedelta(**{_UNITS[unit]: float(amount)})
        return -delta if sign == "-" else delta
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ClockFileError(
            f"clock file: {value!r} is neither a local time (2026-03-09 10:00:00) "
            "nor an offset (+3d, -2h, +90m, +30s)"
        ) from None
    if at.tzinfo is not None:
        raise ClockFileError(f"clock file: {value!r}: give a local time, without a zone")
    return at


class Clock:
    def __init__(self) -> None:
        self._frozen: datetime | None = None
        self._file: str | None = None
        self._file_seen: tuple[int, int, int] | None = None
        self._file_value: datetime | timedelta | None = None

    def now(self) -> datetime:
        # Naive local time in the city's zone (TIMEZONE), whatever the host's zone is: every
        # time the app stores is that, and the API converts with the same zone (app/timefmt).
        if self._frozen is not None:
            return self._frozen
        real = datetime.now(zone()).replace(tzinfo=None, microsecond=0)
        setting = self._from_file()
        if isinstance(setting, datetime):
            return setting
        if isinstance(setting, timedelta):
            return (real + setting).replace(microsecond=0)
        return real

    def freeze(self, at: datetime) -> None:
        self._frozen = at

    def advance(self, **delta: float) -> datetime:
        self._frozen = self.now() + timedelta(**delta)
        return self._frozen

    def unfreeze(self) -> None:
        self._frozen = None

    def use_file(self, path: str | None) -> None:
        """Follow the clock file at `path` (None: stop following one)."""
        self._file, self._file_seen, self._file_value = path or None, None, None

    def _from_file(self) -> datetime | timedelta | None:
        if self._file is None:
            return None
        try:
            st = os.stat(self._file)
        except FileNotFoundError:
            return None  # no file yet: real time
        seen = (st.st_mtime_ns, st.st_size, st.st_ino)
        if seen != self._file_seen:
            with open(self._file, encoding="utf-8") as f:
                self._file_value = parse_clock_file(f.read())
            self._file_seen = seen
        return self._file_value


clock = Clock()


def configure(config: Mapping[str, Any]) -> None:
    """Follow CLOCK_FILE when the configuration may (tests, the demo); refuse it elsewhere."""
    path = config.get("CLOCK_FILE") or None
    demo = bool(config.get("DEMO_CLOCK"))
    if (path or demo) and config.get("ENVIRONMENT") == "production":
        raise RuntimeError(
            "MINQING_CLOCK_FILE / MINQING_DEMO_CLOCK set the clock for tests and the demo; "
            "a production configuration (MINQING_ENV=production) refuses them"
        )
    if path and not (demo or config.get("TESTING")):
        raise RuntimeError(
            "MINQING_CLOCK_FILE is honoured only in a test configuration or a demo "
            "(MINQING_DEMO_CLOCK=1)"
        )
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            parse_clock_file(f.read())  # a bad file fails at start, not at the first scan
    clock.use_file(path)
