"""Time buckets in SQL (day, ISO week by its Monday, month) as text keys, per dialect: the
GROUP BY of a report by time runs in the database on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _Bucket(FunctionElement[str]):
    type = String()
    inherit_cache = True


class day_of(_Bucket):  # noqa: N801 (SQL functions read like functions)
    name = "day_of"
    inherit_cache = True


class week_of(_Bucket):  # noqa: N801
    name = "week_of"
    inherit_cache = True


class month_of(_Bucket):  # noqa: N801
    name = "month_of"
    inherit_cache = True


class hour_of(_Bucket):  # noqa: N801 (the hour of the day, "00".."23")
    name = "hour_of"
    inherit_cache = True


class seconds_before(FunctionElement[Any]):  # noqa: N801
    """`seconds_before(column, n)`: the time n seconds before the column's (n a literal)."""

    name = "seconds_before"
    inherit_cache = True


def _arg(element: _Bucket, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {_arg(element, compiler, **kw)})"


@compiles(week_of, "sqlite")
def _week_sqlite(element: week_of, compiler: Any, **kw: Any) -> str:
    # 'weekday 0' moves forward to the Sunday (or stays on it): six days back is the Monday.
    return f"date({_arg(element, compiler, **kw)}, 'weekday 0', '-6 days')"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {_arg(element, compiler, **kw)})"


@compiles(hour_of, "sqlite")
def _hour_sqlite(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%H', {_arg(element, compiler, **kw)})"


@compiles(seconds_before, "sqlite")
def _before_sqlite(element: seconds_before, compiler: Any, **kw: Any) -> str:
    column, seconds = list(element.clauses)
    # datetime() writes 'YYYY-MM-DD HH:MM:SS', which compares as text with the stored times.
    return f"datetime({compiler.process(column, **kw)}, '-{int(seconds.value)} seconds')"


@compiles(hour_of, "postgresql")
def _hour_pg(element: hour_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({_arg(element, compiler, **kw)}, 'HH24')"


@compiles(seconds_before, "postgresql")
def _before_pg(element: seconds_before, compiler: Any, **kw: Any) -> str:
    column, seconds = list(element.clauses)
    return f"({compiler.process(column, **kw)} - interval '{int(seconds.value)} seconds')"


@compiles(day_of, "postgresql")
def _day_pg(element: day_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({_arg(element, compiler, **kw)}, 'YYYY-MM-DD')"


@compiles(week_of, "postgresql")
def _week_pg(element: week_of, compiler: Any, **kw: Any) -> str:
    return f"to_char(date_trunc('week', {_arg(element, compiler, **kw)}), 'YYYY-MM-DD')"


@compiles(month_of, "postgresql")
def _month_pg(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({_arg(element, compiler, **kw)}, 'YYYY-MM')"


BUCKETS = {"day": day_of, "week": week_of, "month": month_of, "hour": hour_of}
