"""Readable case numbers: the intake date and a per-day sequence, 20261122-000123."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import CaseNumberCounter


def next_number(now: datetime) -> str:
    day = now.strftime("%Y%m%d")
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One upsert: the row lock it takes serialises concurrent intakes of the same day.
    stmt = (
        insert(CaseNumberCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": CaseNumberCounter.last + 1})
        .returning(CaseNumberCounter.last)
    )
    seq = db.session.execute(stmt).scalar_one()
    return f"{day}-{seq:06d}"
