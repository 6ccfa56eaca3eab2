"""The migration that gave dispatches their `signed_on_time` fills it for the dispatches
logged before it exactly as the signs since record it (the month of tests/reports/conftest.py:
signed on time, late, twice, and in the next month)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.extensions import db
from app.models import CaseEvent

BEFORE = "b3ba0355831b"  # the revision before the column


def _dispatches() -> list[tuple[int, bool]]:
    rows = db.session.execute(
        select(CaseEvent.id, CaseEvent.signed_on_time)
        .where(CaseEvent.action == "transfer")
        .order_by(CaseEvent.id)
    )
    return [tuple(r) for r in rows]


def test_the_backfill_gives_each_dispatch_what_its_signs_gave_it(month):
    recorded = _dispatches()
    assert {on_time for _id, on_time in recorded} == {True, False}
    db.session.commit()
    db.session.close()  # the migration alters the table: no transaction of ours may hold it
    downgrade(revision=BEFORE)
    upgrade()
    assert _dispatches() == recorded
