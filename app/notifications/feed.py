"""The live feed: open pages hear of their user's new notifications (server-sent events).

Across processes the news travels through the database, never through one process's memory:

- PostgreSQL: LISTEN/NOTIFY. A trigger on `notification` (see the migration) sends the ids of
  the users whose rows an INSERT or UPDATE touched on channel `minqing_notification`, from
  inside the writing transaction; PostgreSQL delivers it at COMMIT, so a page hears of exactly
  the committed rows, whoever wrote them (a gunicorn worker, the scheduler, a CLI command), and
  a rolled-back action is never announced. Chosen over Redis pub/sub for that reason: a publish
  after commit is lost when the process dies between the two, one before commit announces what
  may roll back, and it is one moving part fewer.
- SQLite (the embedded default, one machine): no NOTIFY, so the feed polls every
  NOTIFY_POLL_SECONDS (2 s) for the newest notification id and unread count of the users it
  holds pages for — one indexed, grouped query per process, whatever the number of pages.

In each process one Hub, started by the first stream, listens (or polls) in one thread with a
connection of its own (not the app's pool) and fans the news out to that process's open
streams: each stream waits on its own queue and holds no database connection while it waits.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, func, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from app.models import Notification
from app.notifications.centre import Item, as_dict

log = logging.getLogger(__name__)

CHANNEL = "minqing_notification"
# How often the PostgreSQL listener looks up from the socket for streams just opened.
NEW_STREAM_TICK = 0.05
_HUB = "minqing.notification_feed"


@dataclass(frozen=True)
class Update:
    """What a stream tells its page: the unread count, and the newest notification."""

    unread: int
    newest: dict[str, Any] | None

    @property
    def newest_id(self) -> int:
        return int(self.newest["id"]) if self.newest else 0


@dataclass(eq=False)
class Subscription:
    user_id: int
    updates: queue.SimpleQueue[Update | None] = field(default_factory=queue.SimpleQueue)
    last: tuple[int, int] = (-1, -1)  # (newest id, unread) last sent; the poll compares it

    def latest(self, timeout: float) -> Update | None:
        """The newest update waiting (older ones are superseded), or raises queue.Empty."""
        update = self.updates.get(timeout=timeout)
        while update is not None:
            try:
                update = self.updates.get_nowait()
            except queue.Empty:
                break
        return update


class Hub:
    def __init__(self, url: str, poll_seconds: float) -> None:
        self.url = url
        self.poll_seconds = poll_seconds
        self.postgresql = url.startswith("postgresql")
        self._subs: dict[int, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = threading.Event()
        self._wake = threading.Event()  # a new stream waits for its first update
        self._new: set[Subscription] = set()
        self._engine: Engine | None = None

    # --- streams ---------------------------------------------------------------------------

    def subscribe(self, user_id: int) -> Subscription:
        """A stream for the user; its first update (the current count) comes from the hub's
        thread too, read together with the other streams opened meanwhile: a page opened,
        or 200 reconnecting after a restart, take nothing from the app's pool."""
        sub = Subscription(user_id)
        with self._lock:
            self._subs.setdefault(user_id, set()).add(sub)
            self._new.add(sub)
        self._ensure_running()
        self._wake.set()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.user_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.user_id]

    def open_streams(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def end_streams(self) -> None:
        """End every open stream of this process (their pages reconnect, with Last-Event-ID):
        a worker that is stopping calls it, so that its streams do not hold up its exit."""
        with self._lock:
            subs = [s for group in self._subs.values() for s in group]
            self._subs.clear()
        for sub in subs:
            sub.updates.put(None)

    # --- the one thread --------------------------------------------------------------------

    def _ensure_running(self) -> None:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if alive and self._pid == os.getpid():
                return
            # First stream of this process (or a forked copy of a parent's hub): start here.
            self._pid = os.getpid()
            self._stopping.clear()
            self._engine = None
            target = self._listen if self.postgresql else self._poll
            self._thread = threading.Thread(target=target, name="notification-feed", daemon=True)
            self._thread.start()

    def _query_engine(self) -> Engine:
        if self._engine is None:
            # One connection, the hub's own: the thread that uses it is the only one.
            self._engine = create_engine(self.url, poolclass=StaticPool, pool_pre_ping=True)
        return self._engine

    def _users(self) -> set[int]:
        with self._lock:
            return set(self._subs)

    def _listen(self) -> None:
        import psycopg

        conninfo = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 0.5
                    # Whatever was missed while not listening.
                    self.refresh(self._users(), only_changed=True)
                    while not self._stopping.is_set():
                        users: set[int] = set()
                        everyone = False
                        for note in conn.notifies(timeout=NEW_STREAM_TICK, stop_after=1):
                            everyone |= _parse(note.payload, users)
                        self._first_updates()
                        if not users and not everyone:
                            continue
                        # A burst of commits: gather what else has arrived, refresh once.
                        for note in conn.notifies(timeout=0.002):
                            everyone |= _parse(note.payload, users)
                        local = self._users()
                        self.refresh(local if everyone else users & local)
            except Exception:  # the database went away: listen again, then catch up
                log.exception("notification feed: listening failed; retrying")
                if self._engine is not None:
                    self._engine.dispose()
                    self._engine = None
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _poll(self) -> None:
        polled = time.monotonic()
        while not self._stopping.is_set():
            self._wake.wait(max(0.0, polled + self.poll_seconds - time.monotonic()))
            self._wake.clear()
            try:
                self._first_updates()
                if time.monotonic() >= polled + self.poll_seconds:
                    polled = time.monotonic()
                    self.refresh(self._users(), only_changed=True)
            except Exception:
                log.exception("notification feed: poll failed")

    def _first_updates(self) -> None:
        """The current state, for the streams opened since the last look."""
        with self._lock:
            new, self._new = self._new, set()
        if not new:
            return
        updates = read_updates(self._query_engine(), {s.user_id for s in new})
        for sub in new:
            update = updates.get(sub.user_id) or Update(0, None)
            sub.last = (update.newest_id, update.unread)
            sub.updates.put(update)

    def refresh(self, user_ids: set[int], only_changed: bool = False) -> None:
        """Read the users' unread counts and newest notifications and tell their streams."""
        if not user_ids:
            return
        updates = read_updates(self._query_engine(), user_ids)
        with self._lock:
            targets = [(s, updates.get(u)) for u in user_ids for s in self._subs.get(u, ())]
        for sub, update in targets:
            update = update or Update(0, None)
            state = (update.newest_id, update.unread)
            if only_changed and state == sub.last:
                continue
            sub.last = state
            sub.updates.put(update)


def _parse(payload: str, into: set[int]) -> bool:
    """Add the payload's user ids; True when it says "everyone" ("*")."""
    if payload == "*":
        return True
    into.update(int(p) for p in payload.split(",") if p.isdigit())
    return False


_N = Notification.__table__


def read_updates(engine: Engine, user_ids: set[int]) -> dict[int, Update]:
    """Unread counts and newest notifications of these users: two indexed, grouped reads."""
    ids = sorted(user_ids)
    with engine.connect() as conn:
        counted = conn.execute(
            select(_N.c.user_id, func.count())
            .where(_N.c.user_id.in_(ids), _N.c.read_at.is_(None))
            .group_by(_N.c.user_id)
        )
        unread = {user_id: count for user_id, count in counted}
        newest_ids = select(func.max(_N.c.id)).where(_N.c.user_id.in_(ids)).group_by(_N.c.user_id)
        newest = conn.execute(select(_N).where(_N.c.id.in_(newest_ids))).all()
    out: dict[int, Update] = {}
    for row in newest:
        note = Notification(**row._mapping)
        out[row.user_id] = Update(unread.get(row.user_id, 0), as_dict(Item(note, None)))
    return out


def hub(app: Flask) -> Hub:
    """This app's hub (one per process: a forked worker starts its own thread)."""
    found = app.extensions.get(_HUB)
    if found is None:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        found = app.extensions[_HUB] = Hub(url, app.config["NOTIFY_POLL_SECONDS"])
    return found
