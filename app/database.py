"""The database connection when the database is slow or down.

A request must not wait on the database longer than a person waits on a page, and never as
long as gunicorn's 30 s worker timeout (the worker is killed and the caller gets a bare 502).
So on PostgreSQL:

- connecting gives up after `DB_CONNECT_TIMEOUT_SECONDS`, and a request waiting for a pooled
  connection after `DB_POOL_TIMEOUT_SECONDS`;
- a pooled connection is checked before use (`_checkout_live`): the first request after an
  outage gets a new connection instead of a dead one. The check costs no round trip when the
  connection's socket is quiet and it was used within `DB_PING_AFTER_IDLE_SECONDS`; a socket
  with something to read (the server or a proxy closed it) or a longer idle time gets a real
  ping, which gives up after the connect timeout, so a hung server is noticed on an idle
  connection as fast as an unreachable one. (SQLAlchemy's `pool_pre_ping` pings every
  checkout: one more round trip on every step.)
- the server cancels a request's statement after `DB_STATEMENT_TIMEOUT_MS` (a slow database,
  a lock held too long) and ends a session left idle in a transaction after
  `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS` (a stuck worker must not hold rows others wait on);
- and the client stops waiting for an answer after the statement timeout plus the connect
  timeout: a server that is hung, not slow, never sends the cancellation, and TCP keepalives
  do not help while the server's kernel still acknowledges every packet.

The statement, idle and answer timeouts bound requests only: connections opened outside a
request (migrations, `flask seed`, the benchmarks' bulk loads and VACUUM, the scheduler) run
without them, since a long statement there is work, not an outage. A request that is handed a
connection opened outside a request gets a new one.

Every failure of that kind becomes HTTP 503 `database_unavailable` with a Retry-After header,
for every route (`init_database_errors`). Errors that are not about availability are left to
the other handlers: a constraint violation, a bad statement, a SQLite "database is locked"
that the case service already answers as 409.
"""

from __future__ import annotations

import logging
import select
import sqlite3
import time
from typing import Any

import psycopg
from flask import Flask, Response, has_request_context, jsonify
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from app.errors import DomainError, concurrent_update
from app.extensions import db

log = logging.getLogger(__name__)

# SQLSTATE classes that say the server cannot serve now: connection exception, insufficient
# resources (too many connections, disk full, out of memory), operator intervention (statement
# timeout, shutdown, starting up), system error (I/O).
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})
_LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout
_TRANSACTION_ROLLBACK = "40"  # serialization failure, deadlock: a concurrent writer won
# sqlite3 puts no code on its exceptions in Python 3.11's default build; these messages are
# the ones that mean the file cannot be used right now (as opposed to a bad statement).
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "disk is full")


def configure(app: Flask) -> None:
    """Put the engine options for the DB_* settings into SQLALCHEMY_ENGINE_OPTIONS, before
    the engine is made. Options the app already sets win (tests set a pool size)."""
    if not _is_postgresql(app.config["SQLALCHEMY_DATABASE_URI"]):
        return
    mine = engine_options(app.config)
    theirs = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = {**mine.pop("connect_args"), **theirs.pop("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**mine, **theirs, "connect_args": connect_args}


def engine_options(config: Any) -> dict:
    """SQLAlchemy engine options for a PostgreSQL URL."""
    return {
        "pool_timeout": config["DB_POOL_TIMEOUT_SECONDS"],
        "connect_args": {
            "connect_timeout": config["DB_CONNECT_TIMEOUT_SECONDS"],
            # A peer that vanished (network cut, host down) is noticed on an idle connection
            # within about a minute, and on one with data in flight within 30 s.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
            "tcp_user_timeout": 30_000,
        },
    }


def init_app(app: Flask) -> None:
    """After `db.init_app`: the request timeouts on the engine's connections and the 503."""
    if _is_postgresql(app.config["SQLALCHEMY_DATABASE_URI"]):
        with app.app_context():
            _bound_requests(db.engine, app.config)
    init_database_errors(app)


class AnsweringConnection(psycopg.Connection):
    """A psycopg connection that stops waiting for a server that does not answer.

    `answer_timeout` bounds each wait for the server (one statement, or one pipeline sync);
    None waits as long as it takes. After a timeout the protocol state is unknown, so the
    connection is closed: SQLAlchemy then sees a disconnect and drops it from the pool."""

    answer_timeout: float | None = None

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is None:
            timeout = self.answer_timeout
        try:
            return super().wait(gen, interval=interval, timeout=timeout)
        except pg_errors._WaitTimeout:  # psycopg's own, raised for the timeout passed above
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {timeout:g} s"
            ) from None


def _bound_requests(engine: Engine, config: Any) -> None:
    statement_ms = config["DB_STATEMENT_TIMEOUT_MS"]
    idle_ms = config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"]
    allowance = float(config["DB_CONNECT_TIMEOUT_SECONDS"])  # network and server, per reply
    answer = statement_ms / 1000 + allowance if statement_ms > 0 else None
    options = (
        f"-c statement_timeout={statement_ms} -c idle_in_transaction_session_timeout={idle_ms}"
    )

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, record, cargs, cparams):
        params = dict(cparams)  # SQLAlchemy passes the same dict to every connect
        serving = has_request_context()
        if serving:
            params["options"] = " ".join(filter(None, (params.get("options"), options)))
        connection = AnsweringConnection.connect(*cargs, **params)
        connection.answer_timeout = answer if serving else None
        record.info["serves_requests"] = serving
        return connection

    ping_after_idle = float(config["DB_PING_AFTER_IDLE_SECONDS"])

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:
        if has_request_context() and not record.info.get("serves_requests"):
            # Opened by a migration or a script in this process: without the request
            # timeouts. The pool replaces it with one opened now.
            raise sa_exc.DisconnectionError("opened outside a request")
        dbapi_connection.answer_timeout = allowance  # for the ping: a live server answers at once
        _checkout_live(engine, dbapi_connection, record, ping_after_idle)
        dbapi_connection.answer_timeout = answer if record.info.get("serves_requests") else None

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()


