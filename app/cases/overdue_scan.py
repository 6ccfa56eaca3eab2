"""The scheduler's overdue scan: flag the cases nobody acted on since their handling deadline
passed.

A step flags its own case (`overdue.note_late`); this finds the others with one UPDATE over
the cases (`overdue.cases_to_flag`, the same rule on the case's columns) and keeps their scope
copies equal, in one transaction. Idempotent: a flagged case is not matched again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.cases import scope_index
from app.deadlines import overdue
from app.extensions import db
from app.models import Case


def mark_overdue(now: datetime) -> int:
    """Flag the cases whose handling deadline has passed at `now`. Returns how many changed."""
    ids = (
        db.session.execute(
            update(Case).where(overdue.cases_to_flag(now)).values(overdue=True).returning(Case.id)
        )
        .scalars()
        .all()
    )
    scope_index.mark_overdue_rows(db.session.connection(), list(ids))
    db.session.commit()
    return len(ids)
