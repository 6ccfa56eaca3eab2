"""Saved queries: a user's named filters of the combined query page (综合查询), their own only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

NAME_MAX = 60  # characters of a saved query's name
QUERY_MAX = 1000  # characters of its filters, as a URL query string (the filters' bounds fit)


class SavedQuery(Model):
    __tablename__ = "saved_query"
    # A user's names are unique (led by user_id: the index also lists a user's queries).
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_query_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # The filters as the page's URL carries them ("status=handling&overdue=true"), in the
    # order of the list's schema; checked against it when saved and again when run.
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    created_at: Mapped[datetime] = mapped_column()
