"""Write statements sent to the database together.

A step writes to five tables. Sent one by one, each statement waits a network round trip for
its answer, and on PostgreSQL those waits were half of a step's time. A WriteBatch collects
SQLAlchemy Core statements with their parameters and sends them in one round trip on
PostgreSQL (a psycopg pipeline, inside the session's open transaction); elsewhere it runs them
one after another on the connection. Each statement is compiled by SQLAlchemy for the
connection's dialect, with SQLAlchemy's own parameter processing, so the SQL is the same either
way.

The batch only sends: the caller reads the row counts and commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import errors as driver_errors
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Params = dict[str, Any]
_compiled: dict[tuple, tuple[str, Callable[[Params], Params]]] = {}


class WriteBatch:
    def __init__(self) -> None:
        self._items: list[tuple[Executable, Params | list[Params]]] = []
        self.rowcounts: list[int] = []

    def add(self, statement: Executable, params: Params | list[Params]) -> int:
        """Queue a statement (a list of parameter sets runs it once per set). Returns its
        index in `rowcounts`."""
        self._items.append((statement, params))
        return len(self._items) - 1

    def run(self, connection: Connection) -> list[int]:
        """Send the queued statements; `rowcounts` is filled in order as answers arrive, so
        after an error it holds the counts of the statements before it."""
        items, self._items = self._items, []
        if connection.dialect.name == "postgresql":
            self._pipeline(connection, items)
        else:
            for statement, params in items:
                self.rowcounts.append(connection.execute(statement, params).rowcount)
        return self.rowcounts

    def _pipeline(self, connection: Connection, items) -> None:
        driver = connection.connection.driver_connection  # psycopg, in the session's transaction
        sent: list[tuple[str, list]] = []  # per statement: its SQL and a cursor per parameter set
        try:
            with driver.pipeline():
                for statement, params in items:
                    sets = params if isinstance(params, list) else [params]
                    sql, process = _driver_sql(connection, statement, sets[0])
                    cursors = []
                    sent.append((sql, cursors))
                    for values in sets:
                        cursor = driver.cursor()
                        cursor.execute(sql, process(values))
                        cursors.append(cursor)
        except driver_errors.Error as exc:
            answered = self._count(sent)
            failed = sent[answered][0] if answered < len(sent) else None
            # The exception classes SQLAlchemy raises for a statement it runs itself.
            raise DBAPIError.instance(
                failed, None, exc, driver_errors.Error, dialect=connection.dialect
            ) from exc
        self._count(sent)

    def _count(self, sent) -> int:
        """Fill `rowcounts` for the statements answered in full; returns how many were."""
        for _, cursors in sent:
            if any(c.pgresult is None for c in cursors):  # the pipeline stopped before it
                break
            self.rowcounts.append(sum(c.rowcount for c in cursors))
        return len(self.rowcounts)


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
