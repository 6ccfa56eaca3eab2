"""Minqing 12345: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import timefmt
from app.config import Config
from app.extensions import db, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    timefmt.zone(app.config["TIMEZONE"])  # an unknown zone fails here, not on the first answer

    from app import models  # noqa: F401  (register tables with the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)

    from app.api import init_api
    from app.cases.cli import bp as cases_cli
    from app.processes.cli import bp as processes_cli
    from app.scheduler.cli import bp as scheduler_cli
    from app.security_headers import init_security_headers
    from app.seed.cli import bp as seed_cli

    init_api(app)
    init_security_headers(app)
    app.register_blueprint(processes_cli)
    app.register_blueprint(seed_cli)
    app.register_blueprint(cases_cli)
    app.register_blueprint(scheduler_cli)
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
