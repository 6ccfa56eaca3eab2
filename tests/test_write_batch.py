"""WriteBatch: a step's writes sent together (one pipeline on PostgreSQL), in the session's
transaction, with SQLAlchemy's exceptions and the row counts of what was answered."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CaseNumberCounter
from app.write_batch import StaleRows, WriteBatch
from tests.conftest import snapshot

counters = CaseNumberCounter.__table__
BUMP = update(counters).where(counters.c.day == bindparam("b_day")).values(last=bindparam("b_last"))


def counter_rows() -> list[tuple[str, int]]:
    return [tuple(r) for r in db.session.execute(select(counters).order_by(counters.c.day))]


def test_row_counts_in_order_inside_the_sessions_transaction():
    writes = WriteBatch()
    writes.add(insert(counters), [{"day": "20261123", "last": 1}, {"day": "20261124", "last": 1}])
    writes.add(BUMP, {"b_day": "20261124", "b_last": 7})
    writes.add(BUMP, {"b_day": "19990101", "b_last": 7})
    assert writes.run(db.session.connection()) == [2, 1, 0]
    assert counter_rows() == [("20261123", 1), ("20261124", 7)]
    db.session.rollback()
    assert counter_rows() == []


def test_a_failing_statement_raises_sqlalchemys_error_and_counts_what_came_before():
    db.session.execute(insert(counters), {"day": "20261123", "last": 1})
    db.session.commit()
    before = snapshot()
    writes = WriteBatch()
    writes.add(BUMP, {"b_day": "20261123", "b_last": 5})
    writes.add(insert(counters), {"day": "20261123", "last": 9})  # the same key again
    writes.add(BUMP, {"b_day": "20261123", "b_last": 6})
    with pytest.raises(IntegrityError):
        writes.run(db.session.connection())
    assert writes.rowcounts == [1]
    db.session.rollback()
    assert snapshot() == before


def test_a_guarded_statement_that_changes_no_row_stops_the_rest():
    db.session.execute(insert(counters), {"day": "20261123", "last": 1})
    db.session.commit()
    before = snapshot()
    writes = WriteBatch()
    writes.add(BUMP, {"b_day": "20261123", "b_last": 2}, expect_rows=1)
    writes.add(BUMP, {"b_day": "19990101", "b_last": 3}, expect_rows=1)  # the row is not there
    writes.add(insert(counters), {"day": "20261124", "last": 1})
    with pytest.raises(StaleRows):
        writes.run(db.session.connection(), commit=True)
    assert writes.rowcounts == [1]
    db.session.rollback()
    assert snapshot() == before


def test_commit_with_the_batch_then_the_session_commit_finishes():
    writes = WriteBatch()
    writes.add(insert(counters), {"day": "20261123", "last": 1})
    writes.add(BUMP, {"b_day": "20261123", "b_last": 4}, expect_rows=1)
    assert writes.run(db.session.connection(), commit=True) == [1, 1]
    db.session.commit()
    with db.engine.connect() as other:  # another connection sees it: it was committed
        assert [tuple(r) for r in other.execute(select(counters))] == [("20261123", 4)]


def test_an_empty_list_of_parameter_sets_is_refused():
    # Run with no parameters, an INSERT would write one row of defaults.
    with pytest.raises(ValueError):
        WriteBatch().add(insert(counters), [])


def test_a_statement_built_per_call_does_not_grow_the_caches():
    """The caches are keyed by statement object; a caller building one per call costs a
    compilation each time, never an entry per call past the bound."""
    from app import write_batch

    db.session.execute(insert(counters), {"day": "20261123", "last": 1})
    for n in range(write_batch.COMPILED_CACHE_SIZE + 20):
        writes = WriteBatch()
        built = (
            update(counters).where(counters.c.day == bindparam("b_day")).values(last=bindparam("b"))
        )
        writes.add(built, {"b_day": "20261123", "b": n}, expect_rows=1)
        writes.run(db.session.connection())
    assert len(write_batch._compiled) <= write_batch.COMPILED_CACHE_SIZE
    assert len(write_batch._guarded) <= write_batch.GUARDED_CACHE_SIZE
    assert counter_rows() == [("20261123", write_batch.COMPILED_CACHE_SIZE + 19)]
    db.session.rollback()


def test_returning_rows_come_back_in_the_order_of_the_parameter_sets():
    statement = insert(counters).returning(counters.c.day, sort_by_parameter_order=True)
    writes = WriteBatch()
    writes.add(BUMP, {"b_day": "19990101", "b_last": 1})
    index = writes.add(statement, [{"day": d, "last": 1} for d in ("20261125", "20261123")])
    assert writes.run(db.session.connection()) == [0, 2]
    assert writes.returned == {index: [("20261125",), ("20261123",)]}
    db.session.rollback()
