"""Start, load, advance and dump one case's workflow."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.parsing import CompiledProcess
from app.engine.scripting import script_engine
from app.engine.state import from_bytes, to_bytes
from app.engine.workflow import HotlineWorkflow


class TaskNotReady(Exception):
    """The task is not (or no longer) waiting for a person."""


class EngineError(Exception):
    """The diagram failed while running (a script or a condition raised)."""


@dataclass(frozen=True)
class ReadyTask:
    uuid: str
    name: str
    title: str
    department_id: int
    from_department_id: int | None
    status: str
    clock: str


def start(process: CompiledProcess, data: dict) -> BpmnWorkflow:
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


def task_data(workflow: BpmnWorkflow, uuid: str) -> dict:
    return workflow.get_task_from_id(UUID(uuid)).data


def complete(workflow: BpmnWorkflow, uuid: str, data: dict) -> None:
    try:
        task = workflow.get_task_from_id(UUID(uuid))
    except Exception as exc:
        raise TaskNotReady(uuid) from exc
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(uuid)
    task.set_data(**data)
    task.run()
    _run(workflow)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def _run(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise EngineError(str(exc)) from exc
