"""Monthly reports the scheduler has stored (月报): one PDF per department and month, kept under
MONTHLY_REPORTS_DIR (app/reports/monthly.py writes them; the download page lists them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class MonthlyReport(Model):
    __tablename__ = "monthly_report"
    __table_args__ = (
        # The guard of "exactly once": a second run, a second scheduler or a retry inserts
        # nothing for a (report, department, month) that has its row.
        UniqueConstraint("report", "department_id", "month", name="uq_monthly_report"),
        # The download page lists the newest months first.
        Index("ix_monthly_report_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(40))  # the report definition's name
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-11"
    # The file under MONTHLY_REPORTS_DIR (a random key of ours, never a name from a request), its
    # size, and the name a download is offered under.
    file_key: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
