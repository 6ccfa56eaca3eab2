"""When the database is slow or down, a request gets a prompt 503 `database_unavailable` with
Retry-After, a write is all or nothing, and the first request after the outage succeeds.

Played against a real PostgreSQL behind a proxy the tests cut and freeze (tests/database/
pg_proxy.py), in a database of their own on the server of TEST_DATABASE_URL, or on the local
server at 127.0.0.1:5432 in the SQLite pass. Skipped only when no PostgreSQL answers.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from app.config import database_url
from app.extensions import db
from app.seed.city import seed_city
from tests.database.pg_proxy import PgProxy
from tests.helpers import INTAKE

PASSWORD = "outage-pass"
CONNECT_S = 2  # psycopg's smallest connect timeout
STATEMENT_S = 1.0
RETRY_AFTER = "7"
SLACK_S = 1.5  # the request's own work on a loaded test machine

# One key for the module: a token issued by one app of the module is checked by another.
SECRET_KEY = secrets.token_urlsafe(48)


def _server() -> tuple[URL, str]:
    """The server's URL (a database to connect to for CREATE DATABASE) and the name the
    tests' own database is made from."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith(("postgresql", "postgres:")):
        parsed = make_url(database_url(url))
        return parsed, parsed.database or "test"
    return make_url("postgresql+psycopg://postgres@127.0.0.1:5432/postgres"), "test"


def _conninfo(url: URL) -> str:
    return _url(url.set(drivername="postgresql"))


def _url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@dataclass
class Outage:
    app: Flask
    proxy: PgProxy
    direct: URL  # the test database, bypassing the proxy
    token: str = ""

    def get_cases(self):
        return self._timed("get", "/api/v1/cases")

    def intake(self, key: str | None = None):
        headers = {"Idempotency-Key": key} if key else {}
        return self._timed("post", "/api/v1/cases", json=INTAKE, headers=headers)

    def _timed(self, method: str, path: str, headers: dict | None = None, **kw):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        started = time.monotonic()
        resp = getattr(self.app.test_client(), method)(path, headers=headers, **kw)
        return resp, time.monotonic() - started

    def rows(self, key: str) -> list[tuple]:
        """Per case with this Idempotency-Key: its id and how many workflow instances, open
        tasks and events it has (read on the server directly)."""
        with psycopg.connect(_conninfo(self.direct), connect_timeout=CONNECT_S) as conn:
            return conn.execute(
                "SELECT c.id,"
                " (SELECT count(*) FROM workflow_instance w WHERE w.case_id = c.id),"
                " (SELECT count(*) FROM open_task t WHERE t.case_id = c.id),"
                " (SELECT count(*) FROM case_event e WHERE e.case_id = c.id)"
                " FROM hotline_case c WHERE c.idempotency_key = %s",
                (key,),
            ).fetchall()


@pytest.fixture(scope="module")
def _outage_module():
    server, base = _server()
    try:
        admin = psycopg.connect(_conninfo(server), autocommit=True, connect_timeout=CONNECT_S)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL answers at {server.host}:{server.port or 5432}: {exc}")
    name = f"{base}_outage_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    proxy = PgProxy((server.host or "127.0.0.1", server.port or 5432))
    direct = server.set(database=name)
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": _url(direct.set(host="127.0.0.1", port=proxy.port)),
                "TESTING": True,
                "SECRET_KEY": SECRET_KEY,
                "DB_CONNECT_TIMEOUT_SECONDS": CONNECT_S,
                "DB_STATEMENT_TIMEOUT_MS": int(STATEMENT_S * 1000),
                "DB_RETRY_AFTER_SECONDS": int(RETRY_AFTER),
            }
        )
        with app.app_context():
            upgrade()
            seed_city(2026, PASSWORD, by="tests")
            db.session.remove()
        outage = Outage(app, proxy, direct)
        resp = app.test_client().post(
            "/api/v1/auth/token", json={"username": "agent", "password": PASSWORD}
        )
        outage.token = resp.get_json()["access_token"]
        yield outage
        with app.app_context():
            db.engine.dispose()
    finally:
        proxy.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def outage(_outage_module):
    """The module's app behind a working proxy, with an empty connection pool."""
    yield _outage_module
    _outage_module.proxy.restore()
    with _outage_module.app.app_context():
        db.engine.dispose()


def _assert_unavailable(resp, elapsed: float, within: float) -> None:
    assert resp.status_code == 503, resp.get_json()
    body = resp.get_json()
    assert body["code"] == "database_unavailable"
    assert body["message"]["zh"] and body["message"]["en"]
    assert resp.headers["Retry-After"] == RETRY_AFTER
    assert elapsed < within, f"answered after {elapsed:.2f} s"


def test_hung_database_answers_503_within_seconds(outage):
    assert outage.get_cases()[0].status_code == 200  # a connection is now pooled
    outage.proxy.freeze()
    # The pooled connection's ping gets no answer, then the new connection none either.
    _assert_unavailable(*outage.get_cases(), within=2 * CONNECT_S + SLACK_S)
    _assert_unavailable(*outage.intake(), within=CONNECT_S + SLACK_S)
    outage.proxy.restore()
    assert outage.get_cases()[0].status_code == 200


def test_down_database_answers_503_at_once(outage):
    assert outage.get_cases()[0].status_code == 200
    outage.proxy.cut()
    _assert_unavailable(*outage.get_cases(), within=SLACK_S)
    _assert_unavailable(*outage.intake(), within=SLACK_S)
    outage.proxy.restore()
    assert outage.get_cases()[0].status_code == 200


