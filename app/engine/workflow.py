"""The workflow class our cases run on: SpiffWorkflow's BpmnWorkflow with a faster walk of
the task tree.

After every task it runs, SpiffWorkflow walks the whole task tree twice (for READY engine
tasks, and for WAITING tasks to update), with a general-purpose iterator that also tracks depth
and filters on many fields. A case's tree keeps every task it ever ran, so these walks were two
thirds of the time it took to complete a task. The walk below visits the same tasks in the
same order (depth first, children in order, not descending below predicted tasks when the
filter asks for definite ones) and yields the same tasks, for the one kind of query the engine
makes on every step: by a state or state mask, nothing else. Every other query goes to
SpiffWorkflow's own iterator.

It holds because our diagrams have no subprocesses (the parser refuses them) and a case's tree
stays far shallower than the iterator's depth limit (1000).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# The SpiffWorkflow release the walks below and the state dump (state.py) were checked against:
# they reproduce its internals' behaviour instead of calling them. tests/engine/test_state.py
# fails when another release is installed or pinned, until they are checked again and this is
# moved on.
CHECKED_AGAINST_SPIFFWORKFLOW = "3.2.0"


def _min_state(state: int) -> int:
    # SpiffWorkflow's TaskIterator: below which state a task's children cannot match.
    min_state: int  # TaskState's constants are ints (SpiffWorkflow has no types)
    if state & TaskState.PREDICTED_MASK:
        min_state = TaskState.MAYBE
    elif state & TaskState.DEFINITE_MASK:
        min_state = TaskState.FUTURE
    else:
        min_state = TaskState.COMPLETED
    return min_state


def walk(root: Task, state: int) -> Iterator[Task]:
    """The tasks under root (root included) whose state is in `state`, in SpiffWorkflow's
    depth-first order. Lazy like SpiffWorkflow's iterator: a task's children are read when the
    task is reached."""
    tasks = root.workflow.tasks
    min_state = _min_state(state)
    stack = [root]
    while stack:
        task = stack.pop()
        if task._children and task._state >= min_state:
            stack.extend(tasks[child] for child in reversed(task._children))
        if task._state & state:
            yield task


# SpiffWorkflow has no types: to mypy BpmnWorkflow is Any, which a class may not subclass
# unless told (disallow_subclassing_any).
class HotlineWorkflow(BpmnWorkflow):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # BpmnWorkflow's, untyped
        super().__init__(*args, **kwargs)
        # Dump dictionaries of completed tasks, by task id (see state._tasks_to_dict): the
        # task's children when it was dumped, and its dictionary.
        self.dumped_tasks: dict[UUID, tuple[tuple[UUID, ...], dict[str, Any]]] = {}

    def get_tasks(self, first_task: Task | None = None, **kwargs: Any) -> list[Task]:
        if kwargs.keys() == {"state"} and not self.subprocesses:
            return list(walk(first_task or self.task_tree, kwargs["state"]))
        tasks: list[Task] = super().get_tasks(first_task, **kwargs)
        return tasks

    def update_waiting_tasks(self) -> None:
        if self.subprocesses:
            super().update_waiting_tasks()
            return
        for task in walk(self.task_tree, TaskState.WAITING):
            task.task_spec._update(task)
