"""`engine.state_copier`: copies of a stored state with other values of workflow data fields."""

from __future__ import annotations

import zlib

import pytest
from sqlalchemy import select

from app import engine
from app.extensions import db
from app.models import WorkflowInstance
from app.processes import service as processes
from tests.cases.test_paths import CO_DEPTS, Hotline


@pytest.fixture
def hl(api, dept):
    return Hotline(api, dept)


def _stored(case_id: int) -> WorkflowInstance:
    return db.session.scalar(select(WorkflowInstance).filter_by(case_id=case_id))


def _case_ids(workflow) -> set:
    return {t.data.get("case_id") for t in workflow.tasks.values()} - {None}


def test_a_copy_is_the_state_with_the_new_values(hl):
    case = hl.new()
    hl.to_handling(case, "urban", co=CO_DEPTS)  # joint handling: a multi-instance task's data
    stored = _stored(case)
    compiled = processes.compiled(stored.process_version_id)
    copy = engine.state_copier(stored.state, "case_id")

    # With the template's own value, the same state (as stored, before compression).
    assert zlib.decompress(copy(case_id=case)) == zlib.decompress(stored.state)

    original = engine.load(compiled, stored.state)
    copied = engine.load(compiled, copy(case_id=987654))
    assert _case_ids(original) == {case}
    assert _case_ids(copied) == {987654}
    assert [t.name for t in engine.ready_tasks(compiled, copied)] == [
        t.name for t in engine.ready_tasks(compiled, original)
    ]
    for task in original.tasks.values():
        twin = copied.get_task_from_id(task.id)
        assert {**task.data, "case_id": None} == {**twin.data, "case_id": None}


def test_copies_name_their_fields(hl):
    stored = _stored(hl.new())
    with pytest.raises(ValueError, match="no data field nobody"):
        engine.state_copier(stored.state, "case_id", "nobody")
    copy = engine.state_copier(stored.state, "case_id", "city_dept")
    with pytest.raises(TypeError):
        copy(case_id=1)
    compiled = processes.compiled(stored.process_version_id)
    workflow = engine.load(compiled, copy(case_id=5, city_dept=6))
    assert workflow.task_tree.data["case_id"] == 5
    assert workflow.task_tree.data["city_dept"] == 6
