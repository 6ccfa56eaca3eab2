"""Many rows as one bound parameter: a JSON array read as a table in the statement itself
(``jsonb_to_recordset`` on PostgreSQL, ``json_each`` on SQLite).

A statement that takes a batch's rows this way has the same SQL for every batch, whatever its
length: SQLAlchemy compiles it once and the driver parses it once, where a VALUES list of a
thousand rows is a new statement of thousands of parameters each time (the scheduler's chunks
spent most of their time compiling those). Used to insert a batch with INSERT ... SELECT.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, column, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

Columns = Sequence[tuple[str, "TypeEngine[Any] | type[TypeEngine[Any]]"]]
# As SQLAlchemy stores a time on SQLite (PostgreSQL reads it alike): the rows it inserts
# compare equal to the ones SQLAlchemy wrote.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def table(dialect: str, name: str, columns: Columns) -> Any:
    """The rows of the JSON array bound as parameter `name`, as a table `name` of `columns`."""
    rows = bindparam(name, type_=Text)
    if dialect == "postgresql":
        return (
            func.jsonb_to_recordset(cast(rows, JSONB))
            .table_valued(*(column(c, t) for c, t in columns))
            .render_derived(name=name, with_types=True)
        )
    each = func.json_each(rows).table_valued("value")
    fields = (func.json_extract(each.c.value, f"$.{c}").label(c) for c, _ in columns)
    return select(*fields).subquery(name)


def _time(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    raise TypeError(f"not JSON: {value!r}")


def dumps(rows: Iterable[Mapping[str, Any]]) -> str:
    """The value of a `table` parameter (times as SQLAlchemy writes them)."""
    return json.dumps(list(rows), default=_time, ensure_ascii=False)
