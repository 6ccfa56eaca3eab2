"""The daily digest (每日汇总): each department's desk staff get one notification a working day
with the department's open tasks, how many are in warning and how many are overdue.

Sent once per day at ``DIGEST_AT`` (or at the first scan after it): the day's row in
``scheduler_job_run`` is claimed in the transaction of the notifications, so a second run, a
second process or a retry after a crash sends nothing more. A scheduler down for days sends
the digest of the day it comes back only: yesterday's counts are of no use today.
"""

from __future__ import annotations

from datetime import datetime, time

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.deadlines import overdue
from app.deadlines import service as deadlines
from app.extensions import db
from app.models import DeadlineMark, JobRun, OpenTask
from app.models.scheduler import WARNING
from app.notifications.service import notify
from app.scheduler.deadline_scan import subject_clause

JOB = "digest"


def _claim(period: str, now: datetime) -> bool:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = db.session.execute(
        insert(JobRun)
        .values(job=JOB, period=period, done_at=now)
        .on_conflict_do_nothing()
        .returning(JobRun.period)
    ).first()
    return inserted is not None


def counts(now: datetime) -> dict[int, dict[str, int]]:
    """Per department: its open tasks (pending), those overdue, those in warning."""
    late = overdue.passed_clause(OpenTask.due_at, now)
    out: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(
            OpenTask.department_id,
            func.count(),
            func.count().filter(late),
        ).group_by(OpenTask.department_id)
    ).all()
    for department_id, pending, late_count in rows:
        out[department_id] = {"pending": pending, "warning": 0, "overdue": late_count}
    warned = db.session.execute(
        select(OpenTask.department_id, func.count())
        .join(
            DeadlineMark,
            and_(
                DeadlineMark.case_id == OpenTask.case_id,
                DeadlineMark.clock == OpenTask.clock,
                DeadlineMark.subject == subject_clause(),
                DeadlineMark.due_at == OpenTask.due_at,
                DeadlineMark.level == WARNING,
            ),
        )
        .where(~late)
        .group_by(OpenTask.department_id)
    ).all()
    for department_id, n in warned:
        out[department_id]["warning"] = n
    return out


def run(now: datetime) -> int:
    """Send today's digest if it is due and not sent. Returns how many departments got it."""
    at = datetime.combine(now.date(), time.fromisoformat(current_app.config["DIGEST_AT"]))
    if now < at or not deadlines.work_calendar().is_working_day(now.date()):
        return 0
    try:
        if not _claim(now.date().isoformat(), now):
            db.session.rollback()
            return 0
        sent = 0
        for department_id, c in sorted(counts(now).items()):
            notify("digest", departments=[department_id], data=dict(c), at=at)
            sent += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sent
