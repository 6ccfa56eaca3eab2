"""Every path of the hotline flow, end to end through the HTTP API.

Each test drives a case the way the people at the hotline do (agent, dispatchers, handlers,
revisit staff) and checks what they would notice: the status words, the open tasks and whose
inbox holds them, the actions offered to the caller, the timeline, due dates and counters.

The clock is frozen at Monday 2 March 2026, 10:00 (an ordinary working week) unless a test
moves it. Working hours are 09:00-17:00; the seeded limits for a "help" case at normal
priority are: sign for within 4 working hours, handle within 5 working days, decisions within
8 working hours, revisit within 3 working days ("complaint": 10 working days to handle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Department
from app.timefmt import parse_rfc3339
from tests.conftest import snapshot
from tests.helpers import INTAKE

MON = datetime(2026, 3, 2, 10, 0)
HANDLER_ACTIONS = ["extension_request", "joint_request", "reply", "return_request"]
CO_DEPTS = ("housing", "transport", "ecology")


@pytest.fixture(autouse=True)
def _monday_morning():
    clock.freeze(MON)


def when(value: str | None) -> datetime | None:
    """A datetime from the API: ISO 8601 local time, in lists and case detail alike."""
    return None if value is None else parse_rfc3339(value)


class Hotline:
    """The people of the hotline acting through the API, and what they see."""

    def __init__(self, api, dept):
        self.api, self.client, self.auth, self.dept = api, api.client, api.auth, dept
        self.codes = dict(db.session.execute(select(Department.id, Department.code)).all())

    # -- acting ---------------------------------------------------------------------------

    def new(self, **fields) -> int:
        return self.api.create(**fields)["id"]

    def act(self, case_id: int, action: str, as_user: str, expect: int = 200, **data) -> dict:
        return self.api.act(case_id, action, as_user, expect=expect, **data)

    def transfer(self, case_id, to, by="dispatcher", co=(), expect=200) -> dict:
        data = {"target_department_id": self.dept(to)}
        if co:
            data["co_department_ids"] = [self.dept(c) for c in co]
        return self.act(case_id, "transfer", by, expect=expect, **data)

    def sign(self, case_id, by) -> dict:
        return self.act(case_id, "sign", by)

    def to_handling(self, case_id, dept="urban", co=()) -> dict:
        """City dispatcher transfers to a city department, whose handler signs."""
        self.transfer(case_id, dept, co=co)
        return self.sign(case_id, f"{dept}_handler")

    def reply(self, case_id, dept="urban", text="路灯已修复，已告知市民") -> dict:
        return self.act(case_id, "reply", f"{dept}_handler", text=text, result_code="resolved")

    def co_replies(self, case_id, depts=CO_DEPTS) -> dict:
        for code in depts:
            body = self.act(case_id, "co_reply", f"{code}_handler", text=f"{code} 已配合处理")
        return body

    def revisit(self, case_id, result, **data) -> dict:
        return self.act(case_id, "revisit", "revisit", result=result, **data)

    # -- looking --------------------------------------------------------------------------

    def get(self, case_id, as_user="dispatcher") -> dict:
        return self.api.get(case_id, as_user)

    def inbox(self, as_user) -> list[tuple[int, str]]:
        resp = self.client.get("/api/v1/inbox", headers=self.auth(as_user))
        assert resp.status_code == 200, resp.get_json()
        return [(item["case"]["id"], item["task_name"]) for item in resp.get_json()["items"]]

    def tasks(self, body) -> list[tuple[str, str]]:
        """Open tasks as (task, department code), sorted."""
        return sorted((t["task_name"], self.codes[t["department_id"]]) for t in body["open_tasks"])

    @staticmethod
    def actions(body) -> list[str]:
        return sorted(a["action"] for a in body["allowed_actions"])

    def actions_of(self, case_id, as_user) -> list[str]:
        return self.actions(self.get(case_id, as_user))

    @staticmethod
    def timeline(body) -> list[str]:
        return [e["action"] for e in body["timeline"]]

    @staticmethod
    def words(body) -> str:
        return body["status"]["zh"]


@pytest.fixture
def hl(api, dept):
    return Hotline(api, dept)


def refused(body, code: str) -> None:
    assert body["code"] == code, body
    assert body["message"]["zh"] and body["message"]["en"]


# -- 1. answered at intake ------------------------------------------------------------------


def test_answered_at_intake_closes_at_once_with_its_answer(hl, api):
    created = api.create(answered=True, answer="已告知市民路灯报修电话")
    assert created["created"] is True
    assert created["status"]["zh"] == "办结"

    body = hl.get(created["id"])
    assert hl.words(body) == "办结"
    assert body["status"] == {"status": "closed", "overdue": False, "zh": "办结", "en": "Closed"}
    assert body["answered"] is True
    assert body["answer"] == "已告知市民路灯报修电话"
    assert when(body["closed_at"]) == MON
    assert body["open_tasks"] == []
    assert body["allowed_actions"] == []
    assert body["current_department_id"] is None
    assert body["handle_due_at"] is None
    assert hl.timeline(body) == ["accept", "close"]


def test_answered_at_intake_needs_the_answer(hl, client, auth):
    resp = client.post(
        "/api/v1/cases",
        json={**INTAKE, "answered": True, "answer": "  "},
        headers=auth("agent"),
    )
    assert resp.status_code == 422
    refused(resp.get_json(), "answer_required")


# -- 2. multi-level transfer ----------------------------------------------------------------


def test_city_to_district_to_department_and_back_to_closed(hl, dept):
    case = hl.new()
    body = hl.get(case)
    assert hl.words(body) == "已受理"
    assert hl.tasks(body) == [("dispatch", "city")]
    assert hl.actions(body) == ["transfer"]

    # The city dispatcher sends it to the East district centre.
    body = hl.transfer(case, "east")
    assert hl.words(body) == "已转办未接收"
    assert hl.tasks(body) == [("sign", "east")]
    assert body["current_department_id"] == dept("east")
    assert when(body["sign_due_at"]) == datetime(2026, 3, 2, 14, 0)  # 4 working hours
    assert hl.actions(body) == ["recall"]  # the sender may still recall it
    assert hl.inbox("east_dispatcher") == [(case, "sign")]
    assert hl.actions_of(case, "east_dispatcher") == ["sign"]

    # The district centre signs for it and becomes the dispatcher of its own departments.
    clock.advance(minutes=30)
    body = hl.sign(case, "east_dispatcher")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("forward", "east")]
    assert body["sign_due_at"] is None
    assert hl.actions(body) == ["transfer"]
    assert hl.actions_of(case, "dispatcher") == []  # signed: no recall any more
    assert hl.inbox("east_dispatcher") == [(case, "forward")]

    # A district forwards only to its own departments: not to another district's, nor to a
    # city bureau, nor to another district centre. A refusal changes nothing.
    before = snapshot()
    for target in ("west_urban", "urban", "west"):
        refused(hl.transfer(case, target, by="east_dispatcher", expect=422), "not_a_subordinate")
    assert snapshot() == before

    body = hl.transfer(case, "east_urban", by="east_dispatcher")
    assert hl.words(body) == "已转办未接收"
    assert hl.tasks(body) == [("sign", "east_urban")]
    assert body["open_tasks"][0]["from_department_id"] == dept("east")
    assert when(body["sign_due_at"]) == datetime(2026, 3, 2, 14, 30)
    assert hl.actions(body) == ["recall"]
    assert hl.inbox("east_dispatcher") == []
    assert hl.inbox("east_urban_handler") == [(case, "sign")]

    clock.advance(minutes=30)  # 11:00
    body = hl.sign(case, "east_urban_handler")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "east_urban")]
    assert hl.actions(body) == HANDLER_ACTIONS
    # 5 working days from Monday 11:00: Tue, Wed, Thu, Fri, Mon.
    assert when(body["handle_due_at"]) == datetime(2026, 3, 9, 11, 0)
    assert hl.inbox("east_urban_handler") == [(case, "handle")]

    # Another district sees nothing of it.
    resp = hl.client.get(f"/api/v1/cases/{case}", headers=hl.auth("west_dispatcher"))
    assert resp.status_code == 404

    clock.advance(days=1)  # Tuesday 11:00
    body = hl.reply(case, "east_urban")
    assert hl.words(body) == "已答复待回访"
    assert body["reply_text"] == "路灯已修复，已告知市民"
    assert body["reply_result"] == "resolved"
    assert when(body["replied_at"]) == datetime(2026, 3, 3, 11, 0)
    assert hl.tasks(body) == [("revisit", "city")]
    assert hl.actions(body) == []
    assert when(body["revisit_due_at"]) == datetime(2026, 3, 6, 11, 0)  # 3 working days
    assert hl.actions_of(case, "revisit") == ["revisit"]

    body = hl.revisit(case, "satisfied", resolved=True)
    assert hl.words(body) == "办结"
    assert body["satisfaction"] == "satisfied"
    assert body["open_tasks"] == []
    assert body["allowed_actions"] == []
    assert when(body["closed_at"]) == datetime(2026, 3, 3, 11, 0)
    assert hl.timeline(body) == [
        "accept",
        "transfer",
        "sign",
        "transfer",
        "sign",
        "reply",
        "revisit",
        "close",
    ]
    transfers = [e for e in body["timeline"] if e["action"] == "transfer"]
    assert [e["to_department_id"] for e in transfers] == [dept("east"), dept("east_urban")]
    assert hl.inbox("east_urban_handler") == []


# -- 3. recall ------------------------------------------------------------------------------


def test_recall_before_signing_brings_the_case_back_to_dispatch(hl, dept):
    case = hl.new()
    hl.transfer(case, "urban")
    assert hl.inbox("urban_handler") == [(case, "sign")]

    refused(hl.act(case, "recall", "dispatcher", expect=422), "invalid_form_data")  # no reason
    body = hl.act(case, "recall", "dispatcher", reason="派错单位")
    assert hl.words(body) == "已受理"
    assert hl.tasks(body) == [("dispatch", "city")]
    assert hl.actions(body) == ["transfer"]
    assert body["sign_due_at"] is None
    assert body["current_department_id"] == dept("city")
    assert hl.inbox("urban_handler") == []
    recall = body["timeline"][-1]
    assert recall["action"] == "recall"
    assert recall["comment"] == "派错单位"
    assert recall["to_department_id"] == dept("city")

    # Sent again, to the right department.
    body = hl.transfer(case, "housing")
    assert hl.words(body) == "已转办未接收"
    assert hl.tasks(body) == [("sign", "housing")]
    assert hl.timeline(body) == ["accept", "transfer", "recall", "transfer"]


def test_district_recalls_its_own_forward_before_signing(hl):
    case = hl.new()
    hl.transfer(case, "east")
    hl.sign(case, "east_dispatcher")
    hl.transfer(case, "east_urban", by="east_dispatcher")
    assert hl.actions_of(case, "dispatcher") == []  # only the sender recalls

    body = hl.act(case, "recall", "east_dispatcher", reason="应由街道办理")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("forward", "east")]
    body = hl.transfer(case, "east_street", by="east_dispatcher")
    assert hl.tasks(body) == [("sign", "east_street")]


def test_recall_after_signing_is_refused(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    assert hl.actions_of(case, "dispatcher") == []

    before = snapshot()
    body = hl.act(case, "recall", "dispatcher", expect=409, reason="派错单位")
    assert body["code"] == "action_not_available"
    assert body["message"]["zh"] == "对方已签收或工单不在待签收状态，不能追回"
    assert "already signed" in body["message"]["en"]
    assert body["details"] == {"status_now": "handling"}
    assert snapshot() == before
    body = hl.get(case)
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "urban")]


# -- 4. return ------------------------------------------------------------------------------


def test_return_approved_goes_back_to_city_dispatch(hl):
    case = hl.new()
    hl.to_handling(case, "urban")

    body = hl.act(case, "return_request", "urban_handler", reason_code="not_our_remit")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("approve_return", "city")]
    assert hl.actions(body) == []
    assert hl.actions_of(case, "dispatcher") == ["approve_return", "reject_return"]
    assert hl.inbox("dispatcher") == [(case, "approve_return")]
    assert hl.inbox("urban_handler") == []

    body = hl.act(case, "approve_return", "dispatcher", comment="改派住建局")
    assert hl.words(body) == "已受理"
    assert hl.tasks(body) == [("dispatch", "city")]
    assert body["return_count"] == 1
    assert body["handle_due_at"] is None  # the next department gets a full limit
    assert hl.timeline(body)[-2:] == ["return_request", "approve_return"]

    clock.advance(days=1)
    body = hl.to_handling(case, "housing")
    assert hl.tasks(body) == [("handle", "housing")]
    assert when(body["handle_due_at"]) == datetime(2026, 3, 10, 10, 0)


def test_return_approved_at_district_level_goes_back_to_the_district(hl, dept):
    case = hl.new()
    hl.transfer(case, "east")
    hl.sign(case, "east_dispatcher")
    hl.transfer(case, "east_urban", by="east_dispatcher")
    hl.sign(case, "east_urban_handler")

    body = hl.act(
        case,
        "return_request",
        "east_urban_handler",
        reason_code="other",
        reason_text="属街道职责",
    )
    assert hl.tasks(body) == [("approve_return", "east")]
    assert hl.actions_of(case, "east_dispatcher") == ["approve_return", "reject_return"]
    refused(hl.act(case, "approve_return", "dispatcher", expect=403), "department_not_allowed")

    body = hl.act(case, "approve_return", "east_dispatcher")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("forward", "east")]
    assert body["return_count"] == 1
    assert body["current_department_id"] == dept("east")


def test_return_needs_a_reason_text_when_the_reason_is_other(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    body = hl.act(case, "return_request", "urban_handler", expect=422, reason_code="other")
    refused(body, "invalid_form_data")
    assert hl.tasks(hl.get(case)) == [("handle", "urban")]


def test_return_rejected_stays_with_the_department(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.act(case, "return_request", "urban_handler", reason_code="insufficient_info")

    body = hl.act(case, "reject_return", "dispatcher", comment="地址已写明，请办理")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "urban")]
    assert body["return_count"] == 0
    assert hl.actions_of(case, "urban_handler") == HANDLER_ACTIONS
    assert hl.inbox("urban_handler") == [(case, "handle")]
    assert hl.timeline(body)[-2:] == ["return_request", "reject_return"]


def test_return_limit_is_refused(hl, app):
    app.config["MAX_RETURNS_PER_CASE"] = 1
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.act(case, "return_request", "urban_handler", reason_code="not_our_remit")
    hl.act(case, "approve_return", "dispatcher")
    hl.to_handling(case, "housing")

    before = snapshot()
    body = hl.act(case, "return_request", "housing_handler", expect=422, reason_code="duplicate")
    refused(body, "return_limit_reached")
    assert "1次" in body["message"]["zh"]
    assert snapshot() == before
    body = hl.get(case)
    assert body["return_count"] == 1
    assert hl.tasks(body) == [("handle", "housing")]


# -- 5. extension ---------------------------------------------------------------------------

# Calendar around National Day 2026: Mid-Autumn holiday Fri 25 - Sun 27 Sep, National Day
# holiday Thu 1 - Wed 7 Oct, make-up working days Sun 20 Sep and Sat 10 Oct.
EXTENSION_CASES = [
    pytest.param(
        # Friday 18 Sep 10:00, complaint: 10 working days =
        # Sun 20 (make-up), Mon 21, Tue 22, Wed 23, Thu 24, [Fri 25 - Sun 27 Mid-Autumn],
        # Mon 28, Tue 29, Wed 30, [1-7 Oct National Day], Thu 8, Fri 9 Oct.
        # Extended by 2: Sat 10 Oct (make-up), [Sun 11], Mon 12 Oct.
        datetime(2026, 9, 18, 10, 0),
        "complaint",
        datetime(2026, 10, 9, 10, 0),
        2,
        datetime(2026, 10, 12, 10, 0),
        id="complaint-from-friday-18-sep",
    ),
    pytest.param(
        # Wednesday 23 Sep 14:30, help: 5 working days =
        # Thu 24, [Fri 25 - Sun 27], Mon 28, Tue 29, Wed 30, [1-7 Oct], Thu 8 Oct.
        # Extended by 3: Fri 9, Sat 10 (make-up), [Sun 11], Mon 12 Oct.
        datetime(2026, 9, 23, 14, 30),
        "help",
        datetime(2026, 10, 8, 14, 30),
        3,
        datetime(2026, 10, 12, 14, 30),
        id="help-from-wednesday-23-sep",
    ),
]


@pytest.mark.parametrize(("start", "case_type", "due", "days", "extended"), EXTENSION_CASES)
def test_extension_approved_across_weekend_and_national_day(
    hl, start, case_type, due, days, extended
):
    clock.freeze(start)
    case = hl.new(case_type=case_type)
    body = hl.to_handling(case, "urban")
    assert when(body["handle_due_at"]) == due
    assert body["extension_count"] == 0

    body = hl.act(case, "extension_request", "urban_handler", days=days, reason="需协调施工队")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("approve_extension", "city")]
    assert hl.actions_of(case, "dispatcher") == ["approve_extension", "deny_extension"]
    assert hl.inbox("urban_handler") == []

    # Decided at the same instant: the pause while deciding moves nothing.
    body = hl.act(case, "approve_extension", "dispatcher")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "urban")]
    assert body["extension_count"] == 1
    assert when(body["handle_due_at"]) == extended
    assert when(body["open_tasks"][0]["due_at"]) == extended
    assert hl.timeline(body)[-2:] == ["extension_request", "approve_extension"]


def test_decision_on_an_extension_is_due_in_working_hours_across_a_make_up_day(hl):
    clock.freeze(datetime(2026, 9, 18, 10, 0))  # Friday
    case = hl.new(case_type="complaint")
    hl.to_handling(case, "urban")
    body = hl.act(case, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    # 8 working hours: Fri 10:00-17:00 (7 h), then Sun 20 Sep is a make-up working day.
    assert when(body["open_tasks"][0]["due_at"]) == datetime(2026, 9, 20, 10, 0)


def test_extension_denied_keeps_the_deadline(hl):
    clock.freeze(datetime(2026, 9, 18, 10, 0))
    case = hl.new(case_type="complaint")
    hl.to_handling(case, "urban")
    hl.act(case, "extension_request", "urban_handler", days=2, reason="需协调施工队")

    body = hl.act(case, "deny_extension", "dispatcher", comment="请按期办结")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "urban")]
    assert body["extension_count"] == 0
    assert when(body["handle_due_at"]) == datetime(2026, 10, 9, 10, 0)
    assert hl.actions_of(case, "urban_handler") == HANDLER_ACTIONS


@pytest.mark.parametrize(
    ("pause", "decision", "expected"),
    [
        # Due Mon 9 Mar 10:00; +2 working days = Wed 11 Mar 10:00; +4 working hours paused.
        (True, "approve_extension", datetime(2026, 3, 11, 14, 0)),
        (False, "approve_extension", datetime(2026, 3, 11, 10, 0)),
        (True, "deny_extension", datetime(2026, 3, 9, 14, 0)),
        (False, "deny_extension", datetime(2026, 3, 9, 10, 0)),
    ],
)
def test_time_spent_deciding_moves_the_handling_deadline(hl, app, pause, decision, expected):
    app.config["PAUSE_CLOCK_WHILE_DECIDING"] = pause
    case = hl.new()
    body = hl.to_handling(case, "urban")
    assert when(body["handle_due_at"]) == datetime(2026, 3, 9, 10, 0)

    clock.freeze(datetime(2026, 3, 3, 15, 0))  # Tuesday 15:00
    hl.act(case, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    # Wednesday 11:00: 20 hours later on the wall, 4 working hours (Tue 15-17, Wed 9-11).
    clock.freeze(datetime(2026, 3, 4, 11, 0))
    body = hl.act(case, decision, "dispatcher")
    assert when(body["handle_due_at"]) == expected
    assert when(body["open_tasks"][0]["due_at"]) == expected


def test_no_overdue_while_a_decision_is_pending(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    clock.freeze(datetime(2026, 3, 6, 16, 0))  # Friday, before the Monday deadline
    hl.act(case, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    clock.freeze(datetime(2026, 3, 10, 9, 0))  # the original deadline has passed
    assert hl.words(hl.get(case)) == "正在办理"
    body = hl.act(case, "approve_extension", "dispatcher")
    # Paused at 16:00 Fri with 2 working hours left (Fri 16-17, Mon 9-10); resumed at 09:00
    # Tue: Tue 11:00, plus the 2 working days granted: Thu 11:00.
    assert when(body["handle_due_at"]) == datetime(2026, 3, 12, 11, 0)
    assert hl.words(body) == "正在办理"


def test_extension_asked_after_the_deadline_is_refused(hl):
    case = hl.new()
    hl.to_handling(case, "urban")  # due Monday 9 March 10:00
    clock.freeze(datetime(2026, 3, 9, 10, 0))
    assert hl.words(hl.get(case)) == "正在办理"  # due, not yet past

    before = snapshot()
    body = hl.act(case, "extension_request", "urban_handler", expect=422, days=2, reason="来不及")
    refused(body, "extension_too_late")
    assert "2026-03-09 10:00" in body["message"]["en"]
    assert snapshot() == before


def test_extension_limit_and_length_are_refused(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    # The cap is the setting (15 working days), carried by the schema the handler is offered.
    [offered] = [
        a
        for a in hl.get(case, "urban_handler")["allowed_actions"]
        if a["action"] == "extension_request"
    ]
    assert offered["schema"]["properties"]["days"]["maximum"] == 15
    body = hl.act(case, "extension_request", "urban_handler", expect=422, days=16, reason="很久")
    refused(body, "invalid_form_data")
    assert [e["field"] for e in body["details"]["errors"]] == ["days"]
    assert "maximum of 15" in body["details"]["errors"][0]["message"]

    hl.act(case, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    hl.act(case, "approve_extension", "dispatcher")

    before = snapshot()
    body = hl.act(case, "extension_request", "urban_handler", expect=422, days=1, reason="再延")
    refused(body, "extension_limit_reached")
    assert snapshot() == before
    assert hl.get(case)["extension_count"] == 1


# -- 6. joint handling ----------------------------------------------------------------------


def _joint_round(hl, case, dept, lead="urban", co=CO_DEPTS):
    """Co-department tasks are open: each replies from its own inbox, then the lead handles."""
    body = hl.get(case)
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == sorted(("co_reply", c) for c in co)
    assert {t["from_department_id"] for t in body["open_tasks"]} == {dept(lead)}
    assert body["current_department_id"] == dept(lead)
    for code in co:
        assert hl.inbox(f"{code}_handler") == [(case, "co_reply")]
        assert hl.actions_of(case, f"{code}_handler") == ["co_reply"]
    assert hl.inbox(f"{lead}_handler") == []
    assert hl.actions_of(case, f"{lead}_handler") == []

    first, *rest = co
    body = hl.act(case, "co_reply", f"{first}_handler", text="已配合排查")
    assert hl.tasks(body) == sorted(("co_reply", c) for c in rest)
    assert hl.inbox(f"{first}_handler") == []
    # Replied once: its part is done; the other co-departments' tasks are not its to act on.
    refused(
        hl.act(case, "co_reply", f"{first}_handler", expect=403, text="再答"),
        "department_not_allowed",
    )

    body = hl.co_replies(case, rest)
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", lead)]
    assert body["current_department_id"] == dept(lead)
    assert hl.inbox(f"{lead}_handler") == [(case, "handle")]
    assert hl.actions_of(case, f"{lead}_handler") == HANDLER_ACTIONS
    co_events = [e for e in body["timeline"] if e["action"] == "co_reply"]
    return body, co_events


def test_joint_handling_with_three_co_departments(hl, dept):
    case = hl.new()
    body = hl.transfer(case, "urban", co=CO_DEPTS)
    assert hl.words(body) == "已转办未接收"
    assert hl.tasks(body) == [("sign", "urban")]  # the lead signs; co-departments wait
    assert hl.inbox("housing_handler") == []

    hl.sign(case, "urban_handler")
    assert hl.get(case, "urban_handler")["co_replies"] == []
    clock.advance(minutes=5)
    body, co_events = _joint_round(hl, case, dept)
    assert [e["from_department"] for e in co_events] == ["市住建局", "市交通运输局", "市生态环境局"]
    # The lead department has the co-departments' replies in front of it to consolidate.
    body = hl.get(case, "urban_handler")
    assert body["co_replies"] == [
        {
            "department_id": dept(code),
            "department": name,
            "text": text,
            "at": "2026-03-02T10:05:00+08:00",
            "user": f"{code}_handler",
        }
        for code, name, text in [
            ("housing", "市住建局", "已配合排查"),
            ("transport", "市交通运输局", "transport 已配合处理"),
            ("ecology", "市生态环境局", "ecology 已配合处理"),
        ]
    ]

    body = hl.reply(case, "urban", text="经城管、住建、交通、环保联合处理，问题已解决")
    assert hl.words(body) == "已答复待回访"
    assert hl.tasks(body) == [("revisit", "city")]
    assert len(body["co_replies"]) == 3  # still there for the revisit staff
    body = hl.revisit(case, "satisfied")
    assert hl.words(body) == "办结"
    assert hl.timeline(body) == [
        "accept",
        "transfer",
        "sign",
        "co_reply",
        "co_reply",
        "co_reply",
        "reply",
        "revisit",
        "close",
    ]


def test_joint_handling_refuses_a_centre_or_the_lead_as_co_department(hl):
    case = hl.new()
    before = snapshot()
    refused(hl.transfer(case, "urban", co=("east",), expect=422), "bad_co_department")
    refused(hl.transfer(case, "urban", co=("urban",), expect=422), "bad_co_department")
    refused(hl.transfer(case, "east", co=("housing",), expect=422), "joint_needs_department")
    assert snapshot() == before


def test_joint_handling_requested_by_the_lead_and_approved(hl, dept):
    case = hl.new()
    hl.to_handling(case, "urban")

    body = hl.act(
        case,
        "joint_request",
        "urban_handler",
        co_department_ids=[dept("housing"), dept("transport")],
        reason="涉及道路和小区",
    )
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("approve_joint", "city")]
    assert hl.actions_of(case, "dispatcher") == ["approve_joint", "reject_joint"]
    assert hl.inbox("housing_handler") == []

    hl.act(case, "approve_joint", "dispatcher")
    body, co_events = _joint_round(hl, case, dept, co=("housing", "transport"))
    assert [e["from_department"] for e in co_events] == ["市住建局", "市交通运输局"]
    replies = hl.get(case, "urban_handler")["co_replies"]
    assert [(r["department_id"], r["text"]) for r in replies] == [
        (dept("housing"), "已配合排查"),
        (dept("transport"), "transport 已配合处理"),
    ]

    body = hl.reply(case, "urban")
    assert hl.words(body) == "已答复待回访"
    assert hl.timeline(body)[-5:] == [
        "joint_request",
        "approve_joint",
        "co_reply",
        "co_reply",
        "reply",
    ]


def test_joint_handling_requested_by_the_lead_and_rejected(hl, dept):
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.act(
        case,
        "joint_request",
        "urban_handler",
        co_department_ids=[dept("housing")],
        reason="涉及小区",
    )
    body = hl.act(case, "reject_joint", "dispatcher", comment="本单位职责，请自行办理")
    assert hl.words(body) == "正在办理"
    assert hl.tasks(body) == [("handle", "urban")]
    assert hl.inbox("housing_handler") == []
    assert hl.actions_of(case, "urban_handler") == HANDLER_ACTIONS


# -- 7. revisit -----------------------------------------------------------------------------


@pytest.mark.parametrize("result", ["satisfied", "basically_satisfied"])
def test_revisit_satisfied_closes(hl, result):
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.reply(case, "urban")
    body = hl.revisit(case, result)
    assert hl.words(body) == "办结"
    assert body["satisfaction"] == result
    assert body["open_tasks"] == []
    assert hl.timeline(body)[-2:] == ["revisit", "close"]


def test_revisit_unsatisfied_reopens_and_a_second_joint_round_closes(hl, dept):
    case = hl.new()
    hl.to_handling(case, "urban", co=CO_DEPTS)
    _joint_round(hl, case, dept)
    hl.reply(case, "urban")

    refused(hl.revisit(case, "unsatisfied", expect=422), "invalid_form_data")  # reason needed
    body = hl.revisit(case, "unsatisfied", reason="路灯仍不亮")
    assert hl.words(body) == "已受理"
    assert hl.tasks(body) == [("dispatch", "city")]
    assert hl.timeline(body)[-3:] == ["reply", "revisit", "reopen"]
    reopen = body["timeline"][-1]
    assert reopen["to_department_id"] == dept("city")
    # Sent back to the dispatch centre; counted for the department whose reply was judged.
    assert reopen["data"] == {"reopen_count": 1, "department_id": dept("urban")}
    assert reopen["user"] == "revisit @ 市12345热线中心"
    assert body["co_replies"] == []  # the first round's replies are not the next lead's
    assert body["reopen_count"] == 1
    assert body["satisfaction"] == "unsatisfied"
    assert body["replied_at"] is None
    assert body["handle_due_at"] is None
    assert hl.actions(body) == []  # the revisit staff's part is done
    assert hl.actions_of(case, "dispatcher") == ["transfer"]

    # The second round: joint handling again with the same three co-departments.
    clock.advance(days=1)
    body = hl.to_handling(case, "urban", co=CO_DEPTS)
    assert when(body["handle_due_at"]) == datetime(2026, 3, 10, 10, 0)
    body, co_events = _joint_round(hl, case, dept)
    assert len(co_events) == 6
    # Only the second round's replies, made a day later.
    assert [r["at"][:10] for r in body["co_replies"]] == ["2026-03-03"] * 3
    body = hl.reply(case, "urban", text="已更换灯具并回访确认")
    assert hl.words(body) == "已答复待回访"
    assert body["reply_text"] == "已更换灯具并回访确认"
    body = hl.revisit(case, "satisfied")
    assert hl.words(body) == "办结"
    assert body["reopen_count"] == 1
    assert hl.timeline(body).count("revisit") == 2
    assert hl.timeline(body).count("reopen") == 1
    assert hl.timeline(body)[-1] == "close"


def test_revisit_unreachable_n_times_closes(hl, app):
    app.config["MAX_REVISIT_TRIES"] = 3  # read when the case starts
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.reply(case, "urban")

    for _ in range(2):
        body = hl.revisit(case, "unreachable")
        assert hl.words(body) == "已答复待回访"
        assert hl.tasks(body) == [("revisit", "city")]
        assert hl.actions_of(case, "revisit") == ["revisit"]
    body = hl.revisit(case, "unreachable")
    assert hl.words(body) == "办结"
    assert body["satisfaction"] == "unreachable"
    assert body["open_tasks"] == []
    assert hl.timeline(body)[-4:] == ["revisit", "revisit", "revisit", "close"]


def test_revisit_tries_setting_is_fixed_when_the_case_starts(hl, app):
    app.config["MAX_REVISIT_TRIES"] = 1
    case = hl.new()
    app.config["MAX_REVISIT_TRIES"] = 5  # too late for this case
    hl.to_handling(case, "urban")
    hl.reply(case, "urban")
    assert hl.words(hl.revisit(case, "unreachable")) == "办结"


def test_revisit_unreachable_then_reached(hl, app):
    app.config["MAX_REVISIT_TRIES"] = 2
    case = hl.new()
    hl.to_handling(case, "urban")
    hl.reply(case, "urban")
    hl.revisit(case, "unreachable")
    body = hl.revisit(case, "basically_satisfied")
    assert hl.words(body) == "办结"
    assert body["satisfaction"] == "basically_satisfied"


# -- 8. overdue words -----------------------------------------------------------------------


def test_not_signed_past_the_sign_deadline_is_overdue(hl):
    case = hl.new()
    body = hl.transfer(case, "urban")
    assert when(body["sign_due_at"]) == datetime(2026, 3, 2, 14, 0)

    clock.freeze(datetime(2026, 3, 2, 14, 0))
    assert hl.words(hl.get(case)) == "已转办未接收"  # due now, not yet late
    clock.advance(minutes=1)
    body = hl.get(case)
    assert body["status"] == {
        "status": "transferred",
        "overdue": True,
        "zh": "逾期未办理",
        "en": "Overdue, not handled",
    }
    resp = hl.client.get("/api/v1/inbox", headers=hl.auth("urban_handler"))
    [item] = resp.get_json()["items"]
    assert item["overdue"] is True
    assert item["case"]["status"]["zh"] == "逾期未办理"

    # Signed late: the event says so, and the handling clock starts afresh.
    body = hl.sign(case, "urban_handler")
    assert hl.words(body) == "正在办理"
    assert body["timeline"][-1]["data"]["on_time"] is False
    assert when(body["handle_due_at"]) == datetime(2026, 3, 9, 14, 1)


def test_signed_at_the_sign_deadline_itself_is_on_time(hl):
    # The overdue rule's word (overdue.passed): at the deadline itself it has not passed.
    case = hl.new()
    body = hl.transfer(case, "urban")
    clock.freeze(when(body["sign_due_at"]))
    body = hl.sign(case, "urban_handler")
    assert body["timeline"][-1]["data"]["on_time"] is True
    assert hl.words(body) == "正在办理"


def test_handled_past_the_deadline_then_replied_and_closed_is_overdue(hl):
    case = hl.new()
    body = hl.to_handling(case, "urban")
    assert body["timeline"][-1]["data"]["on_time"] is True
    due = when(body["handle_due_at"])
    assert due == datetime(2026, 3, 9, 10, 0)

    clock.freeze(due + timedelta(minutes=1))
    body = hl.get(case)
    assert body["status"]["zh"] == "逾期正在办理"
    assert body["status"]["overdue"] is True
    resp = hl.client.get("/api/v1/cases?overdue=true", headers=hl.auth("oversight"))
    assert [c["id"] for c in resp.get_json()["items"]] == [case]

    body = hl.reply(case, "urban")
    assert hl.words(body) == "逾期已答复待回访"
    body = hl.revisit(case, "satisfied")
    assert body["status"] == {
        "status": "closed",
        "overdue": True,
        "zh": "逾期办结",
        "en": "Closed overdue",
    }


def test_replied_in_time_then_closed_is_not_overdue(hl):
    case = hl.new()
    hl.to_handling(case, "urban")
    clock.freeze(datetime(2026, 3, 9, 9, 59))
    hl.reply(case, "urban")
    clock.freeze(datetime(2026, 3, 12, 10, 0))  # the revisit happens days later
    body = hl.revisit(case, "satisfied")
    assert body["status"]["zh"] == "办结"
    assert body["status"]["overdue"] is False
