"""The number that moves when anything the bridge must reload changes (the menu, the service
hours, the blacklist): raised in the writer's transaction, read into the config's version."""

from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models import TelephonyVersion

ROW = 1  # the one row, made by the migration


def changed() -> None:
    raised = db.session.execute(
        update(TelephonyVersion)
        .where(TelephonyVersion.id == ROW)
        .values(version=TelephonyVersion.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not raised.rowcount:  # type: ignore[attr-defined]  # a DML result's count
        db.session.add(TelephonyVersion(id=ROW, version=1))


def current() -> int:
    return (
        db.session.scalar(select(TelephonyVersion.version).where(TelephonyVersion.id == ROW)) or 0
    )
