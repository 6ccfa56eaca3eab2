"""The holiday calendar: add or remove one day, import a year from a CSV file
(app/reference/holidays_csv.py: every line checked, nothing imported when one is bad; an
import replaces that year's days). Every change tells the deadline service, in its own
transaction, so that every process's next deadline reads the new calendar (deadlines already
set stay)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert

from app.admin import audit, checks
from app.admin.audit import Actor
from app.deadlines import service as deadlines
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import Holiday
from app.models.catalog import HOLIDAY, MAKEUP_WORKDAY
from app.reference import holidays_csv
from app.reference.calendar import FIRST_YEAR, LAST_YEAR


@dataclass(frozen=True)
class Imported:
    year: int
    removed: int
    added: int
    holidays: int
    workdays: int


def check_year(year: int | None, field: str = "year") -> int:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise checks.refuse(
            field,
            "bad_year",
            f"年份须在{FIRST_YEAR}至{LAST_YEAR}之间",
            f"A year from {FIRST_YEAR} to {LAST_YEAR}",
        )
    return year


def add_day(actor: Actor, *, day: date | None, kind: str | None, name: str | None) -> Holiday:
    audit.check(actor)
    if day is None:
        raise checks.refuse("day", "required", "请填写日期", "Enter the date")
    check_year(day.year, "day")
    if kind not in (HOLIDAY, MAKEUP_WORKDAY):
        raise checks.refuse(
            "kind", "bad_kind", "请选择放假或调休上班", "Choose a day off or a make-up working day"
        )
    if kind == MAKEUP_WORKDAY and day.weekday() < 5:
        raise checks.refuse(
            "day",
            "workday_on_weekday",
            f"{day} 是工作日，调休上班日只能是周六或周日",
            f"{day} is a weekday: a make-up working day is a Saturday or Sunday",
        )
    problem = holidays_csv.name_problem((name or "").strip())
    if problem:
        raise checks.refuse("name", "bad_name", *problem)
    existing = db.session.get(Holiday, day)
    if existing is not None:
        raise checks.refuse(
            "day",
            "day_listed",
            f"{day} 已在日历中（{existing.name}），请先删除",
            f"{day} is in the calendar already ({existing.name}); remove it first",
        )
    row = Holiday(day=day, kind=kind, name=(name or "").strip())
    db.session.add(row)
    audit.record(actor, "holiday.add", "holiday", day.isoformat(), kind=kind, name=row.name)
    deadlines.changed()
    db.session.commit()
    return row


def remove_day(actor: Actor, day: date) -> None:
    audit.check(actor)
    row = db.session.get(Holiday, day)
    if row is None:
        raise NotFound("holiday_not_found", "日历中没有这一天", "That day is not in the calendar")
    audit.record(actor, "holiday.remove", "holiday", day.isoformat(), kind=row.kind, name=row.name)
    db.session.delete(row)
    deadlines.changed()
    db.session.commit()


def import_year(actor: Actor, year: int | None, data: bytes | None) -> Imported:
    """Replace the year's days with the CSV's, all or nothing."""
    audit.check(actor)
    checked_year = check_year(year)
    if not data:
        raise checks.refuse("file", "required", "请选择CSV文件", "Choose a CSV file")
    try:
        days = holidays_csv.parse(holidays_csv.decode(data), checked_year)
    except holidays_csv.CsvRefused as exc:
        lines = [{"line": e.line, "zh": e.zh, "en": e.en} for e in exc.errors]
        raise Invalid(
            "holiday_csv_refused",
            f"文件有{len(lines)}处错误，未导入任何日期",
            f"The file has {len(lines)} error(s); nothing was imported",
            field="file",
            lines=lines,
        ) from exc
    first, last = date(checked_year, 1, 1), date(checked_year, 12, 31)
    removed: int = db.session.execute(  # type: ignore[attr-defined]  # a DML result's count
        delete(Holiday).where(Holiday.day >= first, Holiday.day <= last)
    ).rowcount
    db.session.execute(
        insert(Holiday), [{"day": d.day, "kind": d.kind, "name": d.name} for d in days]
    )
    result = Imported(
        year=checked_year,
        removed=removed or 0,
        added=len(days),
        holidays=sum(1 for d in days if d.kind == HOLIDAY),
        workdays=sum(1 for d in days if d.kind == MAKEUP_WORKDAY),
    )
    audit.record(
        actor,
        "holiday.import",
        "holiday_year",
        checked_year,
        removed=result.removed,
        added=result.added,
        holidays=result.holidays,
        workdays=result.workdays,
    )
    deadlines.changed()
    db.session.commit()
    return result
