"""The planner's estimates of how many rows statements return (PostgreSQL's EXPLAIN: planned,
not run; about a millisecond), for a query that takes its form from the sizes of its sides."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, union_all

from app.extensions import db


def planned_rows(first: Select[Any], second: Select[Any]) -> tuple[float, float] | None:
    """The estimated rows of each statement, planned together in one round trip (None where
    the database gives no estimates: SQLite)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return None
    both = union_all(first, second).compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    explained = connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + both.string, both.params
    ).scalar_one()
    branches = explained[0]["Plan"]["Plans"]  # the Append's two inputs, in order
    return float(branches[0]["Plan Rows"]), float(branches[1]["Plan Rows"])
