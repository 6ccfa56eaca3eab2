"""The flow is unchanged: urges, supervision orders and their answers, and leader
instructions leave the workflow state bytes, the open tasks and every due time as they were,
at every stage a case can be urged in (waiting to be signed for, handling, a request pending
with its clock paused)."""

from __future__ import annotations

import pytest

from app.oversight import instructions, supervision
from app.oversight.urges import urge
from tests.oversight.conftest import flow_of

ANSWERS = {
    "waiting": "east_urban_handler",
    "handling": "east_urban_handler",
    "paused": "dispatcher",
}


@pytest.fixture
def stages(api, at_department):
    def make():
        waiting = at_department("east_urban", sign=False)
        handling = at_department("east_urban")
        paused = at_department("east_urban")
        api.act(paused, "extension_request", "east_urban_handler", days=2, reason="需协调施工")
        return {"waiting": waiting, "handling": handling, "paused": paused}

    return make


def test_urge_order_answer_and_instruction_leave_the_flow_alone(stages, user):
    for stage, case_id in stages().items():
        before = flow_of(case_id)
        assert before["state"], stage  # there is a workflow to compare
        assert urge([case_id], "请加快办理", by=user("oversight")).urged == [case_id]
        assert flow_of(case_id) == before, f"urge moved the flow of a case {stage}"
        order = supervision.order(case_id, "请反馈", by=user("oversight"), feedback_days=2)
        assert flow_of(case_id) == before, f"an order moved the flow of a case {stage}"
        dept_user = user("east_urban_handler")
        if order.department_id == dept_user.department_id:
            supervision.answer(case_id, order.id, "正在办理", by=dept_user)
            assert flow_of(case_id) == before, f"an answer moved the flow of a case {stage}"
        made = instructions.write(case_id, "请高度重视", by=user("leader"))
        assert flow_of(case_id) == before, f"an instruction moved the flow of a case {stage}"
        instructions.press_read(
            dept_user, case_id, made.id
        ) if made.department_id == dept_user.department_id else None
        assert flow_of(case_id) == before, f"reading moved the flow of a case {stage}"


def test_the_case_still_moves_after_being_urged(api, at_department, user):
    case_id = at_department("urban")
    urge([case_id], "请加快", by=user("oversight"))
    body = api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    assert body["status"]["status"] == "replied"
