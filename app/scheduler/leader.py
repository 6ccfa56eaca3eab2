"""Only one scheduler process acts at a time; the others stand by and take over.

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) held on a connection of its
  own for as long as the process is active. When the process dies, however it dies, the
  server ends its session and frees the lock; the next standby to poll takes it.
- SQLite: a lease row (``scheduler_lease``): the holder renews its expiry every poll; a
  standby takes the row over once it has expired (``SCHEDULER_LEASE_SECONDS`` after the
  holder's last renewal). Expiry is wall-clock time, never the app's clock (tests move that).

Leadership keeps two scans from running at once; the marks' unique key (app/deadlines/
marks.py) keeps them exactly once even if it should ever fail (a paused holder whose lease ran
out while it was still working).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import Connection, select, text, update
from sqlalchemy.dialects import sqlite

from app.extensions import db
from app.models import SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
# 'minqschd' as a 64-bit number: the advisory lock no other part of the system takes.
ADVISORY_KEY = int.from_bytes(b"minqschd", "big") - 2**63


class Leadership:
    def __init__(self, app: Flask, lease_seconds: float | None = None) -> None:
        self.app = app
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = float(lease_seconds or app.config["SCHEDULER_LEASE_SECONDS"])
        self.active = False
        self._lock_conn: Connection | None = None

    @property
    def on_postgresql(self) -> bool:
        with self.app.app_context():
            return db.engine.dialect.name == "postgresql"

    def poll(self) -> bool:
        """Become or stay the active process if possible; whether this one is active now."""
        was = self.active
        try:
            self.active = self._advisory() if self.on_postgresql else self._lease()
        except Exception:
            log.exception("scheduler: leadership check failed; standing by")
            self._drop_lock()
            self.active = False
        if self.active != was:
            log.warning("scheduler %s: %s", self.holder, "active" if self.active else "standby")
        return self.active

    def release(self) -> None:
        """Step down (on a clean stop), so that a standby need not wait for the lease."""
        if self._lock_conn is not None:
            self._drop_lock()
        elif self.active:
            with self.app.app_context():
                db.session.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder)
                    .values(expires_at=0.0)
                )
                db.session.commit()
        self.active = False

    # PostgreSQL

    def _advisory(self) -> bool:
        with self.app.app_context():
            if self._lock_conn is not None:
                self._lock_conn.execute(text("SELECT 1"))  # raises if the session is gone
                return True
            conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar()
            if got:
                self._lock_conn = conn
                return True
            conn.close()
            return False

    def _drop_lock(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            conn.close()
        except Exception:
            conn.invalidate()  # the session is gone, and its lock with it

    # SQLite

    def _lease(self) -> bool:
        now = time.time()
        with self.app.app_context():
            session = db.session
            session.execute(
                sqlite.insert(SchedulerLease)
                .values(name=LEASE_NAME, holder="", expires_at=0.0)
                .on_conflict_do_nothing()
            )
            result: Any = session.execute(
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == LEASE_NAME,
                    (SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + self.lease_seconds)
            )
            session.commit()
            if result.rowcount:
                return True
            holder = session.scalar(
                select(SchedulerLease.holder).where(SchedulerLease.name == LEASE_NAME)
            )
            session.rollback()
            return holder == self.holder
