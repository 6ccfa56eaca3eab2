"""The scheduler's own rows: its leadership lease, the deadline marks it has made (the guard
that makes each warning, overdue and escalation exactly once) and the periodic jobs it has
done (the daily digest's once a day)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

# Mark levels, in the order a deadline reaches them.
WARNING = "warning"
OVERDUE = "overdue"
ESCALATED = "escalated"
LEVELS = (WARNING, OVERDUE, ESCALATED)


class SchedulerLease(Model):
    """Who may act (SQLite; PostgreSQL uses a session advisory lock): the holder renews its
    lease; a standby takes it over once it has expired. Times are wall-clock epoch seconds,
    never the app's clock, which tests and the demo move."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float] = mapped_column()


class DeadlineMark(Model):
    """One row per (case, clock, subject, deadline, level) the scheduler has acted on, written
    in the transaction of its event and notifications: a second insert of the same key is
    ignored, so a job run twice, by two processes or after a crash acts once."""

    __tablename__ = "deadline_mark"
    __table_args__ = (
        UniqueConstraint("case_id", "clock", "subject", "due_at", "level", name="uq_deadline_mark"),
        # The digest counts a department's tasks in warning.
        Index("ix_deadline_mark_department_level", "department_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"))
    clock: Mapped[str] = mapped_column(String(16))
    # Which deadline of that clock: the task (sign-for, decision, revisit: each task its own)
    # or the department (handling: one deadline per department per round, whichever task).
    subject: Mapped[str] = mapped_column(String(36))
    due_at: Mapped[datetime] = mapped_column()
    level: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    # When it was due (the event's stamp), and when the scan saw it.
    at: Mapped[datetime] = mapped_column()
    marked_at: Mapped[datetime] = mapped_column()


class JobRun(Model):
    """A periodic job done for a period (the digest of one day): done once."""

    __tablename__ = "scheduler_job_run"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    done_at: Mapped[datetime] = mapped_column()
