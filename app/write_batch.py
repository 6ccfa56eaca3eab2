"""Write statements sent to the database together, and the commit with them.

A step writes to five tables. Sent one by one, each statement waits a network round trip for
its answer, and on PostgreSQL those waits were half of a step's time. A WriteBatch collects
SQLAlchemy Core statements with their parameters and sends them, with the COMMIT, in one round
trip on PostgreSQL (a psycopg pipeline in the session's open transaction); elsewhere it runs
them one after another on the connection and leaves the commit to the session. Each statement
is compiled by SQLAlchemy for the connection's dialect, with SQLAlchemy's own parameter
processing, so the SQL is the same either way.

A statement added with `expect_rows` guards the rest: if it changes another number of rows,
nothing after it runs, the batch raises StaleRows and the caller rolls back. In a pipeline the
statements are already sent when the first answer comes back, so there the check runs in the
database: the statement is wrapped as

    WITH changed AS (<statement> RETURNING 1) SELECT expect_rows(count(*), n) FROM changed

and the function `expect_rows` (see the migration that creates it) raises SQLSTATE 40001,
which makes PostgreSQL skip everything after it, the COMMIT included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import errors as driver_errors
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Params = dict[str, Any]
_compiled: dict[tuple, tuple[str, Callable[[Params], Params]]] = {}
_guarded: dict[tuple, Executable] = {}
STALE_SQLSTATE = "40001"  # serialization_failure, raised by expect_rows()


class StaleRows(Exception):
    """A guarded statement changed another number of rows than expected (the rows changed
    since they were read): nothing after it was written."""


class WriteBatch:
    def __init__(self) -> None:
        self._items: list[tuple[Executable, Params | list[Params], int | None]] = []
        self.rowcounts: list[int] = []

    def add(
        self,
        statement: Executable,
        params: Params | list[Params],
        expect_rows: int | None = None,
    ) -> int:
        """Queue a statement (a list of parameter sets runs it once per set). Returns its
        index in `rowcounts`."""
        if isinstance(params, list) and not params:
            raise ValueError("an empty list of parameter sets")  # would run it with none
        self._items.append((statement, params, expect_rows))
        return len(self._items) - 1

    def run(self, connection: Connection, commit: bool = False) -> list[int]:
        """Send the queued statements; `rowcounts` is filled in order as answers arrive, so
        after an error it holds the counts of the statements before the failing one.

        commit=True: on PostgreSQL the COMMIT goes in the same round trip; the caller commits
        the session right after all the same (elsewhere that is the commit; on PostgreSQL it
        finds the transaction committed and only finishes the session's bookkeeping)."""
        items, self._items = self._items, []
        if connection.dialect.name == "postgresql":
            self._pipeline(connection, items, commit)
            return self.rowcounts
        for statement, params, expected in items:
            count = connection.execute(statement, params).rowcount
            if expected is not None and count != expected:
                raise StaleRows(f"{count} row(s) changed, {expected} expected")
            self.rowcounts.append(count)
        return self.rowcounts

    def _pipeline(self, connection: Connection, items, commit: bool) -> None:
        driver = connection.connection.driver_connection  # psycopg, in the session's transaction
        sent: list[tuple[str, list, int | None]] = []  # SQL, a cursor per parameter set, guard
        try:
            with driver.pipeline():
                for statement, params, expected in items:
                    if expected is not None:
                        statement = _guard(statement, expected)
                    sets = params if isinstance(params, list) else [params]
                    sql, process = _driver_sql(connection, statement, sets[0])
                    cursors = []
                    sent.append((sql, cursors, expected))
                    for values in sets:
                        cursor = driver.cursor()
                        cursor.execute(sql, process(values))
                        cursors.append(cursor)
                if commit:
                    # As a statement: psycopg's commit() inside a pipeline syncs on its own,
                    # which would cost a round trip more than the pipeline's own sync. psycopg
                    # reads the transaction status from the server, so it sees the commit.
                    driver.cursor().execute("COMMIT")
        except driver_errors.Error as exc:
            answered = self._count(sent)
            failed = sent[answered] if answered < len(sent) else ("COMMIT", [], None)
            if failed[2] is not None and exc.sqlstate == STALE_SQLSTATE:
                raise StaleRows(str(exc).strip()) from exc
            # The exception classes SQLAlchemy raises for a statement it runs itself.
            raise DBAPIError.instance(
                failed[0], None, exc, driver_errors.Error, dialect=connection.dialect
            ) from exc
        self._count(sent)

    def _count(self, sent) -> int:
        """Fill `rowcounts` for the statements answered in full; returns how many were."""
        for _, cursors, expected in sent:
            if any(c.pgresult is None for c in cursors):  # the pipeline stopped before it
                break
            # A guarded statement answers with one row; it passed, so it changed `expected`.
            self.rowcounts.append(
                expected if expected is not None else sum(c.rowcount for c in cursors)
            )
        return len(self.rowcounts)


def _guard(statement, expected: int):
    key = (statement, expected)
    guarded = _guarded.get(key)
    if guarded is None:
        changed = statement.returning(literal_column("1")).cte("changed")
        guarded = _guarded[key] = select(func.expect_rows(func.count(), expected)).select_from(
            changed
        )
    return guarded


def _driver_sql(connection: Connection, statement, params: Params):
    """The dialect's SQL for the statement with these parameter names, and a function turning
    parameters into the driver's (defaults filled, values through the types' processors)."""
    key = (statement, connection.dialect.name, tuple(sorted(params)))
    hit = _compiled.get(key)
    if hit is not None:
        return hit
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, column_keys=sorted(params))
    processors = {}
    for bind in compiled.binds.values():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[compiled.bind_names[bind]] = processor

    def process(values: Params) -> Params:
        out = compiled.construct_params(values)
        for name, processor in processors.items():
            out[name] = processor(out[name])
        return out

    hit = _compiled[key] = (compiled.string, process)
    return hit
