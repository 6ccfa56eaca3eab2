"""Flask extensions, created unbound and attached in the app factory."""

from typing import TYPE_CHECKING, ClassVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every model maps one Table (no mapping to a join or a select): the statements built
    # on `Model.__table__` are typed as a table's.
    __table__: ClassVar[Table]


# Objects stay readable after a commit: a step commits and then answers from the same rows
# (case, open tasks, the caller), so expiring them would reload each with another query.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
if TYPE_CHECKING:
    # db.Model is a class Flask-SQLAlchemy builds at run time on Base, which mypy cannot
    # follow; the models subclass this name so that their columns are typed.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
api = Api()


_LIMITER = "minqing.limiter"


class ConfigurationError(RuntimeError):
    """The app cannot start with these settings."""


def init_limiter(app: Flask) -> Limiter:
    """Flask-Limiter, configured by the RATELIMIT_* settings, one per app.

    Unlike the extensions above it is not a module-level object: a Limiter keeps its storage
    on itself, so one shared by every app a process creates (tests, benchmarks) would count
    each app's attempts in the last app's storage.
    """
    storage = app.config["RATELIMIT_STORAGE_URI"]
    if app.config["ENVIRONMENT"] == "production" and storage.startswith("memory"):
        raise ConfigurationError(
            "MINQING_RATELIMIT_STORAGE is memory://: each gunicorn worker would keep its own "
            "count of login attempts. Set it to a shared store, e.g. redis://127.0.0.1:6379."
        )
    limiter = Limiter(get_remote_address)
    # No route carries a Flask-Limiter decorator: the login rule (app/auth/login.py) calls the
    # limiter's strategy itself. Its per-request hooks would only cost time (a fifth of the
    # cheapest API answer), and init_app adds them only for a limiter not yet listed here.
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    app.extensions[_LIMITER] = limiter
    return limiter


def limiter() -> Limiter:
    """The current app's Flask-Limiter."""
    return current_app.extensions[_LIMITER]
