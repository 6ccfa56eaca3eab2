"""An administrator's change of the time limits or the calendar, made through one app, is seen
by another app on the same database at its next request or run, as another gunicorn worker or
the scheduler would see it: each keeps its own copy in memory (app/deadlines/reference_cache.py)
and drops it when the settings_version row moved, not after the copy's lifetime."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app import create_app
from app.clock import clock
from app.deadlines import service as deadlines
from app.extensions import db
from app.models import CaseType, Department
from tests.conftest import snapshot
from tests.helpers import Api
from tests.pages.conftest import csrf_of
from tests.pages.test_admin_catalog import limits_form
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")


@pytest.fixture
def other(app):
    """A second app on the session's database, with its own memory, as another process has."""
    second = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],  # the tokens of `auth` are good on both
        }
    )
    yield second
    with second.app_context():
        db.engine.dispose()


@pytest.fixture
def admin(client, page_login):
    page_login("admin")
    return client


def post(client, path: str, data: dict, page: str):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def ids() -> tuple[int, int]:
    complaint = db.session.scalar(select(CaseType.id).filter_by(code="complaint"))
    urban = db.session.scalar(select(Department.id).filter_by(code="urban"))
    return complaint, urban


def handling_due(api: Api, urban: int) -> str:
    case = api.create(case_type="complaint")
    api.act(case["id"], "transfer", "dispatcher", target_department_id=urban)
    return api.act(case["id"], "sign", "urban_handler")["handle_due_at"]


def test_new_limits_set_through_one_app_are_the_other_apps_next_deadline(admin, other, auth):
    complaint, urban = ids()
    theirs = Api(other.test_client(), auth)
    clock.freeze(datetime(2026, 3, 2, 10, 0))  # a Monday
    # The other app has read the limits (10 working days for a normal complaint) and keeps them.
    assert handling_due(theirs, urban).startswith("2026-03-16T10:00")
    page = f"/admin/case-types/{complaint}"
    resp = post(admin, page, limits_form(**{"normal-handle_days": "7"}), page)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert handling_due(theirs, urban).startswith("2026-03-11T10:00")  # its very next request
    # A refused change changes nothing, the settings_version row included.
    before = snapshot()
    resp = post(admin, page, limits_form(**{"normal-handle_days": "0"}), page)
    assert resp.status_code == 422
    assert snapshot() == before
    assert handling_due(theirs, urban).startswith("2026-03-11T10:00")


def test_a_day_off_added_through_one_app_is_in_the_other_apps_next_run(admin, other):
    """Outside a request, as a scheduler job runs (an app context per run), the other app
    looks once per run."""
    day = date(2027, 6, 9)
    with other.app_context():
        assert deadlines.work_calendar().is_working_day(day)
    page = "/admin/holidays?year=2027"
    data = {"day": day.isoformat(), "kind": "holiday", "name": "端午节"}
    assert post(admin, "/admin/holidays/days?year=2027", data, page).status_code == 303
    with other.app_context():
        assert not deadlines.work_calendar().is_working_day(day)
    token = csrf_of(admin.get(page).get_data(as_text=True))
    resp = admin.post(f"/admin/holidays/days/{day}/remove", data={"csrf_token": token})
    assert resp.status_code == 303
    with other.app_context():
        assert deadlines.work_calendar().is_working_day(day)
