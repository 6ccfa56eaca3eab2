"""Shared fixtures: an app on SQLite (default) or on PostgreSQL when TEST_DATABASE_URL is set,
migrated with the real Alembic migrations and seeded with a small city."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, make_url, select, text

from app import create_app
from app.cases import workflow_cache
from app.clock import clock
from app.config import database_url
from app.deadlines import service as deadlines
from app.extensions import db
from app.models import (
    AgentState,
    Announcement,
    Attachment,
    AuditLog,
    BlacklistEntry,
    CallCommand,
    CallRecord,
    CallRecording,
    Case,
    CaseContact,
    CaseDepartment,
    CaseEvent,
    CaseNumberCounter,
    DeadlineMark,
    Delivery,
    Department,
    Instruction,
    InstructionRead,
    IvrMenuVersion,
    JobRun,
    LadderRule,
    LadderStep,
    MonthlyReport,
    Notification,
    OpenTask,
    PhoneExtension,
    SavedReport,
    SchedulerLease,
    SkillGroup,
    SkillGroupMember,
    StatusQueryFailure,
    SupervisionOrder,
    User,
    WorkflowInstance,
)
from app.seed.city import seed_city
from tests.browser import (  # noqa: F401  the browser fixtures, for every package
    PASSWORD,
    browser,
    desk,
    live_server,
    page,
    sign_in,
)

# Playwright's sync API leaves an event loop running in the thread that started the browser,
# after which asyncio cannot run there: the tests that use the browser run after all others
# (the simulated Asterisk's and the bridge's tests run asyncio in the main thread).
BROWSER_FIXTURES = frozenset({"browser", "page", "desk", "sign_in"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: bool(BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))))


CASE_TABLES = (
    SavedReport,  # custom reports (app/reports/custom.py)
    AgentState,  # telephony: states point at calls, calls at cases
    CallRecording,
    CallCommand,
    StatusQueryFailure,
    BlacklistEntry,
    IvrMenuVersion,
    PhoneExtension,
    CallRecord,
    SkillGroupMember,
    SkillGroup,
    DeadlineMark,  # the scheduler's rows
    JobRun,
    SchedulerLease,
    MonthlyReport,  # the reports' stored monthly PDFs
    AuditLog,  # exports and administration write here
    InstructionRead,  # the oversight office's and leaders' rows on cases
    Instruction,
    SupervisionOrder,
    LadderStep,
    LadderRule,
    Delivery,
    Announcement,
    Notification,
    CaseContact,
    Attachment,
    CaseEvent,
    OpenTask,
    CaseDepartment,
    WorkflowInstance,
    Case,
    CaseNumberCounter,
)


def _database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return database_url(url) if url else f"sqlite:///{tmp / 'test.db'}"


def check_may_drop(url: str) -> None:
    """The suite drops the schema of TEST_DATABASE_URL: only a database named for tests (or one
    the user has said may go, MINQING_TEST_DB_DROP_OK=1), never production by a slip."""
    name = make_url(url).database or ""
    if name.startswith("test") or os.environ.get("MINQING_TEST_DB_DROP_OK") == "1":
        return
    pytest.exit(
        f"refusing to run: the tests drop every table of TEST_DATABASE_URL's database '{name}'. "
        "Use a database whose name starts with 'test' (CREATE DATABASE test_minqing), or set "
        "MINQING_TEST_DB_DROP_OK=1 if this one may be emptied.",
        returncode=4,
    )


@pytest.fixture(scope="session")
def app():
    with tempfile.TemporaryDirectory() as tmp:
        url = _database_url(Path(tmp))
        # A random key per session: no test may pass because it knows the key.
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "TESTING": True,
                "SECRET_KEY": secrets.token_urlsafe(48),
            }
        )
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                check_may_drop(url)
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            seed_city(2026, PASSWORD, by="tests")
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts with no cases, an unfrozen clock and the default settings."""
    saved = dict(app.config)
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    for model in CASE_TABLES:
        db.session.execute(delete(model))
    db.session.commit()
    # The workflows kept in memory name cases by id, and SQLite gives a deleted case's id to
    # the next test's case: a kept workflow at the same version would pass for the new case's.
    workflow_cache.clear()
    clock.unfreeze()
    deadlines.invalidate()
    app.config.clear()
    app.config.update(saved)
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


_tokens: dict[str, str] = {}


@pytest.fixture
def auth(client):
    """auth("dispatcher") -> headers with a bearer token for that demo user."""

    def headers(username: str) -> dict:
        if username not in _tokens:
            resp = client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert resp.status_code == 200, resp.get_json()
            _tokens[username] = resp.get_json()["access_token"]
        return {"Authorization": f"Bearer {_tokens[username]}"}

    return headers


@pytest.fixture
def dept():
    """dept("east_urban") -> the department's id."""

    def lookup(code: str) -> int:
        return db.session.scalar(select(Department.id).filter_by(code=code))

    return lookup


@pytest.fixture
def user():
    def lookup(username: str) -> User:
        return db.session.scalar(select(User).filter_by(username=username))

    return lookup


def snapshot() -> dict:
    """Every row of every table, to assert that a refused action changed nothing."""
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


@pytest.fixture
def api(client, auth):
    from tests.helpers import Api

    return Api(client, auth)
