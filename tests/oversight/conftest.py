"""Cases at a department, for the oversight office to act on, and what their flow is."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case, OpenTask, WorkflowInstance

MON = datetime(2026, 3, 2, 10, 0)  # an ordinary working Monday


@pytest.fixture(autouse=True)
def _monday_morning():
    clock.freeze(MON)


@pytest.fixture
def at_department(api, dept):
    """at_department("urban") -> the id of a new case transferred to it and signed for."""

    def make(code: str = "urban", sign: bool = True, **fields) -> int:
        case_id = api.create(**fields)["id"]
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept(code))
        if sign:
            api.act(case_id, "sign", f"{code}_handler")
        return case_id

    return make


@pytest.fixture
def closed_case(api, at_department):
    def make() -> int:
        case_id = at_department("urban")
        api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
        api.act(case_id, "revisit", "revisit", result="satisfied")
        return case_id

    return make


def flow_of(case_id: int) -> dict:
    """What the flow is: the workflow's state bytes, the open tasks and every due time."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    state = db.session.scalar(
        select(WorkflowInstance.state).where(WorkflowInstance.case_id == case_id)
    )
    tasks = [
        (t.task_uuid, t.task_name, t.department_id, t.from_department_id, t.clock, t.due_at)
        for t in db.session.scalars(
            select(OpenTask).where(OpenTask.case_id == case_id).order_by(OpenTask.id)
        )
    ]
    version = db.session.scalar(
        select(WorkflowInstance.version).where(WorkflowInstance.case_id == case_id)
    )
    return {
        "state": state,
        "version": version,
        "tasks": tasks,
        "status": case.status,
        "current_department_id": case.current_department_id,
        "dues": (
            case.sign_due_at,
            case.handle_started_at,
            case.handle_due_at,
            case.revisit_due_at,
            case.clock_paused_at,
            case.overdue,
        ),
    }
