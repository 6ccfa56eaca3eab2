"""The settings in effect, read-only, each with the environment variable that sets it.

They are deployment settings (app/config.py), read once when a worker starts: every gunicorn
worker and the scheduler must agree on them, and a rule such as the number of returns allowed
must not change under a case in the middle of its round, so they are changed where the
deployment is configured, and take effect at the next restart, not here."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from app.pages.admin.common import bp

# (group, [(config key, environment variable, what it is)])
SETTINGS = [
    (
        _l("Hotline rules"),
        [
            ("MAX_RETURNS_PER_CASE", "MINQING_MAX_RETURNS", _l("Returns allowed per case")),
            ("MAX_EXTENSIONS_PER_CASE", "MINQING_MAX_EXTENSIONS", _l("Extensions per case")),
            (
                "MAX_EXTENSION_DAYS",
                "MINQING_MAX_EXTENSION_DAYS",
                _l("Longest extension (working days)"),
            ),
            ("MAX_REVISIT_TRIES", "MINQING_MAX_REVISIT_TRIES", _l("Revisit calls before closing")),
            (
                "HANDLING_CLOCK_STARTS_AT",
                "MINQING_HANDLING_CLOCK_STARTS_AT",
                _l("Handling clock starts at (sign or dispatch)"),
            ),
            (
                "PAUSE_CLOCK_WHILE_DECIDING",
                "MINQING_PAUSE_CLOCK",
                _l("Clock paused while a request awaits a decision"),
            ),
        ],
    ),
    (
        _l("Working hours"),
        [
            ("WORKDAY_START", "MINQING_WORKDAY_START", _l("Working day starts")),
            ("WORKDAY_END", "MINQING_WORKDAY_END", _l("Working day ends")),
            ("TIMEZONE", "MINQING_TIMEZONE", _l("Time zone")),
        ],
    ),
    (
        _l("Sessions and logins"),
        [
            (
                "PAGE_IDLE_TIMEOUT_MINUTES",
                "MINQING_PAGE_IDLE_TIMEOUT_MINUTES",
                _l("Idle minutes before a page session ends"),
            ),
            ("TOKEN_MAX_AGE_SECONDS", "", _l("API token lifetime (seconds)")),
            (
                "LOGIN_LIMIT_PER_ACCOUNT",
                "MINQING_LOGIN_LIMIT_PER_ACCOUNT",
                _l("Failed logins allowed per username"),
            ),
            (
                "LOGIN_LIMIT_PER_IP",
                "MINQING_LOGIN_LIMIT_PER_IP",
                _l("Failed logins allowed per client address"),
            ),
            (
                "SESSION_COOKIE_SECURE",
                "MINQING_SESSION_COOKIE_SECURE",
                _l("Session cookie always Secure"),
            ),
            (
                "PROXY_FIX_X_FOR",
                "MINQING_PROXY_FIX_X_FOR",
                _l("Trusted proxies in front (X-Forwarded-For)"),
            ),
        ],
    ),
    (
        _l("Requests and diagrams"),
        [
            (
                "MAX_CONTENT_LENGTH",
                "MINQING_MAX_CONTENT_LENGTH",
                _l("Largest request body (bytes)"),
            ),
            (
                "PROCESS_FILE_MAX_BYTES",
                "MINQING_PROCESS_FILE_MAX_BYTES",
                _l("Largest .bpmn file (bytes)"),
            ),
            (
                "SCRIPT_TIME_LIMIT_SECONDS",
                "MINQING_SCRIPT_TIME_LIMIT",
                _l("Time a diagram's script may run (seconds)"),
            ),
            (
                "SCRIPT_MEMORY_LIMIT_MB",
                "MINQING_SCRIPT_MEMORY_LIMIT_MB",
                _l("Memory a diagram's script may use (MB)"),
            ),
        ],
    ),
    (
        _l("Database"),
        [
            (
                "DB_STATEMENT_TIMEOUT_MS",
                "MINQING_DB_STATEMENT_TIMEOUT_MS",
                _l("Statement timeout of a request (ms)"),
            ),
            (
                "DB_CONNECT_TIMEOUT_SECONDS",
                "MINQING_DB_CONNECT_TIMEOUT_SECONDS",
                _l("Connect timeout (seconds)"),
            ),
            (
                "DB_POOL_TIMEOUT_SECONDS",
                "MINQING_DB_POOL_TIMEOUT_SECONDS",
                _l("Wait for a pooled connection (seconds)"),
            ),
        ],
    ),
]


@bp.get("/settings")
def settings():
    config = current_app.config
    groups = [
        (title, [(key, env, label, config.get(key)) for key, env, label in rows])
        for title, rows in SETTINGS
    ]
    return render_template("pages/admin/settings.html", groups=groups)
