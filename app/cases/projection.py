"""The projection: what queries read instead of the workflow, written with every step.

From the workflow's ready tasks after a step (or an intake), the case's status, current
department, clocks and close or reopen; its open-task rows; and its scope rows
(app/cases/scope_index.py). All of it is queued on the step's unit of work, not written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app import engine
from app.cases import handlers, scope_index
from app.cases.unit_of_work import Event, UnitOfWork
from app.deadlines import service as deadlines
from app.models import Case, OpenTask, User
from app.models.case import CLOSED, REPLIED


@dataclass(frozen=True)
class Projection:
    """A case just advanced, and what the projection needs to know about the step."""

    case: Case
    compiled: engine.CompiledProcess
    workflow: engine.Workflow
    old_rows: list[OpenTask]  # the open-task rows before the step (none at intake)
    now: datetime
    user: User | None
    client_ip: str
    # The case's scope-row copies before the step; None at intake, where there are no rows yet.
    scope_before: scope_index.ScopeValues | None


def project(uow: UnitOfWork, p: Projection) -> list[engine.ReadyTask]:
    """Set the case's clocks and status from the workflow's ready tasks and queue the writes
    of its open-task rows, its columns and its scope rows. Returns the tasks just opened."""
    case = p.case
    status_before = case.status
    ready = engine.ready_tasks(p.compiled, p.workflow)
    ready_ids = {t.uuid for t in ready}
    old_ids = {r.task_uuid for r in p.old_rows}
    gone = [r for r in p.old_rows if r.task_uuid not in ready_ids]
    new = [t for t in ready if t.uuid not in old_ids]
    dues = deadlines.on_tasks_opened(case, new, {r.clock for r in gone}, p.now)
    uow.replace_open_tasks(case, p.old_rows, gone, [_row(case, t, p.now, dues) for t in new])
    # Departments of the tasks just closed were recorded when those tasks opened.
    new_depts = {t.department_id for t in new} - {r.department_id for r in p.old_rows}
    case.updated_at = p.now
    if engine.is_completed(p.workflow):
        case.status = CLOSED
        case.closed_at = p.now
        case.current_department_id = None
        case.sign_due_at = None
        uow.log(Event(case.id, "close", p.user, p.now, p.client_ip))
    else:
        case.status = ready[0].status
        depts = {t.department_id for t in ready}
        leads = {t.from_department_id for t in ready}
        # Several parallel tasks (joint handling): the lead department that waits on them.
        case.current_department_id = depts.pop() if len(depts) == 1 else leads.pop()
        if status_before == REPLIED and case.status != REPLIED:
            # Reopened (重办): the diagram sent a replied case back into the flow rather than
            # to its end or to another revisit try. Logged after the step's own event.
            judged = handlers.reopen(case)
            uow.log(
                Event(
                    case.id,
                    "reopen",
                    p.user,
                    p.now,
                    p.client_ip,
                    to_department_id=case.current_department_id,
                    data={"reopen_count": case.reopen_count, "department_id": judged},
                )
            )
    # Columns that mirror the diagram's own values (revisit tries): copied, never counted here.
    handlers.project_flow_data(case, engine.current_data(p.compiled, p.workflow))
    uow.update_case(case)  # before the scope rows, which read the case row's overdue flag
    _write_scope(uow, case, new_depts, p.scope_before)
    return new


def _row(
    case: Case, task: engine.ReadyTask, now: datetime, dues: dict[str, datetime | None]
) -> dict[str, Any]:
    """The open-task row of a task just opened."""
    return {
        "case_id": case.id,
        "task_uuid": task.uuid,
        "task_name": task.name,
        "title": task.title,
        "department_id": task.department_id,
        "from_department_id": task.from_department_id,
        "assignee_id": None,
        "clock": task.clock,
        "created_at": now,
        "due_at": dues.get(task.uuid),
    }


def _write_scope(
    uow: UnitOfWork, case: Case, new_depts: set[int], before: scope_index.ScopeValues | None
) -> None:
    """Record the departments the case reaches, with the case columns scoped lists read."""
    values = scope_index.scope_values(case)
    if new_depts:
        scope_index.add_rows(uow.writes, case.id, new_depts, values)
    if before is not None and values != before:
        scope_index.sync_case(uow.writes, case.id, values)
