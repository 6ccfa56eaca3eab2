"""Start, load, advance and dump one case's workflow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.parsing import CompiledProcess
from app.engine.scripting import SCRIPT_ERROR, ScriptError, script_engine
from app.engine.state import from_bytes, to_bytes
from app.engine.workflow import HotlineWorkflow

# A case's workflow, as the rest of the application holds it (SpiffWorkflow has no types).
Workflow: TypeAlias = BpmnWorkflow


class TaskNotReady(Exception):
    """The task is not (or no longer) waiting for a person."""


class EngineError(Exception):
    """The diagram failed while running: its code was refused, raised, or was stopped at a
    time, memory or size limit (`code`: script_error or script_limit_exceeded)."""

    def __init__(
        self,
        message: str,
        code: str = SCRIPT_ERROR,
        element_id: str = "",
        line: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.element_id, self.line = code, element_id, line
        self.reason = message if reason is None else reason

    @classmethod
    def from_script(cls, exc: ScriptError) -> EngineError:
        reason = f"{exc.what}: {exc.reason}" if exc.what else exc.reason
        return cls(str(exc), exc.code, exc.element_id, exc.line, reason)


@dataclass(frozen=True)
class ReadyTask:
    uuid: str
    name: str
    title: str
    department_id: int
    from_department_id: int | None
    status: str
    clock: str


def start(process: CompiledProcess, data: dict[str, Any]) -> BpmnWorkflow:
    workflow = HotlineWorkflow(process.spec, process.subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(data)
    _run(workflow)
    return workflow


def load(process: CompiledProcess, blob: bytes) -> BpmnWorkflow:
    workflow = from_bytes(blob, process.spec, process.subprocess_specs)
    # The script engine is not part of the state; it must be set again after every load.
    workflow.script_engine = script_engine
    return workflow


def dump(workflow: BpmnWorkflow) -> bytes:
    return to_bytes(workflow)


def ready_tasks(process: CompiledProcess, workflow: BpmnWorkflow) -> list[ReadyTask]:
    out = []
    for task in workflow.tasks.values():
        if task.state != TaskState.READY or not task.task_spec.manual:
            continue
        meta = process.user_tasks[task.task_spec.bpmn_id]
        from_dept = task.data.get(meta.from_dept) if meta.from_dept else None
        out.append(
            ReadyTask(
                uuid=str(task.id),
                name=meta.name,
                title=meta.title,
                department_id=int(task.data[meta.dept]),
                from_department_id=int(from_dept) if from_dept is not None else None,
                status=meta.status,
                clock=meta.clock,
            )
        )
    return out


def task_data(workflow: BpmnWorkflow, uuid: str) -> dict[str, Any]:
    data: dict[str, Any] = workflow.get_task_from_id(UUID(uuid)).data
    return data


def current_data(process: CompiledProcess, workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data the flow carries now: a ready user task's, or the last task's once the
    workflow has ended."""
    data: dict[str, Any]
    for task in workflow.tasks.values():
        if task.state == TaskState.READY and task.task_spec.manual:
            data = task.data
            return data
    last = workflow.last_task
    data = last.data if last is not None else workflow.task_tree.data
    return data


def complete(workflow: BpmnWorkflow, uuid: str, data: dict[str, Any]) -> None:
    try:
        task = workflow.get_task_from_id(UUID(uuid))
    except Exception as exc:
        raise TaskNotReady(uuid) from exc
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(uuid)
    task.set_data(**data)
    try:
        task.run()  # runs the task's postScript, if any
    except ScriptError as exc:
        raise EngineError.from_script(exc) from None
    _run(workflow)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return bool(workflow.is_completed())


def _run(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except ScriptError as exc:
        raise EngineError.from_script(exc) from None
    except SpiffWorkflowException as exc:
        raise EngineError(str(exc)) from exc
