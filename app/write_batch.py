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

A statement with RETURNING (an INSERT's new ids) leaves its rows in `returned`, in the order of
its parameter sets; in a pipeline they arrive with the other answers, at no extra round trip.

Compiled SQL is cached per statement object, dialect and parameter names, in a BoundedCache of
COMPILED_CACHE_SIZE entries (the guarded form of a statement likewise, GUARDED_CACHE_SIZE).
Statements are meant to be module constants: the whole application's write path uses a few
dozen entries, and a statement built per call costs a compilation each time but cannot grow the
caches past their bound.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from psycopg import Cursor
from psycopg import errors as driver_errors
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

from app.bounded_cache import BoundedCache

Params = dict[str, Any]
Row = tuple[Any, ...]
Processor = Callable[[Params], "MutableMapping[str, Any]"]
_Item = tuple[Executable, "Params | list[Params]", "int | None"]
_Sent = tuple[str, "list[Cursor[Any]]", "int | None"]  # SQL, a cursor per parameter set, guard

COMPILED_CACHE_SIZE = 256
GUARDED_CACHE_SIZE = 64
_compiled: BoundedCache[tuple[Executable, str, tuple[str, ...]], tuple[str, Processor]] = (
    BoundedCache(COMPILED_CACHE_SIZE)
)
_guarded: BoundedCache[tuple[Executable, int], Executable] = BoundedCache(GUARDED_CACHE_SIZE)
STALE_SQLSTATE = "40001"  # serialization_failure, raised by expect_rows()


class StaleRows(Exception):
    """A guarded statement changed another number of rows than expected (the rows changed
    since they were read): nothing after it was written."""


class WriteBatch:
    def __init__(self) -> None:
        self._items: list[_Item] = []
        self.rowcounts: list[int] = []
        # Rows of the statements that return any (RETURNING), by their index.
        self.returned: dict[int, list[Row]] = {}

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
        for index, (statement, params, expected) in enumerate(items):
            result = connection.execute(statement, params)
            if result.returns_rows:
                rows = self.returned[index] = [tuple(r) for r in result]
                count = len(rows)
            else:
                count = result.rowcount
            if expected is not None and count != expected:
                raise StaleRows(f"{count} row(s) changed, {expected} expected")
            self.rowcounts.append(count)
        return self.rowcounts

    def _pipeline(self, connection: Connection, items: list[_Item], commit: bool) -> None:
        driver = connection.connection.driver_connection  # psycopg, in the session's transaction
        assert driver is not None  # a live connection: the session's transaction holds it
        sent: list[_Sent] = []
        try:
            with driver.pipeline():
                for statement, params, expected in items:
                    if expected is not None:
                        statement = _guard(statement, expected)
                    sets = params if isinstance(params, list) else [params]
                    sql, process = _driver_sql(connection, statement, sets[0])
                    cursors: list[Cursor[Any]] = []
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
        for index, (_, cursors, _) in enumerate(sent):
            if cursors[0].description is not None:  # RETURNING rows, answered by now
                self.returned[index] = [tuple(r) for c in cursors for r in c.fetchall()]

    def _count(self, sent: list[_Sent]) -> int:
        """Fill `rowcounts` for the statements answered in full; returns how many were."""
        for _, cursors, expected in sent:
            if any(c.pgresult is None for c in cursors):  # the pipeline stopped before it
                break
            # A guarded statement answers with one row; it passed, so it changed `expected`.
            self.rowcounts.append(
                expected if expected is not None else sum(c.rowcount for c in cursors)
            )
        return len(self.rowcounts)


def _guard(statement: Executable, expected: int) -> Executable:
    def build() -> Executable:
        if not isinstance(statement, UpdateBase):
            raise TypeError("only an INSERT, UPDATE or DELETE can be guarded")
        changed = statement.returning(literal_column("1")).cte("changed")
        return select(func.expect_rows(func.count(), expected)).select_from(changed)

    return _guarded.get((statement, expected), build)


def _driver_sql(
    connection: Connection, statement: Executable, params: Params
) -> tuple[str, Processor]:
    """The dialect's SQL for the statement with these parameter names, and a function turning
    parameters into the driver's (defaults filled, values through the types' processors)."""
    names = tuple(sorted(params))
    dialect = connection.dialect
    return _compiled.get(
        (statement, dialect.name, names), lambda: _compile(dialect, statement, names)
    )


def _compile(
    dialect: Dialect, statement: Executable, names: Sequence[str]
) -> tuple[str, Processor]:
    assert isinstance(statement, ClauseElement)  # an Executable that SQLAlchemy can compile
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    assert isinstance(compiled, SQLCompiler)
    processors = {}
    for bind in compiled.binds.values():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[compiled.bind_names[bind]] = processor

    def process(values: Params) -> MutableMapping[str, Any]:
        out = compiled.construct_params(values)
        for name, processor in processors.items():
            out[name] = processor(out[name])
        return out

    return compiled.string, process
