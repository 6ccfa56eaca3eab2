"""The period a report covers: a calendar month (``2026-11``), as a half-open range of local
times, with the two periods it is compared with (环比 the month before, 同比 the same month a
year before)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.errors import Invalid

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def bad_month(value: str) -> Invalid:
    return Invalid(
        "bad_month",
        "月份格式应为 YYYY-MM，例如 2026-11",
        f"'{value}' is not a month: write YYYY-MM, e.g. 2026-11",
        field="month",
    )


@dataclass(frozen=True)
class Period:
    """The month starting at `start`: local times `start <= t < end`."""

    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Period:
        match = _MONTH.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise bad_month(str(value))
        year, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and 1900 <= year <= 9998):
            raise bad_month(value)
        return cls(year, month)

    @classmethod
    def containing(cls, at: datetime | date) -> Period:
        return cls(at.year, at.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1)

    @property
    def end(self) -> datetime:
        return self.shifted(1).start

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def end_day(self) -> date:
        return self.end.date()

    def shifted(self, months: int) -> Period:
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    def previous(self) -> Period:
        """环比: the month before."""
        return self.shifted(-1)

    def year_ago(self) -> Period:
        """同比: the same month a year before."""
        return self.shifted(-12)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Day:
    """One day, for the live measures (the wallboard's "today"): local times of that day."""

    day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, datetime.min.time())

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=1)

    @property
    def first_day(self) -> date:
        return self.day

    @property
    def end_day(self) -> date:
        return self.day + timedelta(days=1)

    def previous(self) -> Day:
        return Day(self.day - timedelta(days=1))

    def year_ago(self) -> Day:
        # 29 February a year before is the 28th.
        try:
            return Day(self.day.replace(year=self.day.year - 1))
        except ValueError:
            return Day(self.day.replace(year=self.day.year - 1, day=28))

    def __str__(self) -> str:
        return self.day.isoformat()


# What the measures run over: a month (reports) or a day (the wallboard).
Span = Period | Day
