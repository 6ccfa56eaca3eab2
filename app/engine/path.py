"""The path a case's workflow has taken, as element ids of its diagram: what the case detail's
BPMN viewer highlights.

Read from the task tree of the stored state: every task the engine completed is a node of the
path (events, gateways, script and user tasks), and a task that the engine reached from a
completed parent took the sequence flow between their two elements (CompiledProcess.flows). A
loop back (recall, return, reopen) repeats elements; each is named once. SpiffWorkflow's own
bookkeeping tasks (the workflow's Start, End and joins) have no BPMN id and are left out, and
so are the instances of a multi-instance task below the task itself (their parent is the same
element, not a flow).
"""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.engine.parsing import CompiledProcess

# States of a task the flow has arrived at (not only predicted): the flow into it was taken.
_REACHED = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING


@dataclass(frozen=True)
class PathTaken:
    """Element ids of the diagram, each list in the order the workflow first met them."""

    done: tuple[str, ...]  # completed elements and the sequence flows taken, current ones not
    current: tuple[str, ...]  # the user tasks waiting for a person now


def _bpmn_id(task: Task) -> str | None:
    bpmn_id = getattr(task.task_spec, "bpmn_id", None)
    return bpmn_id if isinstance(bpmn_id, str) else None


def path_taken(process: CompiledProcess, workflow: BpmnWorkflow) -> PathTaken:
    done: dict[str, None] = {}  # an ordered set
    current: dict[str, None] = {}
    for task in workflow.tasks.values():
        element = _bpmn_id(task)
        if element is None or not task.state & _REACHED:
            continue
        parent = task.parent
        if parent is not None and parent.state == TaskState.COMPLETED:
            source = _bpmn_id(parent)
            flow = process.flows.get((source, element)) if source not in (None, element) else None
            if flow:
                done[flow] = None
        if task.state == TaskState.COMPLETED:
            done[element] = None
        elif task.state == TaskState.READY and task.task_spec.manual:
            current[element] = None
    return PathTaken(
        done=tuple(e for e in done if e not in current),
        current=tuple(current),
    )
