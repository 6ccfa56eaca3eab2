"""Saved custom reports (自定义报表): a user's named picks of measures, dimensions and filters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

NAME_MAX = 60  # characters of a saved report's name
QUERY_MAX = 1000  # its picks as the custom page's query string (measures are short keys)


class SavedReport(Model):
    __tablename__ = "saved_report"
    # A user's names are unique (led by user_id: the index also lists a user's reports).
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_report_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The picks as the page's URL carries them, without the month: a saved report is run for
    # whichever month its reader picks. Checked when saved and again when run.
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    created_at: Mapped[datetime] = mapped_column()
