"""`restore_reference`: the tests of the administration change departments, users, reference
data and the calendar, which the whole session shares; this puts every such table back as it
was before the test (rows added are deleted, rows changed or deleted are written back)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, tuple_

from app.deadlines import service as deadlines
from app.extensions import db
from tests.conftest import CASE_TABLES

TABLES = (
    "department",
    "app_user",
    "role",
    "user_role",
    "leader_scope",
    "case_type",
    "category",
    "time_limit",
    "holiday",
    "audit_log",
)


def _tables():
    wanted = set(TABLES)
    return [t for t in db.metadata.sorted_tables if t.name in wanted]  # parents first


def _rows(table) -> dict[tuple, dict]:
    keys = [c.name for c in table.primary_key.columns]
    return {
        tuple(row[k] for k in keys): dict(row)
        for row in db.session.execute(select(table)).mappings()
    }


@pytest.fixture
def restore_reference():
    db.session.commit()
    saved = {t.name: _rows(t) for t in _tables()}
    yield
    db.session.rollback()
    for model in CASE_TABLES:  # cases may name a department or user a test added
        db.session.execute(delete(model))
    tables = _tables()
    for table in reversed(tables):  # children first
        keys = list(table.primary_key.columns)
        now = _rows(table)
        added = [k for k in now if k not in saved[table.name]]
        if added:
            db.session.execute(delete(table).where(tuple_(*keys).in_(added)))
    for table in tables:
        keys = [c.name for c in table.primary_key.columns]
        now = _rows(table)
        for key, row in saved[table.name].items():
            if key not in now:
                db.session.execute(table.insert().values(**row))
            elif now[key] != row:
                where = [table.c[k] == v for k, v in zip(keys, key, strict=True)]
                db.session.execute(table.update().where(*where).values(**row))
    db.session.commit()
    db.session.expire_all()
    deadlines.invalidate()
