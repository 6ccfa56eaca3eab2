"""The holiday calendar as pages and the API show it: a year's days off and make-up working
days (the working-day rules themselves are app/deadlines/calendar.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Holiday

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a calendar may be asked for or imported


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str  # holiday | workday (app/models/catalog.py)
    name: str


def year_days(year: int) -> list[CalendarDay]:
    rows = db.session.scalars(
        select(Holiday)
        .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
        .order_by(Holiday.day)
    )
    return [CalendarDay(h.day, h.kind, h.name) for h in rows]


def years() -> list[int]:
    """The years that have any day in the calendar, newest first."""
    days = db.session.scalars(select(Holiday.day).order_by(Holiday.day.desc())).all()
    return sorted({d.year for d in days}, reverse=True)


def count(year: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Holiday)
            .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
        )
        or 0
    )