def _checkout_live(engine: Engine, connection: Any, record: Any, ping_after_idle: float) -> None:
    """Raise DisconnectionError for a pooled connection that is dead; the pool then opens a
    new one (and answers 503 if that fails too).

    A connection checked out for the first time was just opened. A quiet socket on a connection
    used moments ago is taken as alive: a server that went away, or a proxy or firewall that
    cut the link, leaves the socket readable (end of file or an error message), and PostgreSQL
    sends nothing unasked to an idle session otherwise but rare notices, which only cost a ping.
    """
    checked_in_at = record.info.pop("checked_in_at", None)
    if checked_in_at is None:
        return
    idle = time.monotonic() - checked_in_at
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg.Error):  # the socket is already closed
        raise sa_exc.DisconnectionError("connection closed") from None
    if not readable and idle < ping_after_idle:
        return
    try:
        engine.dialect.do_ping(connection)
    except Exception as exc:  # any failure of the ping means: do not use this connection
        raise sa_exc.DisconnectionError(f"ping failed: {exc}") from exc


def init_database_errors(app: Flask) -> None:
    """Answer database outages with 503 on every route. Flask picks the handler registered
    for the closest class, so these win over a handler for Exception."""
    for cls in (
        sa_exc.OperationalError,
        sa_exc.InterfaceError,
        sa_exc.TimeoutError,  # no pooled connection free within DB_POOL_TIMEOUT_SECONDS
        psycopg.OperationalError,  # raised by code that talks to the driver directly
    ):
        app.register_error_handler(cls, _database_error)


def _database_error(exc: Exception):
    verdict = classify(exc)
    if verdict is None:
        # Not ours: Flask answers it as any unhandled error (logged, then the 500 handler,
        # which gets it as InternalServerError.original_exception), as without this handler.
        raise exc
    _rollback()
    if verdict == "conflict":
        error = concurrent_update()
        return jsonify(error.to_dict()), error.status
    log.warning("database unavailable: %s", exc)
    return unavailable_response()


def unavailable_response() -> Response:
    from flask import current_app

    body = DomainError(
        "database_unavailable",
        "数据库暂时无法访问，请稍后重试",
        "The database is not answering at the moment; please try again shortly",
    ).to_dict()
    response = jsonify(body)
    response.status_code = 503
    response.headers["Retry-After"] = str(current_app.config["DB_RETRY_AFTER_SECONDS"])
    return response


def classify(exc: BaseException) -> str | None:
    """ "unavailable", "conflict", or None for an error that is not about the database
    being reachable (a bug or bad data: left to the generic handlers)."""
    if isinstance(exc, sa_exc.TimeoutError):
        return "unavailable"
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return "unavailable"
        exc = exc.orig or exc
    if isinstance(exc, psycopg.Error):
        state = exc.sqlstate
        if state is None:  # raised by the client: refused, timed out, connection lost
            return "unavailable" if isinstance(exc, psycopg.OperationalError) else None
        if state[:2] in _UNAVAILABLE_CLASSES or state == _LOCK_NOT_AVAILABLE:
            return "unavailable"
        if state[:2] == _TRANSACTION_ROLLBACK:
            return "conflict"
        return None
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return "unavailable" if any(m in message for m in _SQLITE_UNAVAILABLE) else None
    return None


def _rollback() -> None:
    """End the request's transaction; on a dead connection the rollback itself may fail."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: drop it with the session
        db.session().invalidate()


def _is_postgresql(url) -> bool:
    return make_url(url).get_backend_name() == "postgresql"
