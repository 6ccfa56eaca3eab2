"""The wallboard's live feed: one computation per interval per process, shared by its boards.

The board is a state, not a log: each update is the whole board, so a reconnecting page needs
nothing replayed, only the latest. Unlike the message centre's feed (app/notifications/feed.py:
per-user news, announced by NOTIFY), the board's numbers change with every call and case of
the city, so NOTIFY would wake us for nearly every commit; a fixed interval is what a hall
display wants anyway. In each process one Hub thread, started by the first open board,
recomputes the board every WALLBOARD_SECONDS while at least one board is open (none: it
sleeps), renders the event text once, and hands it to each open stream's queue. The thread
borrows a pooled connection for the computation only (a few grouped reads) and gives it back;
a stream waits on its queue and holds no connection.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from app.clock import clock
from app.extensions import db
from app.wallboard.board import compute

log = logging.getLogger(__name__)

_HUB = "minqing.wallboard"


@dataclass(frozen=True)
class Published:
    """One computed board: its sequence number in this process, and its event's text."""

    seq: int
    board: dict
    text: str
    at: float  # time.monotonic() when computed


@dataclass(eq=False)
class Subscription:
    updates: queue.SimpleQueue[Published | None] = field(default_factory=queue.SimpleQueue)

    def latest(self, timeout: float) -> Published | None:
        """The newest board waiting (older ones are superseded), or raises queue.Empty."""
        update = self.updates.get(timeout=timeout)
        while update is not None:
            try:
                update = self.updates.get_nowait()
            except queue.Empty:
                break
        return update


class Hub:
    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.computations = 0  # how many boards this process computed (tests read it)
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._latest: Published | None = None
        self._seq = 0

    # --- streams ---------------------------------------------------------------------------

    def subscribe(self) -> Subscription:
        """A stream; it gets the latest board at once when it is fresh, else the next one,
        computed now."""
        sub = Subscription()
        with self._lock:
            self._subs.add(sub)
            latest = self._latest
        if latest is not None and time.monotonic() - latest.at < self.interval:
            sub.updates.put(latest)
        self._ensure_running()
        self._wake.set()  # the thread may be asleep with no board open, or due to compute
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def open_streams(self) -> int:
        with self._lock:
            return len(self._subs)

    def end_streams(self) -> None:
        """End every open stream of this process (a stopping worker: their pages reconnect)."""
        with self._lock:
            subs, self._subs = self._subs, set()
        for sub in subs:
            sub.updates.put(None)

    # --- the one thread --------------------------------------------------------------------

    def _ensure_running(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            # The first board of this process (or a forked copy of a parent's hub).
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="wallboard", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self.open_streams():
                latest = self._latest
                due = latest.at + self.interval if latest is not None else 0.0
                self._wake.wait(max(0.0, due - time.monotonic()))
            else:
                self._wake.wait()  # no board open: nothing to compute until one opens
            self._wake.clear()
            if not self.open_streams() or self._fresh():
                continue  # woken by a new stream, which got the fresh board already
            try:
                self.publish()
            except Exception:  # the database went away: the boards keep their last numbers
                log.exception("wallboard: computing the board failed")
                self._stopping.wait(self.interval)

    def _fresh(self) -> bool:
        latest = self._latest
        return latest is not None and time.monotonic() - latest.at < self.interval

    def current(self) -> Published:
        """The latest board when fresh, else one computed now (a page's first render)."""
        latest = self._latest
        if latest is not None and self._fresh():
            return latest
        return self.publish()

    def publish(self) -> Published:
        """Compute the board now and hand it to every open stream."""
        with self.app.app_context():
            try:
                board = compute(clock.now())
            finally:
                db.session.remove()  # the connection goes back to the pool at once
        with self._lock:
            self.computations += 1
            self._seq += 1
            data = json.dumps(board.as_dict(), ensure_ascii=False)
            text = f"id: {self._seq}\nevent: board\ndata: {data}\n\n"
            published = Published(self._seq, board.as_dict(), text, time.monotonic())
            self._latest = published
            subs = list(self._subs)
        for sub in subs:
            sub.updates.put(published)
        return published


def hub(app: Flask) -> Hub:
    """This app's hub (one per process: a forked worker starts its own thread)."""
    found = app.extensions.get(_HUB)
    if found is None:
        found = app.extensions[_HUB] = Hub(app, app.config["WALLBOARD_SECONDS"])
    return found
