"""What a compiled process's conditions see after each user task: the walk validate uses to
check the diagram's gateways against the forms' outcomes (app/processes/contract.py).

From a user task the walk follows the sequence flows through script tasks, plain tasks,
gateways and events, and stops at the next user task (the same one included: a loop back) or
at a script that assigns the variable itself (from there on the conditions read the script's
value, not the task's). Every gateway condition met on the way is one the task's value reaches.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

from app.engine.parsing import CompiledProcess


@dataclass(frozen=True)
class Condition:
    gateway: str  # the gateway's BPMN id
    flow: str  # the sequence flow that carries the condition
    target: str  # where the flow leads
    expression: str
    file: str
    line: int


@dataclass(frozen=True)
class Reach:
    conditions: tuple[Condition, ...]  # met before the variable is reassigned
    rewritten_by: tuple[str, ...]  # scripts met that assign the variable
    after_rewrite: tuple[Condition, ...]  # met after such a script (they read its value)


def conditions(process: CompiledProcess) -> list[Condition]:
    """Every gateway condition of the process, in the diagram's order."""
    found = []
    for spec in process.spec.task_specs.values():
        found.extend(_conditions_of(process, spec))
    return sorted(found, key=lambda c: (c.file, c.line, c.flow))


def reach(process: CompiledProcess, task: str, variable: str) -> Reach:
    """The conditions that the value of `variable` set by user task `task` reaches."""
    starts = [spec for spec in process.spec.task_specs.values() if spec.bpmn_id == task]
    rewritten = [task] if any(_assigns(spec, variable) for spec in starts) else []
    todo = [(out, bool(rewritten)) for spec in starts for out in spec.outputs]
    seen: set[tuple[str, bool]] = set()
    met: set[Condition] = set()
    after: set[Condition] = set()
    while todo:
        spec, was_rewritten = todo.pop()
        if (spec.name, was_rewritten) in seen:
            continue
        seen.add((spec.name, was_rewritten))
        if spec.bpmn_id in process.user_tasks:
            continue
        if not was_rewritten and _assigns(spec, variable):
            rewritten.append(spec.bpmn_id)
            was_rewritten = True
        (after if was_rewritten else met).update(_conditions_of(process, spec))
        todo.extend((out, was_rewritten) for out in spec.outputs)
    order = lambda c: (c.line, c.flow)  # noqa: E731
    return Reach(tuple(sorted(met, key=order)), tuple(rewritten), tuple(sorted(after, key=order)))


def _conditions_of(process: CompiledProcess, spec: Any) -> list[Condition]:
    if not isinstance(spec, MultiChoice):
        return []
    out = []
    for condition, target in spec.cond_task_specs:
        if condition is None:
            continue
        target_spec = process.spec.task_specs.get(target)
        target_id = getattr(target_spec, "bpmn_id", None) or target
        flow = process.flows.get((spec.bpmn_id, target_id), "")
        file, line = process.elements.get(flow or spec.bpmn_id, ("", 0))
        out.append(Condition(spec.bpmn_id, flow, target_id, condition.args[0] or "", file, line))
    return out


def _assigns(spec: Any, variable: str) -> bool:
    sources = []
    if isinstance(spec, ScriptTask):
        sources.append(spec.script or "")
    if isinstance(spec, SpiffBpmnTask):
        sources.extend(s for s in (spec.prescript, spec.postscript) if s)
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # refused by the code check
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Name)
                and node.id == variable
                and not isinstance(node.ctx, ast.Load)
            ):
                return True
    return False
