"""Exactly once: claim a deadline mark before acting on it.

A mark is a key, (case, clock, subject, deadline, level), in ``deadline_mark`` under a unique
constraint. `claim` inserts a batch of them with ``ON CONFLICT DO NOTHING`` in the caller's
transaction and returns the ones this transaction inserted: the caller writes the events and
notifications of those only, in the same transaction. A second claim of a key (the job run
again, a second process, a retry after a crash rolled the first back) gets nothing back; on
PostgreSQL a concurrent claim of the same key waits for the first transaction and then gets
nothing. The scheduler's deadline scan claims warning/overdue/escalated; the oversight
office's escalation ladder may claim its own levels (any word up to 16 characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.dialects import postgresql, sqlite

from app import json_rows
from app.extensions import db
from app.models import DeadlineMark


@dataclass(frozen=True)
class Mark:
    case_id: int
    clock: str
    subject: str  # the task (sign-for, decision, revisit) or the department (handling)
    due_at: datetime
    level: str
    department_id: int  # the department holding the task
    at: datetime  # when it fell due: the stamp of its event

    @property
    def key(self) -> tuple[int, str, str, datetime, str]:
        return (self.case_id, self.clock, self.subject, self.due_at, self.level)


_COLUMNS = ("case_id", "clock", "subject", "due_at", "level", "department_id", "at", "marked_at")
_KEY = ("case_id", "clock", "subject", "due_at", "level")


@lru_cache(maxsize=4)
def _claim_statement(dialect: str) -> Any:
    """INSERT ... SELECT from the marks as one JSON parameter (app/json_rows.py: the same SQL
    for every batch), ON CONFLICT DO NOTHING, RETURNING the keys inserted."""
    table = DeadlineMark.__table__
    rows = json_rows.table(dialect, "marks", [(c, table.c[c].type) for c in _COLUMNS])
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # WHERE true: SQLite would read ON CONFLICT as the SELECT's join constraint without it.
    chosen = select(*(rows.c[c] for c in _COLUMNS)).where(true())
    return (
        insert(table)
        .from_select(list(_COLUMNS), chosen)
        .on_conflict_do_nothing()
        .returning(*(table.c[c] for c in _KEY))
    )


def claim(marks: Sequence[Mark], now: datetime) -> list[Mark]:
    """Insert `marks`; return those that were not there yet (in the caller's transaction)."""
    if not marks:
        return []
    dialect = db.session.get_bind().dialect.name
    rows = json_rows.dumps(
        {**{c: getattr(m, c) for c in _COLUMNS[:-1]}, "marked_at": now} for m in marks
    )
    inserted = {tuple(r) for r in db.session.execute(_claim_statement(dialect), {"marks": rows})}
    return [m for m in marks if m.key in inserted]
