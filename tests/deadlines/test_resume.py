"""A paused handling clock resumes on the due time it had: through the API, as a department
and the city centre see it.

While a return, extension or joint-handling request awaits a decision the handling clock stops;
when the decision is taken, the due time moves by the working time the decision took. A case
signed outside working hours is due at the start of a working day; a decision taken at once
must leave it there, not at 17:00 of the working day before (the same working time, the wrong
wall time). Seeded 2026 calendar: National Day holiday Thu 1 - Wed 7 Oct, make-up working days
Sun 20 Sep and Sat 10 Oct. A "help" case has 5 working days to be handled.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.clock import clock
from tests.cases.test_paths import when

MON_EVENING = datetime(2026, 3, 2, 18, 0)
# Signed Monday 18:00: the clock starts Tuesday 09:00; 5 working days later.
DUE = datetime(2026, 3, 10, 9, 0)


def handling(api, dept, signed_at: datetime) -> tuple[int, dict]:
    clock.freeze(signed_at)
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    return case_id, api.act(case_id, "sign", "urban_handler")


def dues(body: dict) -> tuple[datetime | None, list[datetime | None]]:
    return when(body["handle_due_at"]), [when(t["due_at"]) for t in body["open_tasks"]]


REQUESTS = [
    pytest.param("return_request", {"reason_code": "not_our_remit"}, "reject_return", id="return"),
    pytest.param(
        "extension_request", {"days": 2, "reason": "需协调"}, "deny_extension", id="extension"
    ),
    pytest.param("joint_request", {"reason": "涉及小区"}, "reject_joint", id="joint-rejected"),
    pytest.param("joint_request", {"reason": "涉及小区"}, "approve_joint", id="joint-approved"),
]


@pytest.mark.parametrize(("request_action", "data", "decision"), REQUESTS)
def test_decided_at_once_after_signing_out_of_hours_keeps_the_due_time(
    api, dept, request_action, data, decision
):
    case_id, body = handling(api, dept, MON_EVENING)
    assert when(body["handle_due_at"]) == DUE
    if request_action == "joint_request":
        data = {**data, "co_department_ids": [dept("housing")]}
    api.act(case_id, request_action, "urban_handler", **data)
    body = api.act(case_id, decision, "dispatcher")
    # Back with the department (or its co-department): due Tuesday 09:00, as before.
    assert dues(body) == (DUE, [DUE])


def test_extension_approved_at_once_after_signing_out_of_hours(api, dept):
    case_id, _ = handling(api, dept, MON_EVENING)
    api.act(case_id, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    body = api.act(case_id, "approve_extension", "dispatcher")
    assert dues(body) == (datetime(2026, 3, 12, 9, 0), [datetime(2026, 3, 12, 9, 0)])


def test_decided_at_once_over_national_day_and_make_up_saturday(api, dept):
    # Signed Wednesday 30 Sep 18:00: the clock starts Thu 8 Oct 09:00; 5 working days:
    # Fri 9, Sat 10 (make-up), Mon 12, Tue 13, Wed 14 Oct.
    case_id, body = handling(api, dept, datetime(2026, 9, 30, 18, 0))
    due = datetime(2026, 10, 14, 9, 0)
    assert when(body["handle_due_at"]) == due
    clock.freeze(datetime(2026, 10, 3, 11, 0))  # asked and decided during the holiday
    api.act(case_id, "return_request", "urban_handler", reason_code="insufficient_info")
    body = api.act(case_id, "reject_return", "dispatcher")
    assert dues(body) == (due, [due])


def test_a_decision_taking_one_working_day_moves_a_day_start_due_by_one_day(api, dept):
    case_id, _ = handling(api, dept, datetime(2026, 9, 30, 18, 0))  # due Wed 14 Oct 09:00
    clock.freeze(datetime(2026, 10, 9, 9, 0))  # Friday 09:00
    api.act(case_id, "extension_request", "urban_handler", days=1, reason="需协调")
    clock.freeze(datetime(2026, 10, 10, 9, 0))  # decided a working day later (make-up Sat)
    body = api.act(case_id, "deny_extension", "dispatcher")
    assert dues(body) == (datetime(2026, 10, 15, 9, 0), [datetime(2026, 10, 15, 9, 0)])


def test_a_due_at_the_end_of_a_day_stays_at_the_end_of_a_day(api, dept):
    # Signed Monday 13:00: due Monday 9 March 13:00. A return request decided 4 working hours
    # later moves it to 17:00; an extension of 2 working days then gives Wednesday 17:00.
    case_id, body = handling(api, dept, datetime(2026, 3, 2, 13, 0))
    assert when(body["handle_due_at"]) == datetime(2026, 3, 9, 13, 0)
    api.act(case_id, "return_request", "urban_handler", reason_code="insufficient_info")
    clock.freeze(datetime(2026, 3, 2, 17, 0))
    body = api.act(case_id, "reject_return", "dispatcher")
    assert dues(body) == (datetime(2026, 3, 9, 17, 0), [datetime(2026, 3, 9, 17, 0)])

    clock.freeze(datetime(2026, 3, 3, 10, 0))
    api.act(case_id, "extension_request", "urban_handler", days=2, reason="需协调")
    body = api.act(case_id, "deny_extension", "dispatcher")  # at once: unchanged
    assert when(body["handle_due_at"]) == datetime(2026, 3, 9, 17, 0)
    api.act(case_id, "extension_request", "urban_handler", days=2, reason="需协调")
    body = api.act(case_id, "approve_extension", "dispatcher")
    assert dues(body) == (datetime(2026, 3, 11, 17, 0), [datetime(2026, 3, 11, 17, 0)])