def test_first_request_after_an_idle_outage_succeeds(outage):
    assert outage.get_cases()[0].status_code == 200
    outage.proxy.cut()  # the pooled connection dies while nobody asks anything
    outage.proxy.restore()
    resp, _ = outage.intake()
    assert resp.status_code == 201, resp.get_json()
    assert outage.get_cases()[0].status_code == 200


@pytest.fixture
def pings(outage, monkeypatch):
    """How many times a pooled connection was pinged before use."""
    with outage.app.app_context():
        dialect = db.engine.dialect
    seen: list[int] = []
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: seen.append(1) or real(conn))
    return seen


def test_a_connection_used_moments_ago_is_not_pinged(outage, pings):
    for _ in range(3):
        assert outage.get_cases()[0].status_code == 200
    assert pings == []  # no extra round trip on a busy server's requests


def test_a_connection_idle_past_the_setting_is_pinged(outage, pings, monkeypatch):
    assert outage.get_cases()[0].status_code == 200
    later = time.monotonic() + outage.app.config["DB_PING_AFTER_IDLE_SECONDS"] + 1
    monkeypatch.setattr("app.database.time.monotonic", lambda: later)
    assert outage.get_cases()[0].status_code == 200
    assert pings == [1]


def test_a_connection_the_server_closed_is_pinged_and_replaced(outage, pings):
    assert outage.get_cases()[0].status_code == 200
    outage.proxy.cut()
    outage.proxy.restore()
    time.sleep(0.05)  # the proxy's close reaches our socket
    assert outage.get_cases()[0].status_code == 200
    assert pings == [1]


def test_statement_the_database_never_answers_gives_503(outage):
    assert outage.get_cases()[0].status_code == 200
    # The request's connection passes its ping; the database hangs on the list query.
    outage.proxy.freeze(when_sent=b"hotline_case")
    _assert_unavailable(*outage.get_cases(), within=STATEMENT_S + CONNECT_S + SLACK_S)
    outage.proxy.restore()
    assert outage.get_cases()[0].status_code == 200


def test_slow_statement_is_cancelled_by_the_statement_timeout(outage):
    assert outage.get_cases()[0].status_code == 200
    with psycopg.connect(_conninfo(outage.direct), connect_timeout=CONNECT_S) as blocker:
        # Another session holds the cases table: the list query waits on it.
        blocker.execute("LOCK TABLE hotline_case IN ACCESS EXCLUSIVE MODE")
        resp, elapsed = outage.get_cases()
        _assert_unavailable(resp, elapsed, within=STATEMENT_S + SLACK_S)
        assert elapsed >= STATEMENT_S * 0.9  # the server waited the statement timeout out
    assert outage.get_cases()[0].status_code == 200


@pytest.mark.parametrize(
    ("break_with", "retried"),
    [("cut", 201), ("freeze", 200)],  # a cut loses the write; a hung server completes it
)
def test_intake_broken_mid_write_is_all_or_nothing(outage, break_with, retried):
    key = f"outage-{uuid.uuid4()}"
    # The case row is flushed; the database goes away as the rest of the step and its COMMIT
    # are sent (a cut drops them; a hung server that comes back runs them).
    getattr(outage.proxy, break_with)(when_sent=b"INSERT INTO workflow_instance")
    resp, elapsed = outage.intake(key)
    _assert_unavailable(resp, elapsed, within=STATEMENT_S + CONNECT_S + SLACK_S)
    outage.proxy.restore()

    resp, _ = outage.intake(key)  # the caller retries with the same key
    assert resp.status_code == retried, resp.get_json()
    (row,) = outage.rows(key)  # exactly one case
    case_id, instances, open_tasks, events = row
    assert (case_id, instances) == (resp.get_json()["id"], 1)
    assert open_tasks >= 1 and events >= 1


def test_no_free_connection_answers_503(_outage_module):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _url(_outage_module.direct),
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "DB_POOL_TIMEOUT_SECONDS": 1,
            "DB_RETRY_AFTER_SECONDS": int(RETRY_AFTER),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        }
    )
    outage = Outage(app, _outage_module.proxy, _outage_module.direct, _outage_module.token)
    with app.app_context():
        held = db.engine.connect()  # the pool's only connection, taken
        try:
            _assert_unavailable(*outage.get_cases(), within=1 + SLACK_S)
        finally:
            held.close()
        assert outage.get_cases()[0].status_code == 200
        db.engine.dispose()


def test_sql_errors_that_are_not_outages_are_left_alone(tmp_path):
    """SQLite, so it runs without PostgreSQL: a locked database is an outage (503); a bad
    statement is a bug, answered by the generic handlers, not disguised as one."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "TESTING": True})

    @app.post("/api/_test/write")
    def write():
        db.session.execute(text("PRAGMA busy_timeout=0"))  # do not queue behind the holder
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        return {"ok": True}

    @app.get("/api/_test/bad")
    def bad():
        db.session.execute(text("SELECT * FROM no_such_table"))

    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
    client = app.test_client()
    import sqlite3

    holder = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the file
    try:
        resp = client.post("/api/_test/write")
        assert resp.status_code == 503, resp.get_json()
        assert resp.get_json()["code"] == "database_unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/_test/write").status_code == 200
    with pytest.raises(OperationalError, match="no such table"):
        client.get("/api/_test/bad")  # TESTING propagates what no handler answered
