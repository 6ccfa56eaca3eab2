from datetime import datetime

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case
from app.scheduler import jobs


def test_overdue_scan_marks_late_cases_once(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 10, 0))  # a Monday
    late = api.create()["id"]
    on_time = api.create()["id"]
    for case_id in (late, on_time):
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(on_time, "sign", "urban_handler")
    # Past the sign-for limit (4 working hours for a normal help request), within handling.
    clock.advance(hours=5)

    assert jobs.mark_overdue(app) == 1
    assert jobs.mark_overdue(app) == 0  # idempotent

    db.session.expire_all()
    flags = dict(db.session.execute(select(Case.id, Case.overdue)).all())
    assert flags == {late: True, on_time: False}
    assert api.get(late)["status"]["zh"] == "逾期未办理"
    assert api.get(on_time)["status"]["zh"] == "正在办理"
    listed = api.client.get("/api/v1/cases?overdue=true", headers=api.auth("dispatcher")).get_json()
    assert [c["id"] for c in listed["items"]] == [late]
