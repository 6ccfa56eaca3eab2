"""Working-day / working-hour calendar for Chinese official holidays.

Pure Python, no database access: holiday and make-up working-day (调休) dates are passed in.

Definitions
-----------
- A date is a *working day* if it is a make-up working day; otherwise, if it is not a holiday
  and falls Monday to Friday. Make-up days take precedence over holidays.
- *Working time* is the half-open window ``[day_start, day_end)`` on each working day.
  *Normalising* an instant moves it to the first instant of working time at or after it:
  unchanged if inside working time, ``day_start`` of the same day if earlier on a working day,
  otherwise ``day_start`` of the next working day (an instant exactly at ``day_end`` is outside).

Semantics
---------
- ``add_working_days(start, n)``: normalise ``start``, then keep its clock time and move ``n``
  working days forward; the result always lands on a working day. ``n == 0`` returns the
  normalised start. E.g. Fri 10:00 + 1 = Mon 10:00; Fri 18:00 + 1 = Tue 09:00.
- ``add_working_seconds(start, s)`` / ``add_working_hours(start, h)``: count only working time.
  A result falling exactly at ``day_end`` stays there (no roll to the next morning).
  E.g. Fri 16:00 + 2h = Mon 10:00. A zero amount returns the normalised start.
- ``working_seconds_between(start, end)``: working time inside ``[start, end)``; 0 if
  ``end <= start``. For ``end >= start`` with ``end`` in working time (or exactly at
  ``day_end`` of a working day, when the amount is positive),
  ``add_working_seconds(start, working_seconds_between(start, end)) == end``.
- ``shift(instant, s)`` / ``shift_days(instant, n)``: move a *due time* later by ``s`` seconds
  (``n`` whole working days) of working time, keeping its side of the boundary between two
  working days. ``day_end`` of one working day and ``day_start`` of the next are the same
  working time; ``add_working_seconds`` gives ``day_end`` (above), which would make a due time
  read "17:00 the day before" once moved. ``shift`` gives ``day_start`` of the next working day
  instead when ``instant`` is on the start side: exactly ``day_start`` of a working day, or
  outside working time other than exactly ``day_end``. Otherwise (inside working time, or
  exactly at ``day_end``) it equals ``add_working_seconds``. ``shift(instant, 0) == instant``
  for every instant (no working time passed, nothing moves) and always
  ``working_seconds_between(instant, shift(instant, s)) == s``.
  E.g. Tue 09:00 shifted by 8 h = Wed 09:00; Mon 17:00 shifted by 8 h = Tue 17:00.
- Negative amounts (and non-finite floats) raise ``ValueError``.
- Datetimes are expected to be naive local times. Aware datetimes are accepted and their
  ``tzinfo`` is kept unchanged (never converted); arithmetic is then wall-clock arithmetic.
- Cost is per day spanned (never per hour or second), so month-long spans are cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

__all__ = ["WorkCalendar"]

_ZERO = timedelta(0)


def _as_date(d: date) -> date:
    # datetime is a subclass of date but never compares equal to one, so a datetime would
    # silently miss every holiday/make-up lookup; reduce it to its date.
    return d.date() if isinstance(d, datetime) else d


def _date_set(items: frozenset[date]) -> frozenset[date]:
    return frozenset(_as_date(d) for d in items)


@dataclass(frozen=True)
class WorkCalendar:
    """Calendar of working days and daily working hours."""

    holidays: frozenset[date]  # official days off (may fall on weekdays)
    makeup_workdays: frozenset[date]  # weekend days that are working days (调休)
    day_start: time = time(9, 0)  # working hours window on a working day
    day_end: time = time(17, 0)

    def __post_init__(self) -> None:
        # Accept any iterable (set, list) from callers but store hashable, date-only frozensets.
        object.__setattr__(self, "holidays", _date_set(self.holidays))
        object.__setattr__(self, "makeup_workdays", _date_set(self.makeup_workdays))
        if self.day_start >= self.day_end:
            raise ValueError("day_start must be earlier than day_end")

    # -- days -----------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """True for make-up workdays, False for holidays, else Monday to Friday."""
        d = _as_date(d)
        if d in self.makeup_workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        # Terminates: holidays are finite, so some Mon-Fri is eventually free.
        d = _as_date(d) + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Same clock time ``days`` working days after the normalised ``start``."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current = self._normalise(start)
        d = current.date()
        for _ in range(days):
            d = self.next_working_day(d)
        return datetime.combine(d, current.timetz())

    # -- hours / seconds --------------------------------------------------------------------

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Instant after ``hours`` of working time counted from ``start``."""
        _check_amount(hours, "hours")
        return self.add_working_seconds(start, hours * 3600)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """Instant after ``seconds`` of working time; inverse of working_seconds_between."""
        _check_amount(seconds, "seconds")
        # timedelta arithmetic is exact to the microsecond, unlike summing float seconds,
        # which keeps the round trip with working_seconds_between exact.
        remaining = timedelta(seconds=seconds)
        current = self._normalise(start)
        while True:
            available = self._window_end(current.date(), current) - current
            # `<=` so that a result exactly at day_end stays on that day.
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self._window_start(self.next_working_day(current.date()), current)

    def shift(self, instant: datetime, seconds: float) -> datetime:
        """``instant`` moved ``seconds`` of working time later, on its side of a day boundary."""
        _check_amount(seconds, "seconds")
        if seconds == 0:
            return instant
        moved = self.add_working_seconds(instant, seconds)
        if moved.time() == self.day_end and self._on_start_side(instant):
            return self._window_start(self.next_working_day(moved.date()), moved)
        return moved

    def shift_days(self, instant: datetime, days: int) -> datetime:
        """``instant`` moved ``days`` whole working days later, on its side of a day boundary
        (a due time at ``day_end`` stays at ``day_end``, one at ``day_start`` at ``day_start``)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        return self.shift(instant, days * self.day_seconds())

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time in seconds inside ``[start, end)``; 0 if ``end <= start``."""
        if end <= start:
            return 0.0
        total = _ZERO
        d = start.date()
        last = end.date()
        while d <= last:
            if self.is_working_day(d):
                lo = max(start, self._window_start(d, start))
                hi = min(end, self._window_end(d, start))
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total.total_seconds()

    def previous_working_day(self, d: date) -> date:
        """Last working day strictly before ``d``."""
        d = _as_date(d) - timedelta(days=1)
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def earliest_within(self, end: datetime, seconds: float) -> datetime:
        """The earliest instant ``t`` with ``working_seconds_between(t, end) <= seconds``: when
        a deadline ``end`` entered a warning window of ``seconds``. Outside working time no
        working time passes, so a deadline at 09:00 entered a window of a working day at 17:00
        the working day before, not at 09:00."""
        _check_amount(seconds, "seconds")
        moment = self._back(end, seconds)
        if moment.time() == self.day_start:
            return self._window_end(self.previous_working_day(moment.date()), moment)
        return moment

    def latest_before(self, end: datetime, seconds: float) -> datetime:
        """The latest instant ``t`` with ``working_seconds_between(t, end) >= seconds``: a
        deadline at or before it has been passed by ``seconds`` of working time at ``end``."""
        _check_amount(seconds, "seconds")
        return end if seconds == 0 else self._back(end, seconds)

    # -- helpers ----------------------------------------------------------------------------

    def _back(self, end: datetime, seconds: float) -> datetime:
        """Go back ``seconds`` of working time from ``end``, past no more working time."""
        remaining = timedelta(seconds=seconds)
        d = end.date()
        if self.is_working_day(d) and self.day_start < end.time() <= self.day_end:
            current = end
        elif self.is_working_day(d) and end.time() > self.day_end:
            current = self._window_end(d, end)
        else:
            current = self._window_end(self.previous_working_day(d), end)
        while True:
            available = current - self._window_start(current.date(), current)
            if remaining <= available:
                return current - remaining
            remaining -= available
            current = self._window_end(self.previous_working_day(current.date()), current)

    def _window_start(self, d: date, like: datetime) -> datetime:
        # Carry the caller's tzinfo so aware inputs stay aware and are not converted.
        return datetime.combine(d, self.day_start, tzinfo=like.tzinfo)

    def _window_end(self, d: date, like: datetime) -> datetime:
        return datetime.combine(d, self.day_end, tzinfo=like.tzinfo)

    def day_seconds(self) -> float:
        """The working seconds of a working day (every working day has the same hours)."""
        day = date.min  # any date: the window has the same length every working day
        end, start = datetime.combine(day, self.day_end), datetime.combine(day, self.day_start)
        return (end - start).total_seconds()

    def _on_start_side(self, dt: datetime) -> bool:
        """Whether ``dt`` belongs with the next day start rather than the working time before
        it: exactly at a day start, or outside working time other than exactly at day_end."""
        if not self.is_working_day(dt.date()):
            return True
        return not self.day_start < dt.time() <= self.day_end

    def _normalise(self, dt: datetime) -> datetime:
        """First instant of working time at or after ``dt``."""
        d = dt.date()
        if self.is_working_day(d):
            t = dt.time()
            if t < self.day_start:
                return self._window_start(d, dt)
            if t < self.day_end:
                return dt
        return self._window_start(self.next_working_day(d), dt)


def _check_amount(value: float, name: str) -> None:
    # NaN would slip past a `< 0` check and inf would loop forever; reject both up front.
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0")
