"""Lifecycle benchmark: the databases and the app it runs on.

PostgreSQL runs on the database --database-url names (created when missing; its public schema
is dropped and re-created by each run); SQLite on a temporary file.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_lifecycle"
PASSWORD = "bench-pass"
# A random key per run (app/auth/secret_key.py refuses short and published keys), shared with
# the worker processes and the gunicorn server through the environment they inherit.
SECRET = os.environ.setdefault("MINQING_BENCH_SECRET", secrets.token_urlsafe(48))


def db_url(kind: str, tmpdir: str, pg_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmpdir}/bench.db"
    return pg_url


def ensure_pg_database(url: str) -> None:
    """Creates the database when missing. An existing one is used as it is: the server's
    maintenance database is only touched to create it."""
    import psycopg
    from sqlalchemy.engine import make_url

    from app.config import database_url

    parsed = make_url(database_url(url))
    if parsed.database == "test":
        sys.exit("refusing the 'test' database: the test suite drops its schema")
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo).close()
        return
    except psycopg.OperationalError:
        pass
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def make_app(url: str):
    from app import create_app
    from app.config import database_url

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": SECRET, "TESTING": False}
    )


def prepare_database(url: str) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app.extensions import db
    from app.seed.city import seed_city

    app = make_app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_city(2026, PASSWORD, by="bench")
        db.session.remove()
        db.engine.dispose()


def departments() -> dict[str, int]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Department

    return dict(db.session.execute(select(Department.code, Department.id)).all())
