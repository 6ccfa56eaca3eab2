"""Minqing 12345: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import clock, database, timefmt
from app.auth import secret_key
from app.config import Config
from app.deadlines import rules
from app.extensions import db, init_limiter, migrate


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    clock.configure(app.config)  # a clock file only for tests and the demo, never production
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SECRET_KEY"] = secret_key.resolve(app.config, app.instance_path)
    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask's documented way to wrap its WSGI callable (the attribute shadows the method).
        proxied = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = proxied  # type: ignore[method-assign]
    init_limiter(app)
    rules.check(app.config)  # a deadline rule that does not parse stops the start
    timefmt.zone(app.config["TIMEZONE"])  # an unknown zone fails here, not on the first answer

    from app import models  # noqa: F401  (register tables with the metadata)

    database.configure(app)  # engine options from the DB_* settings, before the engine exists
    db.init_app(app)
    database.init_app(app)  # request timeouts on the connections, 503 database_unavailable
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)

    from app.api import init_api
    from app.auth.cli import bp as users_cli
    from app.cases.cli import bp as cases_cli
    from app.pages import init_pages
    from app.processes.cli import bp as processes_cli
    from app.reports.cli import bp as reports_cli
    from app.scheduler.cli import bp as scheduler_cli
    from app.security_headers import init_security_headers
    from app.seed.cli import bp as seed_cli
    from app.serve import bp as serve_cli
    from app.telephony.cli import bp as telephony_cli

    init_api(app)
    init_pages(app)
    init_security_headers(app)
    app.register_blueprint(processes_cli)
    app.register_blueprint(seed_cli)
    app.register_blueprint(cases_cli)
    app.register_blueprint(reports_cli)
    app.register_blueprint(scheduler_cli)
    app.register_blueprint(serve_cli)
    app.register_blueprint(users_cli)
    app.register_blueprint(telephony_cli)
    return app


def _tune_sqlite(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers work while one writer commits; the busy timeout queues writers.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
