"""Readable case numbers: the intake date and a per-day sequence, 20261122-000123."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import CaseNumberCounter


def _upsert(insert: Callable[[Any], Any]) -> Any:
    # One upsert: the row lock it takes serialises concurrent intakes of the same day.
    return (
        insert(CaseNumberCounter)
        .values(day=bindparam("day"), last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": CaseNumberCounter.last + 1})
        .returning(CaseNumberCounter.last)
    )


_NEXT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def next_number(now: datetime) -> str:
    day = now.strftime("%Y%m%d")
    statement = _NEXT[db.session.get_bind().dialect.name]
    seq: int = db.session.execute(statement, {"day": day}).scalar_one()
    return f"{day}-{seq:06d}"
