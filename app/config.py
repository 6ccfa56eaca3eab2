"""Configuration read from the environment; one class, overridable per app instance."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def database_url(url: str) -> str:
    """psycopg 3 is the PostgreSQL driver we ship; accept the plain postgresql:// form too."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    # "production" refuses to start without a configured secret key or with memory:// rate-limit
    # storage; anything else is a development installation (see app/auth/secret_key.py).
    ENVIRONMENT = os.environ.get("MINQING_ENV", "development")
    # No default: app/auth/secret_key.py falls back to instance/secret_key.
    SECRET_KEY = os.environ.get("MINQING_SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'minqing.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PROCESSES_DIR = str(ROOT / "processes")
    FORMS_DIR = str(ROOT / "forms")
    # Report definitions (app/reports/definitions.py): one TOML file per report.
    REPORTS_DIR = str(ROOT / "reports")
    # Telephony's service level: the share of calls answered within this many seconds.
    SERVICE_LEVEL_SECONDS = 20
    MAIN_PROCESS = "hotline_case"

    # flask-smorest / OpenAPI
    API_TITLE = "Minqing 12345 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    TOKEN_MAX_AGE_SECONDS = 12 * 3600

    # When the database is slow or down (app/database.py; PostgreSQL): a request gets a 503
    # `database_unavailable` with Retry-After within seconds, well inside gunicorn's 30 s.
    DB_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("MINQING_DB_CONNECT_TIMEOUT_SECONDS", "5"))
    # A pooled connection idle longer than this is pinged before use; one used more recently
    # only when its socket says the server closed it (no round trip on a busy server's steps).
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("MINQING_DB_PING_AFTER_IDLE_SECONDS", "10"))
    # The slowest statement a request runs is a capped list count, tens of milliseconds on a
    # million cases; 10 s is far past that and still leaves a request, with the connect
    # allowance on top, under the worker timeout. 0 turns it off.
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("MINQING_DB_STATEMENT_TIMEOUT_MS", "10000"))
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(
        os.environ.get("MINQING_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "60000")
    )
    # SQLAlchemy's default, 30 s, is the worker timeout itself.
    DB_POOL_TIMEOUT_SECONDS = int(os.environ.get("MINQING_DB_POOL_TIMEOUT_SECONDS", "5"))
    DB_RETRY_AFTER_SECONDS = int(os.environ.get("MINQING_DB_RETRY_AFTER_SECONDS", "5"))

    # Failed logins allowed per username and per client address (app/auth/login.py), counted in
    # RATELIMIT_STORAGE_URI: memory:// is per process, so production (several gunicorn workers)
    # needs a shared store, e.g. redis://127.0.0.1:6379.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("MINQING_LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    LOGIN_LIMIT_PER_IP = os.environ.get("MINQING_LOGIN_LIMIT_PER_IP", "30 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("MINQING_RATELIMIT_STORAGE", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("MINQING_RATELIMIT_PREFIX", "minqing")
    # A moving window: a fixed one would let a guesser spend two windows' worth at a boundary.
    RATELIMIT_STRATEGY = "moving-window"
    # Proxies in front of the app whose X-Forwarded-For is trusted for the client address
    # (werkzeug ProxyFix); 0 trusts none, so a client cannot choose its own address.
    PROXY_FIX_X_FOR = int(os.environ.get("MINQING_PROXY_FIX_X_FOR", "0"))

    # Requests: a body over this many bytes is refused with 413 before it is read.
    MAX_CONTENT_LENGTH = int(os.environ.get("MINQING_MAX_CONTENT_LENGTH", str(1024 * 1024)))
    # JSON bodies nested deeper than this are refused (no form needs more than a few levels).
    JSON_MAX_DEPTH = int(os.environ.get("MINQING_JSON_MAX_DEPTH", "32"))
    # The zone of the naive local times the database stores; datetimes go out with its offset.
    TIMEZONE = os.environ.get("MINQING_TIMEZONE", "Asia/Shanghai")

    # Pages (app/pages): a signed-in session ends after this many minutes without a request.
    PAGE_IDLE_TIMEOUT_MINUTES = int(os.environ.get("MINQING_PAGE_IDLE_TIMEOUT_MINUTES", "30"))
    # The session cookie is Secure on requests that came over TLS; 1 makes it Secure always
    # (behind a TLS-terminating proxy that does not say so in X-Forwarded-Proto).
    SESSION_COOKIE_SECURE = os.environ.get("MINQING_SESSION_COOKIE_SECURE", "0") == "1"
    # The combined query's exports (CSV, XLSX) hold at most this many cases; a larger result
    # is refused with a message to narrow the filters (app/cases/export.py).
    EXPORT_MAX_ROWS = int(os.environ.get("MINQING_EXPORT_MAX_ROWS", "200000"))
    # 1: every page answer says how long the server took, `Server-Timing: app;dur=<ms>` (the
    # page benchmark reads it, bench/pages.py). Off by default: it tells anyone how long.
    SERVER_TIMING = os.environ.get("MINQING_SERVER_TIMING", "0") == "1"
    # Chinese first, English second; a user picks theirs on any page.
    LANGUAGES = ("zh_CN", "en")
    BABEL_DEFAULT_LOCALE = "zh_CN"

    # Hotline rules (settings a city tunes).
    MAX_RETURNS_PER_CASE = int(os.environ.get("MINQING_MAX_RETURNS", "2"))
    MAX_EXTENSIONS_PER_CASE = int(os.environ.get("MINQING_MAX_EXTENSIONS", "1"))
    MAX_EXTENSION_DAYS = int(os.environ.get("MINQING_MAX_EXTENSION_DAYS", "15"))
    MAX_REVISIT_TRIES = int(os.environ.get("MINQING_MAX_REVISIT_TRIES", "3"))
    # "dispatch": the handling clock starts when the city centre first transfers the case;
    # "sign": it starts when the handling department signs for it.
    HANDLING_CLOCK_STARTS_AT = os.environ.get("MINQING_HANDLING_CLOCK_STARTS_AT", "sign")
    # Whether the handling clock stops while a return or extension request awaits a decision.
    PAUSE_CLOCK_WHILE_DECIDING = os.environ.get("MINQING_PAUSE_CLOCK", "1") == "1"
    # Deadline warnings (预警; app/deadlines/standing.py, the one rule the inbox's countdown and
    # the warnings share): a running deadline is a warning in the last FRACTION of its clock's
    # limit, but no earlier than WORKING_HOURS of working time before it (a 4 h sign-for limit
    # turns amber in its last hour, a 10-day handling limit on its last working day).
    DEADLINE_WARNING_FRACTION = float(os.environ.get("MINQING_DEADLINE_WARNING_FRACTION", "0.25"))
    DEADLINE_WARNING_WORKING_HOURS = float(
        os.environ.get("MINQING_DEADLINE_WARNING_WORKING_HOURS", "8")
    )
    # Per-clock warning rules and escalation thresholds (app/deadlines/rules.py says how to
    # write them): a clock not named in the warning rules uses the two settings above.
    DEADLINE_WARNING_RULES = os.environ.get("MINQING_DEADLINE_WARNING_RULES", "")
    # Escalated (逾期升级: the upper department and the oversight office hear of it, the case
    # is urged automatically) this much working time past the deadline.
    ESCALATION_RULES = os.environ.get("MINQING_ESCALATION_RULES", "sign=1d, decision=1d, handle=2d")
    # The scheduler (app/scheduler): seconds between its scans, how long a lease (SQLite)
    # lasts without renewal, and when each department's daily digest goes out.
    SCHEDULER_LEASE_SECONDS = float(os.environ.get("MINQING_SCHEDULER_LEASE_SECONDS", "30"))
    SCHEDULER_POLL_SECONDS = float(os.environ.get("MINQING_SCHEDULER_POLL_SECONDS", "10"))
    SCHEDULER_CHUNK = int(os.environ.get("MINQING_SCHEDULER_CHUNK", "1000"))
    DIGEST_AT = os.environ.get("MINQING_DIGEST_AT", "08:30")
    # The clock set from outside the process, for tests and the demo only (app/clock.py).
    CLOCK_FILE = os.environ.get("MINQING_CLOCK_FILE", "")
    DEMO_CLOCK = os.environ.get("MINQING_DEMO_CLOCK", "0") == "1"
    WORKDAY_START = os.environ.get("MINQING_WORKDAY_START", "09:00")
    WORKDAY_END = os.environ.get("MINQING_WORKDAY_END", "17:00")

    # The sandbox a diagram's code runs in (see README "What a diagram's script may do").
    # Wall-clock time one script or condition may run before it is stopped.
    SCRIPT_TIME_LIMIT_SECONDS = float(os.environ.get("MINQING_SCRIPT_TIME_LIMIT", "1.0"))
    # How much a worker may grow while one script runs. Routing scripts need kilobytes; 64 MB
    # is four orders of magnitude above that and keeps a ~150 MB worker far from the memory
    # ceiling of a small container even when the one value being built overshoots (a single
    # value is capped at 1/64 of this, see app/engine/limits.py).
    SCRIPT_MEMORY_LIMIT_MB = float(os.environ.get("MINQING_SCRIPT_MEMORY_LIMIT_MB", "64"))
    # A .bpmn file larger than this is refused at validate and deploy.
    PROCESS_FILE_MAX_BYTES = int(os.environ.get("MINQING_PROCESS_FILE_MAX_BYTES", str(2**20)))

    # Attachments (app/attachments): the folder the files are kept in (empty: instance/
    # attachments, beside the database of an embedded installation), and their limits.
    ATTACHMENTS_DIR = os.environ.get("MINQING_ATTACHMENTS_DIR", "")
    ATTACHMENT_MAX_BYTES = int(os.environ.get("MINQING_ATTACHMENT_MAX_BYTES", str(10 * 2**20)))
    ATTACHMENTS_MAX_PER_CASE = int(os.environ.get("MINQING_ATTACHMENTS_MAX_PER_CASE", "20"))
    # Files one upload (a form or an API request) may carry; its body may be this many times
    # ATTACHMENT_MAX_BYTES (plus the form's fields), where every other request stops at
    # MAX_CONTENT_LENGTH.
    ATTACHMENTS_PER_UPLOAD = int(os.environ.get("MINQING_ATTACHMENTS_PER_UPLOAD", "5"))
    # The types accepted, as read from the file's bytes (comma-separated MIME types): photos,
    # PDF, office documents, and recordings (voicemail). Names as the `filetype` library
    # reports them.
    ATTACHMENT_TYPES = tuple(
        t.strip()
        for t in os.environ.get(
            "MINQING_ATTACHMENT_TYPES",
            "image/jpeg,image/png,image/gif,image/webp,application/pdf,"
            "application/msword,application/vnd.ms-excel,application/vnd.ms-powerpoint,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
            "application/vnd.openxmlformats-officedocument.presentationml.presentation,"
            "application/vnd.oasis.opendocument.text,application/vnd.oasis.opendocument.spreadsheet,"
            "audio/mpeg,audio/x-wav,audio/amr,audio/ogg,audio/mp4",
        ).split(",")
        if t.strip()
    )
    # A reply's author may add files to it this long after replying (over the API, which
    # replies with JSON and uploads in a second request).
    ATTACHMENT_REPLY_WINDOW_MINUTES = int(
        os.environ.get("MINQING_ATTACHMENT_REPLY_WINDOW_MINUTES", "30")
    )

    # The message centre (app/notifications). The live feed: on SQLite (no LISTEN/NOTIFY) each
    # process polls the notification table this often for the users it holds pages open for.
    NOTIFY_POLL_SECONDS = float(os.environ.get("MINQING_NOTIFY_POLL_SECONDS", "2"))
    # A stream says something this often when there is no news (a comment line), so that
    # proxies keep it open; it ends after SSE_MAX_SECONDS and the page reconnects with
    # Last-Event-ID (a restart or a deploy then never waits on a stream for long).
    SSE_HEARTBEAT_SECONDS = float(os.environ.get("MINQING_SSE_HEARTBEAT_SECONDS", "15"))
    SSE_MAX_SECONDS = float(os.environ.get("MINQING_SSE_MAX_SECONDS", "300"))
    # The wallboard (大屏, app/wallboard): each process recomputes the board this often while
    # one is open, for all of its open boards.
    WALLBOARD_SECONDS = float(os.environ.get("MINQING_WALLBOARD_SECONDS", "5"))
    # Delivery (app/notifications/delivery): e-mail over SMTP, SMS over an HTTP gateway.
    # Empty SMTP_HOST or SMS_GATEWAY_URL: that channel is not set up (its deliveries fail with
    # that message, visible to the administrator, and are retried).
    SMTP_HOST = os.environ.get("MINQING_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("MINQING_SMTP_PORT", "25"))
    SMTP_FROM = os.environ.get("MINQING_SMTP_FROM", "12345@localhost")
    SMTP_USER = os.environ.get("MINQING_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("MINQING_SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("MINQING_SMTP_STARTTLS", "0") == "1"
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("MINQING_SMTP_TIMEOUT_SECONDS", "10"))
    # The gateway gets a JSON POST {"to": mobile, "text": ...} with "Authorization: Bearer
    # <token>"; any 2xx is sent.
    SMS_GATEWAY_URL = os.environ.get("MINQING_SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("MINQING_SMS_GATEWAY_TOKEN", "")
    SMS_TIMEOUT_SECONDS = float(os.environ.get("MINQING_SMS_TIMEOUT_SECONDS", "10"))
    # A failed delivery is tried again after DELIVERY_BACKOFF_SECONDS, doubling each time (1,
    # 2, 4, ... minutes, at most DELIVERY_BACKOFF_MAX_SECONDS apart), DELIVERY_MAX_ATTEMPTS
    # times in all; then it is "failed" until the administrator sends it again.
    DELIVERY_BACKOFF_SECONDS = float(os.environ.get("MINQING_DELIVERY_BACKOFF_SECONDS", "60"))
    DELIVERY_BACKOFF_MAX_SECONDS = float(
        os.environ.get("MINQING_DELIVERY_BACKOFF_MAX_SECONDS", "3600")
    )
    DELIVERY_MAX_ATTEMPTS = int(os.environ.get("MINQING_DELIVERY_MAX_ATTEMPTS", "8"))
    DELIVERY_BATCH = int(os.environ.get("MINQING_DELIVERY_BATCH", "100"))

    # Reports' PDFs (app/reports/pdf.py): the charts are drawn by ECharts in Node (empty
    # NODE_BINARY: `node` on PATH, the nodejs system package), given this long per report.
    NODE_BINARY = os.environ.get("MINQING_NODE_BINARY", "")
    CHART_RENDER_TIMEOUT_SECONDS = float(os.environ.get("MINQING_CHART_RENDER_TIMEOUT", "60"))
    # The monthly department reports the scheduler stores (app/reports/monthly.py): their
    # folder (empty: instance/reports, beside the database of an embedded installation).
    MONTHLY_REPORTS_DIR = os.environ.get("MINQING_MONTHLY_REPORTS_DIR", "")
    # How many one pass of the scheduler draws (a few seconds each); the next pass goes on.
    MONTHLY_REPORTS_PER_RUN = int(os.environ.get("MINQING_MONTHLY_REPORTS_PER_RUN", "10"))
