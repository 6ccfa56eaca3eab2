"""The calendar and the time limits as each app keeps them in memory, and how every process
learns of a change at once.

Every gunicorn worker, the scheduler and a CLI command keep them: a deadline is computed at
every step and a countdown on every list row. A writer of that data calls `changed()` in its
own transaction: it raises the one row of settings_version, and this app drops its copies when
the transaction commits. Every other process reads that row (a primary-key read) once per
request, or once per app context outside a request (a scheduler run, a CLI command), before its
first use of the cache, and drops what it holds when the number moved: an administrator's change
is seen by the next request or scan of every process, not after the cache's lifetime. The
lifetime (300 s) is left for edits made by hand in the database, which raise no number.

The copies belong to the app (its config sets the working hours the calendar is built with),
not to the module: two apps in one process keep their own, as two processes do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import SettingsVersion

LIFETIME_SECONDS = 300
ROW = 1  # the one row, made by the migration
_KEY = "minqing.reference_cache"
_CHECKED = "minqing_reference_version_checked"
_CHANGED = "minqing.reference_changed"


@dataclass
class _Copies:
    entries: dict[str, tuple[float, Any]] = field(default_factory=dict)
    version: int | None = None  # the number the entries were read under (None: not read)


def _copies() -> _Copies:
    return current_app.extensions.setdefault(_KEY, _Copies())


def cached(key: str, build: Callable[[], Any]) -> Any:
    """The app's copy of `key`, built again when missing, older than the lifetime, or
    when another process changed the data since this request's or run's first look."""
    copies = _copies()
    if _first_use_here():
        version = stored_version()
        if version != copies.version:
            copies.entries.clear()
            copies.version = version
    hit = copies.entries.get(key)
    if hit is not None and time.monotonic() - hit[0] < LIFETIME_SECONDS:
        return hit[1]
    value = build()
    copies.entries[key] = (time.monotonic(), value)
    return value


def invalidate() -> None:
    """Forget this app's copies (tests; a change made by `changed()` needs no call)."""
    copies = _copies()
    copies.entries.clear()
    copies.version = None


def changed() -> None:
    """Record, in the caller's transaction, that time limits or the calendar changed: every
    process drops its copies at its next request or run, this app at the commit."""
    raised = db.session.execute(
        update(SettingsVersion)
        .where(SettingsVersion.id == ROW)
        .values(version=SettingsVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not raised.rowcount:  # type: ignore[attr-defined]  # a DML result's count
        db.session.add(SettingsVersion(id=ROW, version=1))  # a database made without the row
    db.session.info[_CHANGED] = True


def stored_version() -> int:
    found = db.session.scalar(select(SettingsVersion.version).where(SettingsVersion.id == ROW))
    return found or 0


def _first_use_here() -> bool:
    """True at the first call of each request, or of each app context outside a request.
    The request's environ, not `g`, inside a request: requests handled within one app context
    (tests, scripts) share its `g`."""
    marks: Any = request.environ if has_request_context() else g.__dict__
    if _CHECKED in marks:
        return False
    marks[_CHECKED] = True
    return True


@event.listens_for(Session, "after_commit")
def _drop_own_copies(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        invalidate()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
