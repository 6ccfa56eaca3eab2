"""The live feed: an open stream hears of its user's committed notifications (PostgreSQL
LISTEN/NOTIFY, or SQLite's short poll), never of a rolled-back one, never of another user's;
it holds no pooled connection while it waits; Last-Event-ID brings a missed one back."""

from __future__ import annotations

import json
import queue
import threading
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.notifications import feed
from app.notifications.service import notify

POLL = 0.1  # seconds between the SQLite feed's polls here (2 s by default)


@pytest.fixture(autouse=True)
def quick_feed(app):
    hub = feed.hub(app)
    hub.poll_seconds = POLL
    app.config["SSE_HEARTBEAT_SECONDS"] = 0.5
    yield hub


def _uid(username: str) -> int:
    return db.session.scalars(select(User.id).filter_by(username=username)).one()


class Stream:
    """Reads a stream's events in a thread, as a browser would."""

    def __init__(self, client, headers=None, path="/messages/stream"):
        self.hub = feed.hub(client.application)
        self.response = client.get(path, headers=headers or {}, buffered=False)
        assert self.response.status_code == 200
        assert self.response.mimetype == "text/event-stream"
        self.events: queue.Queue = queue.Queue()
        self.comments = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buffer = ""
        try:
            for chunk in self.response.response:
                buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    if block.startswith(":"):
                        self.comments += 1
                        continue
                    fields = dict(
                        line.split(": ", 1) for line in block.splitlines() if ": " in line
                    )
                    if fields.get("event") == "unread":
                        self.events.put((fields.get("id"), json.loads(fields["data"])))
        finally:
            self.response.close()  # in the reading thread, as a server does

    def next(self, timeout: float = 3.0):
        return self.events.get(timeout=timeout)

    def close(self):
        """End the open streams (the page goes away); the reader then closes its response."""
        self.hub.end_streams()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


def _login(app, username: str):
    from tests.conftest import PASSWORD
    from tests.pages.conftest import csrf_of

    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)},
    )
    return client


def test_a_committed_notification_reaches_the_open_stream_within_a_second(app):
    stream = Stream(_login(app, "urban_handler"))
    try:
        _, first = stream.next()
        assert first == {"unread": 0, "newest": None}
        # An open page is not activity: the stream does not extend the session's idle timeout.
        assert "Set-Cookie" not in stream.response.headers
        notify("urge", users=[_uid("urban_handler")], body="请尽快办理")
        notify("urge", users=[_uid("housing_handler")], body="别人的")
        started = time.monotonic()
        db.session.commit()
        event_id, got = stream.next()
        took = time.monotonic() - started
        assert got["unread"] == 1 and got["newest"]["body"] == "请尽快办理"
        assert got["newest"]["words"] == {"zh": "催办", "en": "Urge"}
        assert int(event_id) == got["newest"]["id"]
        assert took < 1.0, took
    finally:
        stream.close()


def test_a_rolled_back_notification_is_never_announced_and_reads_are(app, client, auth):
    stream = Stream(_login(app, "urban_handler"))
    try:
        stream.next()
        notify("urge", users=[_uid("urban_handler")], body="回滚")
        db.session.rollback()
        with pytest.raises(queue.Empty):
            stream.next(timeout=4 * POLL + 0.5)
        notify("urge", users=[_uid("urban_handler")], body="真的")
        db.session.commit()
        _, got = stream.next()
        assert got["newest"]["body"] == "真的" and got["unread"] == 1
        # Read in another tab (here the API): the open page's count follows.
        client.post("/api/v1/notifications/read-all", headers=auth("urban_handler"))
        _, after = stream.next()
        assert after["unread"] == 0 and after["newest"] is None  # no toast for a read
    finally:
        stream.close()


def test_the_stream_holds_no_pooled_connection_and_beats(app):
    pool = db.engine.pool
    streams = [Stream(_login(app, "urban_handler")) for _ in range(3)]
    try:
        for s in streams:
            s.next()
        time.sleep(0.7)  # past a heartbeat
        assert pool.checkedout() == 0  # the streams wait without the app's connections
        assert all(s.comments >= 1 for s in streams)
        assert feed.hub(app).open_streams() >= 3
    finally:
        for s in streams:
            s.close()
    assert feed.hub(app).open_streams() == 0


def test_last_event_id_brings_back_what_came_while_away(app):
    client = _login(app, "urban_handler")
    stream = Stream(client)
    last_id, _ = stream.next()
    stream.close()
    notify("instruction", users=[_uid("urban_handler")], body="请加强巡查")
    db.session.commit()
    again = Stream(client, headers={"Last-Event-ID": last_id})
    try:
        _, got = again.next()
        assert got["unread"] == 1 and got["newest"]["body"] == "请加强巡查"
    finally:
        again.close()
    fresh = Stream(client)  # a new page (no Last-Event-ID): the count, no toast
    try:
        assert fresh.next()[1]["newest"] is None
    finally:
        fresh.close()


def test_what_comes_between_the_pages_render_and_its_stream_still_gets_its_toast(app):
    """The page renders its badge (count and newest id seen); a transfer lands before the
    page's script opens the stream; the stream's first event carries it as new."""
    import re

    client = _login(app, "urban_handler")
    html = client.get("/messages").get_data(as_text=True)
    seen = re.search(r'data-seen="(\d+)"', html).group(1)
    notify("urge", users=[_uid("urban_handler")], body="页面刚打开")
    db.session.commit()
    stream = Stream(client, path=f"/messages/stream?last={seen}")
    try:
        _, got = stream.next()
        assert got["unread"] == 1 and got["newest"]["body"] == "页面刚打开"
    finally:
        stream.close()


def test_the_stream_needs_a_session(client):
    resp = client.get("/messages/stream")
    assert resp.status_code in (302, 401)
