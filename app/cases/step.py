"""Acting on a case: complete one of its open tasks with one of the task form's actions.

The story of a step, in order: load the case (one read) → pick the task the user may act on
and check the action is possible → validate the data and run the action's handler → complete
the task in the engine → project the workflow onto the case's columns, open tasks and scope
rows → write it all in one transaction, with the notifications the step causes
(step_notices.py). The mechanics (statements, the write batch, commit, rollback, the 409 of a
lost race) are the unit of work's (app/cases/unit_of_work.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from flask import current_app

from app import engine
from app.auth import policy
from app.cases import handlers, scope_index, step_notices, workflow_cache
from app.cases.handlers import HANDLERS, ActionContext
from app.cases.projection import Projection, project
from app.cases.unit_of_work import Event, Loaded, UnitOfWork
from app.clock import clock
from app.errors import Conflict, NotFound, case_not_found, concurrent_update, diagram_failed
from app.forms.registry import ActionSpec, load_forms, validate
from app.models import Case, OpenTask, User
from app.processes import service as processes


@dataclass(frozen=True)
class Step:
    """What the caller asks: `user` takes action `action` on case `case_id` with `data`."""

    case_id: int
    action: str
    data: dict[str, Any]
    user: User
    task_uuid: str | None = None  # the task the client saw open; None: whichever offers it
    client_ip: str = ""


def act(
    case_id: int,
    action_name: str,
    data: dict[str, Any],
    user: User,
    task_uuid: str | None = None,
    client_ip: str = "",
) -> Case:
    """Complete an open task of the case with one of its form's actions. Returns the case as
    the step left it: its columns and its open tasks are those now stored."""
    return run(Step(case_id, action_name, data, user, task_uuid, client_ip))


def run(step: Step) -> Case:
    specs = _action_forms(step.action)
    with UnitOfWork() as uow:
        loaded = uow.load_for_step(step.case_id)  # the one read: case, open tasks, version
        if loaded is None:
            raise case_not_found()
        case, old_rows = loaded.case, list(loaded.case.open_tasks)
        scope_before = scope_index.scope_values(case)
        task, spec = _pick_task(uow, step, old_rows, specs, case)
        compiled = processes.compiled(loaded.process_version_id)
        workflow = _workflow(uow, loaded, compiled)
        ctx = _check_and_handle(step, case, task, spec, clock.now(), _task_data(workflow, task))
        _complete(workflow, ctx)

        uow.claim(case.id, loaded.version, engine.dump(workflow), ctx.now)
        uow.log(_event(step, ctx))
        if ctx.signed_on_time_for is not None:
            uow.mark_signed_on_time(case.id, ctx.signed_on_time_for)
        projection = Projection(
            case, compiled, workflow, old_rows, ctx.now, step.user, step.client_ip, scope_before
        )
        opened = project(uow, projection)
        step_notices.queue(uow.writes, case, ctx, old_rows, opened)
        uow.keep_workflow(case.id, loaded.version + 1, workflow)
        uow.commit()
    return case  # with its open tasks as stored (the unit of work hands them back)


def _action_forms(action: str) -> list[ActionSpec]:
    """The action's form on each task that offers it; an unknown action is refused."""
    specs = load_forms(current_app.config["FORMS_DIR"]).action(action)
    if not specs:
        raise NotFound("unknown_action", "未知操作", f"Unknown action '{action}'")
    return specs


def _task_data(workflow: engine.Workflow, task: OpenTask) -> Mapping[str, Any]:
    """The task's data in the diagram (read-only), for handlers that read what the diagram
    holds (the days an extension request asked for) instead of keeping a copy of their own."""
    try:
        return MappingProxyType(engine.task_data(workflow, task.task_uuid))
    except Exception as exc:  # the row's task is not in the state this step read
        raise concurrent_update() from exc


def _check_and_handle(
    step: Step,
    case: Case,
    task: OpenTask,
    spec: ActionSpec,
    now: datetime,
    task_data: Mapping[str, Any],
) -> ActionContext:
    """The action's precondition, its data against the live form, then its handler."""
    # Refused whatever the data (a limit, a deadline): said before anything about the data.
    handlers.check_available(spec.name, case, task, now)
    spec = handlers.live_form(spec)
    validate(spec, step.data)
    ctx = ActionContext(
        case=case,
        task=task,
        action=spec,
        user=step.user,
        data=step.data,
        now=now,
        task_data=task_data,
    )
    handler = HANDLERS.get(spec.name)
    if handler is not None:
        handler(ctx)
    return ctx


def _event(step: Step, ctx: ActionContext) -> Event:
    return Event(
        ctx.case.id,
        ctx.action.name,
        step.user,
        ctx.now,
        step.client_ip,
        to_department_id=ctx.to_department_id,
        # The task it completed: a client naming that task later is told someone acted on it.
        data={**step.data, **ctx.event_data, "task_id": ctx.task.task_uuid},
    )


def _workflow(uow: UnitOfWork, loaded: Loaded, compiled: engine.CompiledProcess) -> engine.Workflow:
    """The case's workflow at the version read: the cached object when it matches, else
    loaded from the stored state."""
    cached = workflow_cache.take(loaded.case.id, loaded.version)
    if cached is not None:
        return cached
    return engine.load(compiled, uow.stored_state(loaded.case.id))


def _complete(workflow: engine.Workflow, ctx: ActionContext) -> None:
    data = {"outcome": ctx.action.outcome_for(ctx.data), **ctx.workflow_data}
    try:
        engine.complete(workflow, ctx.task.task_uuid, data)
    except engine.TaskNotReady as exc:
        raise concurrent_update() from exc
    except engine.EngineError as exc:
        # The diagram's code failed or was stopped: our error shape; the step rolls back.
        raise diagram_failed(exc.code, exc.element_id, exc.line, exc.reason) from exc


def _pick_task(
    uow: UnitOfWork, step: Step, rows: list[OpenTask], specs: list[ActionSpec], case: Case
) -> tuple[OpenTask, ActionSpec]:
    """The open task the user acts on and the action's form on it; else the refusal."""
    candidates = [
        (row, spec)
        for row in rows
        for spec in specs
        if spec.task == row.task_name
        and (step.task_uuid is None or row.task_uuid == step.task_uuid)
    ]
    user = step.user
    allowed = next(((r, s) for r, s in candidates if policy.may_act(user, r, s)), None)
    if allowed is not None:
        return allowed  # acting on a task of one's own department implies seeing the case
    if not policy.can_view(user, case):
        raise case_not_found()
    if (
        step.task_uuid is not None
        and not candidates
        and uow.task_completed(case.id, step.task_uuid)
    ):
        # The client acted on a task it saw open and someone completed it since: the same
        # answer as losing the claim, whether the winner committed before this step read or
        # after (the claim path).
        raise concurrent_update()
    if not candidates:
        unavailable = next((s.unavailable for s in specs if s.unavailable), None)
        zh = (unavailable or {}).get("zh", "工单当前状态不允许此操作")
        en = (unavailable or {}).get(
            "en", f"'{step.action}' is not possible while the case is {case.status}"
        )
        raise Conflict("action_not_available", zh, en, status_now=case.status)
    row, spec = candidates[0]
    policy.check_act(user, row, spec)
    raise AssertionError("check_act must raise")  # pragma: no cover
