"""The monthly department reports (部门月报): on the first working day of a month the scheduler
stores, for every active handling department, the PDF of the department report of the month
before, narrowed to that department; the download page lists them.

`run(now)` is the scheduler's job (app/scheduler/jobs.py). It is idempotent: from the first
working day on (a scheduler that was off that day catches up the day it runs again), it makes
only the (department, month) reports not stored yet. Exactly once: a report is drawn first,
outside any transaction, then claimed by inserting its row (unique per report, department and
month) in a short transaction; a second scheduler drawing the same report at the same time
loses the insert and removes its file. A scheduler off for a whole month catches up that
month's reports only, as the reports of the month before: older months are `flask reports
render` away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth import policy
from app.deadlines import service as deadlines
from app.deadlines.calendar import WorkCalendar
from app.errors import NotFound
from app.extensions import db
from app.models import Department, MonthlyReport, User
from app.models.org import DEPARTMENT
from app.reports import storage
from app.reports.engine import Filters
from app.reports.pdf import report_pdf
from app.reports.periods import Period
from app.reports.result import run as run_report

log = logging.getLogger(__name__)

REPORT = "department"  # reports/department.toml, narrowed to each department


def first_working_day(year: int, month: int, cal: WorkCalendar) -> date:
    day = date(year, month, 1)
    return day if cal.is_working_day(day) else cal.next_working_day(day)


def due(now: datetime, cal: WorkCalendar) -> Period | None:
    """The month whose reports are due at `now`: the previous one, from the first working day
    of this month on; None before it."""
    if now.date() < first_working_day(now.year, now.month, cal):
        return None
    return Period.containing(now).previous()


def departments() -> list[Department]:
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.kind == DEPARTMENT, Department.active.is_(True))
            .order_by(Department.path)
        )
    )


def _claim(dept_id: int, month: str, key: str, name: str, size: int, now: datetime) -> bool:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(MonthlyReport)
        .values(
            report=REPORT,
            department_id=dept_id,
            month=month,
            file_key=key,
            file_name=name,
            size=size,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(MonthlyReport.id)
    ).first()
    return inserted is not None


def file_name(dept: Department, month: str) -> str:
    return f"{dept.name}-月报-{month}.pdf"


def make(dept: Department, period: Period, now: datetime) -> bool:
    """Draw and store one department's report; False when another run stored it first."""
    month = str(period)
    result = run_report(REPORT, period, Filters(department_id=dept.id), scope=None, now=now)
    pdf = report_pdf(result, subject=dept.name)
    key = storage.new_key(month)
    storage.write(key, pdf)
    try:
        claimed = _claim(dept.id, month, key, file_name(dept, month), len(pdf), now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        storage.remove(key)
        raise
    if not claimed:
        storage.remove(key)
    return claimed


def run(now: datetime) -> int:
    """Store the due month's missing department reports. Returns how many this run stored;
    at most MONTHLY_REPORTS_PER_RUN, so that one pass of the scheduler stays short (the next
    pass goes on)."""
    period = due(now, deadlines.work_calendar())
    if period is None:
        return 0
    month = str(period)
    stored = set(
        db.session.scalars(
            select(MonthlyReport.department_id).where(
                MonthlyReport.report == REPORT, MonthlyReport.month == month
            )
        )
    )
    missing = [d for d in departments() if d.id not in stored]
    db.session.rollback()  # no transaction held open while the PDFs are drawn
    limit = int(current_app.config.get("MONTHLY_REPORTS_PER_RUN", 10))
    made = 0
    for dept in missing[:limit]:
        if make(dept, period, now):
            made += 1
    if made:
        log.info("stored %d monthly report(s) of %s", made, month)
    return made


# --- The download page's reads ------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    report: MonthlyReport
    department: str


def listed(user: User, month: Period | None = None) -> list[Listed]:
    """The stored reports the user may download, newest month first: a department's own (its
    subtree's), a leader's departments', every one for the oversight office and administrators
    (the reports' scope, app/auth/policy.py)."""
    scope = policy.check_read_reports(user)
    query = select(MonthlyReport, Department.name).join(
        Department, Department.id == MonthlyReport.department_id
    )
    if scope is not None:
        query = query.where(MonthlyReport.department_id.in_(scope))
    if month is not None:
        query = query.where(MonthlyReport.month == str(month))
    query = query.order_by(MonthlyReport.month.desc(), Department.path)
    return [Listed(r, name) for r, name in db.session.execute(query).all()]


def file_of(user: User, report_id: int) -> MonthlyReport:
    """A stored report the user may download (404 otherwise, as for one that does not exist)."""
    scope = policy.check_read_reports(user)
    row = db.session.get(MonthlyReport, report_id)
    if row is None or (scope is not None and row.department_id not in scope):
        raise NotFound("report_not_found", "月报不存在", "No such monthly report")
    if not storage.path_of(row.file_key).is_file():
        raise NotFound("report_file_missing", "月报文件不存在", "The report's file is missing")
    return row
