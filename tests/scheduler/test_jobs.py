from datetime import datetime

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case, CaseDepartment
from app.scheduler import jobs


def _flags() -> dict[int, bool]:
    db.session.expire_all()
    return dict(db.session.execute(select(Case.id, Case.overdue)).all())


def _listed_overdue(api) -> set[int]:
    body = api.client.get("/api/v1/cases?overdue=true", headers=api.auth("dispatcher")).get_json()
    return {c["id"] for c in body["items"]}


def _to_handling(api, dept, case_id: int) -> None:
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")


def test_overdue_scan_flags_missed_handling_deadlines_once(app, api, dept):
    clock.freeze(datetime(2026, 3, 2, 10, 0))  # a Monday; handling due Monday 9 March 10:00
    late = api.create()["id"]
    _to_handling(api, dept, late)
    clock.freeze(datetime(2026, 3, 4, 10, 0))  # due Wednesday 11 March 10:00
    on_time = api.create()["id"]
    _to_handling(api, dept, on_time)
    clock.freeze(datetime(2026, 3, 9, 9, 0))  # sign-for due 13:00 the same day
    unsigned = api.create()["id"]
    api.act(unsigned, "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(datetime(2026, 3, 10, 9, 0))

    assert jobs.mark_overdue(app) == 1
    assert jobs.mark_overdue(app) == 0  # idempotent
    assert _flags() == {late: True, on_time: False, unsigned: False}
    copies = db.session.execute(select(CaseDepartment.case_id, CaseDepartment.overdue)).all()
    assert {c for c, flag in copies if flag} == {late}

    # A missed sign-for deadline is overdue while it runs, flagged or not.
    assert api.get(late)["status"]["zh"] == "逾期正在办理"
    assert api.get(on_time)["status"]["zh"] == "正在办理"
    assert api.get(unsigned)["status"]["zh"] == "逾期未办理"
    assert _listed_overdue(api) == {late, unsigned}

    # Signed for late: judged by the handling deadline from then on; the event keeps the delay.
    body = api.act(unsigned, "sign", "urban_handler")
    assert body["status"]["zh"] == "正在办理"
    assert body["timeline"][-1]["data"]["on_time"] is False
    assert _listed_overdue(api) == {late}


def test_a_step_flags_what_the_scan_would_have(app, api, dept):
    """The flag does not depend on whether the scan ran before the step that stops the clock."""
    bodies = {}
    for scan_first in (True, False):
        clock.freeze(datetime(2026, 3, 2, 10, 0))
        case_id = api.create()["id"]
        _to_handling(api, dept, case_id)
        clock.freeze(datetime(2026, 3, 9, 10, 1))  # a minute past the handling deadline
        if scan_first:
            assert jobs.mark_overdue(app) == 1
        api.act(case_id, "return_request", "urban_handler", reason_code="not_our_remit")
        bodies[scan_first] = api.get(case_id)
        assert _flags()[case_id] is True
    assert bodies[True]["status"] == bodies[False]["status"]
    assert bodies[False]["status"]["zh"] == "逾期正在办理"  # paused, but it missed the deadline
