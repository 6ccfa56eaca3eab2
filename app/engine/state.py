"""Serialisation of a case's running state, without its process definition.

The definition is the same for every case on a process version, so it is parsed once per
version and cached (see parsing.py); each case stores only its task tree and data.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from app.engine.workflow import HotlineWorkflow

if TYPE_CHECKING:
    from SpiffWorkflow.task import Task  # untyped: Any to mypy, named for the reader

# Ours on top of SpiffWorkflow's own serializer version ("1.5" in 3.2.0): bump when the
# layout below changes, and add a migration for stored cases.
SERIALIZER_VERSION = f"mq1/spiff{SPIFF_SERIALIZER_VERSION}"


# SpiffWorkflow has no types: to mypy its converter is Any, which a class may not subclass
# unless told (disallow_subclassing_any), and its registry's `convert` takes and gives any
# value. The dumped state is JSON: its dictionaries are dict[str, Any].
_Convert: TypeAlias = Callable[[Any], Any]


class SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: HotlineWorkflow) -> dict[str, Any]:
        convert = self.registry.convert
        return {
            "data": convert(self.registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": _tasks_to_dict(workflow, convert),
            "root": str(workflow.task_tree.id),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": convert(workflow.bpmn_events),
        }

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: Any = None,  # SpiffWorkflow's BpmnProcessSpec
        subprocess_specs: dict[str, Any] | None = None,
    ) -> HotlineWorkflow:
        workflow = HotlineWorkflow(spec, subprocess_specs, deserializing=True)

        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _tasks_to_dict(workflow: HotlineWorkflow, convert: _Convert) -> dict[str, dict[str, Any]]:
    """The task tree, task id -> dictionary. A completed task's dictionary does not change while
    its children stay the same (its state, data and its parent's data are final), so it is
    converted once per workflow object and kept on it: a case's tree keeps every task it ever
    ran, and most of a dump was converting tasks finished long ago."""
    tasks, kept = workflow.tasks, workflow.dumped_tasks
    out: dict[str, dict[str, Any]] = {}
    for key, task in tasks.items():
        if task._state == TaskState.COMPLETED:
            children = tuple(task._children)
            hit = kept.get(key)
            if hit is None or hit[0] != children:
                hit = kept[key] = (children, _task_to_dict(task, tasks, convert))
            dct = hit[1]
        else:
            dct = _task_to_dict(task, tasks, convert)
        out[dct["id"]] = dct
    return out


def _task_to_dict(task: Task, tasks: dict[UUID, Task], convert: _Convert) -> dict[str, Any]:
    """SpiffWorkflow's TaskConverter.to_dict (data stored as the delta from the parent's), the
    same dictionary, without the registry's per-task dispatch: a dump converts every task of
    the tree, and that dispatch was about a quarter of a dump's time."""
    parent = tasks.get(task._parent) if task._parent is not None else None
    if parent is None:
        data, delta = task.data, {}
    else:
        updates, deletions = _updated(parent.data, task.data), _deleted(parent.data, task.data)
        data, delta = {}, {"updates": updates, "deletions": deletions}
    internal = task.internal_data
    return {
        "id": str(task.id),
        "parent": str(task._parent) if parent is not None else None,
        "children": [str(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task.state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": convert(internal) if internal else {},
        "data": data,
        "delta": delta,
        "typename": "Task",
    }


_updated = DeepMerge.get_updated_keys
_deleted = DeepMerge.get_deleted_keys


def _registry() -> Any:  # SpiffWorkflow's serializer registry
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    return BpmnWorkflowSerializer.configure(config)


_REGISTRY = _registry()
# Our workflow class is stored under SpiffWorkflow's name: the stored state does not change.
_REGISTRY.typenames[HotlineWorkflow] = _REGISTRY.typenames[BpmnWorkflow]


def to_bytes(workflow: BpmnWorkflow) -> bytes:
    return _pack(orjson.dumps(_REGISTRY.convert(workflow)))


def from_bytes(blob: bytes, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    return _REGISTRY.restore(_unpack(blob), spec=spec, subprocess_specs=subprocess_specs)


def _pack(raw: bytes) -> bytes:
    # Level 1: the state is JSON with many repeated keys; fast compression shrinks it ~8x.
    return zlib.compress(raw, 1)


def _unpack(blob: bytes) -> dict[str, Any]:
    dct: dict[str, Any] = orjson.loads(zlib.decompress(blob))
    return dct


def state_copier(blob: bytes, *names: str) -> Callable[..., bytes]:
    """Copies of a stored state that differ only in workflow data fields: with
    `copy = state_copier(blob, "case_id")`, `copy(case_id=7)` is the state `blob` holds with
    `case_id` set to 7 wherever a task's data has it, ready to store.

    For making many cases from one (the bulk seed): the state is read once here, so a copy
    costs a join and a compression, not a load and a dump. Raises ValueError when the state
    has no such field.
    """
    dct = _unpack(blob)
    marks = {name: f"\x00mq-copy:{name}\x00" for name in names}
    replaced = dict.fromkeys(names, 0)
    for data in _data_dicts(dct):
        for name in names:
            if name in data:
                data[name] = marks[name]
                replaced[name] += 1
    missing = sorted(name for name, n in replaced.items() if not n)
    if missing:
        raise ValueError(f"the state has no data field {', '.join(missing)}")
    by_mark = {orjson.dumps(mark): name for name, mark in marks.items()}
    pieces = re.split(b"(" + b"|".join(map(re.escape, by_mark)) + b")", orjson.dumps(dct))
    parts, order = pieces[0::2], [by_mark[m] for m in pieces[1::2]]
    if len(order) != sum(replaced.values()):  # a marker that was already in the state
        raise ValueError("the state cannot be copied field by field")

    def copy(**values: object) -> bytes:
        if values.keys() != marks.keys():
            raise TypeError(f"state copies need exactly the fields {', '.join(names)}")
        encoded = {name: orjson.dumps(value) for name, value in values.items()}
        out = [parts[0]]
        for name, part in zip(order, parts[1:], strict=True):
            out += (encoded[name], part)
        return _pack(b"".join(out))

    return copy


def _data_dicts(dct: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The workflow data dictionaries of a dumped state: the workflow's, each task's (a task
    stores its data as the change from its parent's: `delta.updates`), and its subprocesses'."""
    yield dct.get("data") or {}
    for task in dct.get("tasks", {}).values():
        yield task.get("data") or {}
        yield (task.get("delta") or {}).get("updates") or {}
    for sub in (dct.get("subprocesses") or {}).values():
        yield from _data_dicts(sub)
