"""Who opens the wallboard, and its stream: the whole board now and after every change, one
computation per interval per process whatever the number of open boards, no pooled connection
held while waiting, a bad Last-Event-ID ignored."""

from __future__ import annotations

import json
import queue
import threading
import time
from datetime import timedelta

import pytest

from app.clock import clock
from app.extensions import db
from app.wallboard import live
from tests.conftest import PASSWORD
from tests.pages.conftest import csrf_of
from tests.wallboard.helpers import call

INTERVAL = 0.25  # seconds between recomputations here (5 s by default)


@pytest.fixture(autouse=True)
def quick_board(app):
    hub = live.hub(app)
    saved = hub.interval
    hub.interval = INTERVAL
    app.config["SSE_HEARTBEAT_SECONDS"] = 0.5
    yield hub
    hub.end_streams()
    hub.interval = saved


def _login(app, username: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)}
    )
    return client


class Stream:
    """Reads a stream's events in a thread, as a browser would."""

    def __init__(self, client, headers=None, query=""):
        self.response = client.get(
            "/wallboard/stream" + query, headers=headers or {}, buffered=False
        )
        assert self.response.status_code == 200
        assert self.response.mimetype == "text/event-stream"
        self.events: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buffer = ""
        try:
            for chunk in self.response.response:
                buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    fields = dict(
                        line.split(": ", 1) for line in block.splitlines() if ": " in line
                    )
                    if fields.get("event") == "board":
                        self.events.put((int(fields["id"]), json.loads(fields["data"])))
        finally:
            self.response.close()

    def next(self, timeout: float = 3.0):
        return self.events.get(timeout=timeout)


@pytest.mark.parametrize("username", ["oversight", "admin", "dispatcher", "agent"])
def test_the_hall_opens_it(app, username):
    client = _login(app, username)
    page = client.get("/wallboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "排队等待" in html and "逾期工单" in html
    assert 'id="wallboard-initial"' in html
    home = client.get("/").get_data(as_text=True)
    assert 'href="/wallboard"' in home  # in the menu


@pytest.mark.parametrize(
    "username", ["urban_handler", "east_dispatcher", "leader", "revisit", "designer"]
)
def test_others_are_refused_page_and_stream(app, username):
    client = _login(app, username)
    for path in ("/wallboard", "/wallboard/stream"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "大屏" in refused.get_data(as_text=True)
    assert 'href="/wallboard"' not in client.get("/").get_data(as_text=True)


def test_signed_out_goes_to_the_login(client):
    for path in ("/wallboard", "/wallboard/stream"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_committed_call_reaches_the_open_board(app):
    now = clock.now()
    stream = Stream(_login(app, "agent"))
    _, first = stream.next()
    offered = first["calls"]["calls_offered"]
    assert first["waiting"] == 0
    call(now - timedelta(seconds=3))  # a caller starts waiting
    db.session.commit()
    deadline = time.monotonic() + 3
    while True:
        _, board = stream.next()
        if board["waiting"] == 1 or time.monotonic() > deadline:
            break
    assert board["waiting"] == 1
    assert board["calls"]["calls_offered"] == offered + 1


def _drain(stream: Stream) -> set[int]:
    seqs = set()
    while True:
        try:
            seqs.add(stream.next(timeout=0.05)[0])
        except queue.Empty:
            return seqs


def test_one_computation_per_interval_for_every_open_board(app, quick_board):
    streams = [Stream(_login(app, name)) for name in ("agent", "dispatcher", "oversight")]
    for s in streams:
        s.next()
    for s in streams:
        _drain(s)  # the boards of the opening
    before = quick_board.computations
    time.sleep(INTERVAL * 4)
    computed = quick_board.computations - before
    assert 2 <= computed <= 6, computed  # about one per interval, not one per board
    got = [_drain(s) for s in streams]
    # The same boards went to every stream (a board computed per stream would be its own).
    assert len(got[0] & got[1] & got[2]) >= 2
    assert quick_board.open_streams() >= 3


def test_the_streams_wait_without_a_pooled_connection(app, quick_board):
    quick_board.interval = 1.5  # no computation in the window looked at
    pool = db.engine.pool
    streams = [Stream(_login(app, name)) for name in ("agent", "dispatcher", "oversight")]
    for s in streams:
        s.next()
    time.sleep(0.6)  # past a heartbeat
    assert pool.checkedout() == 0
    assert all(s.thread.is_alive() for s in streams)


def test_no_open_board_no_computation(app, quick_board):
    stream = Stream(_login(app, "agent"))
    stream.next()
    quick_board.end_streams()
    stream.thread.join(timeout=5)
    time.sleep(INTERVAL)
    before = quick_board.computations
    time.sleep(INTERVAL * 3)
    assert quick_board.computations == before
    # A page opens again (its render computes a board, which its stream is then given):
    # the sleeping thread wakes and the boards follow each other again.
    client = _login(app, "agent")
    assert client.get("/wallboard").status_code == 200
    again = Stream(client)
    first, _ = again.next()
    second, _ = again.next()
    assert second > first


@pytest.mark.parametrize("last", ["abc", "-1", "9" * 40, "٣", "1 OR 1=1", "2.5", ""])
def test_a_bad_last_event_id_is_ignored(app, last):
    """The board comes whole, whatever the page says it saw."""
    client = _login(app, "agent")
    seq, board = Stream(client, headers={"Last-Event-ID": last}).next()
    assert seq > 0 and "calls" in board and "agents" in board


@pytest.mark.parametrize("last", ["x" * 5000, "1 OR 1=1", "-3", "%E2%91%A0"])
def test_a_bad_last_in_the_url_is_ignored(app, last):
    seq, board = Stream(_login(app, "agent"), query="?last=" + last).next()
    assert seq > 0 and "calls" in board


@pytest.mark.parametrize("last", ["%00", "1%0D%0Aevent:%20evil", "%FF%FE"])
def test_control_characters_or_bad_encoding_in_the_url_are_refused(app, last):
    """The request guard's answer (app/api/request_guard.py), before the stream opens."""
    refused = _login(app, "agent").get("/wallboard/stream?last=" + last)
    assert refused.status_code == 400
    assert refused.mimetype == "text/html"


def test_a_page_that_shows_the_latest_board_is_not_sent_it_again(app, quick_board):
    quick_board.interval = 3.0  # the latest board stays fresh for the whole test
    shown = quick_board.current()
    stream = Stream(_login(app, "agent"), headers={"Last-Event-ID": str(shown.seq)})
    with pytest.raises(queue.Empty):
        stream.next(timeout=1.0)
    # A page that shows an older board gets the latest at once.
    older = Stream(_login(app, "agent"), headers={"Last-Event-ID": str(shown.seq - 1)})
    assert older.next(timeout=1.0)[0] == shown.seq
