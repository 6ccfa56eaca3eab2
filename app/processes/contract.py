"""The diagram and the forms checked against each other at validate (and so at deploy).

Refused, with the file, the element id and the reason:
- a user task without a form, a form without a user task;
- a role in a form that app/vocabulary.py does not know, an actor other than `dept` or
  `from_dept` (and `from_dept` on a task that names no sender);
- the outcome contract, both ways (the rule is in the README, "The outcome contract"):
  an action's outcome that no condition after its task reads, an action without an outcome
  where conditions after its task read one, and a condition that tests an outcome that no
  action of the tasks before it produces;
- a user task the diagram does not draw (no BPMN DI shape).

Status words and clocks are checked by the engine (app/engine/parsing.py) against the same
registry, where it reads the task's properties.
"""

from __future__ import annotations

import ast

from app.engine import CompiledProcess, ProcessError
from app.engine.flow_graph import Condition, conditions, reach
from app.forms.registry import ActionSpec, Forms
from app.vocabulary import ROLES

OUTCOME = "outcome"  # the task-data variable an action's outcome is completed with
ACTORS = ("dept", "from_dept")


def check(compiled: CompiledProcess, forms: Forms) -> None:
    _forms_and_tasks(compiled, forms)
    for task in compiled.user_tasks:
        _actions(compiled, forms, task)
    _outcomes(compiled, forms)
    _drawn(compiled)


def _task_place(compiled: CompiledProcess, task: str) -> tuple[str, int | str]:
    file, line = compiled.elements.get(task, ("", 0))
    return file, line or ""


def _forms_and_tasks(compiled: CompiledProcess, forms: Forms) -> None:
    for task in compiled.user_tasks:
        if task not in forms.tasks:
            file, line = _task_place(compiled, task)
            raise ProcessError(file, task, f"user task has no form: add forms/{task}.json", line)
    names = compiled.user_tasks
    for task, file in sorted(forms.files.items()):
        if task not in names:
            raise ProcessError(
                file,
                task,
                f"form for task '{task}', which is not a user task of process "
                f"'{compiled.process_id}' (its user tasks: {', '.join(sorted(names))})",
            )


def _actions(compiled: CompiledProcess, forms: Forms, task: str) -> None:
    file = forms.files.get(task, "")
    for action in forms.for_task(task):
        unknown = sorted(action.roles - ROLES.keys())
        if unknown:
            raise ProcessError(
                file,
                task,
                f"action '{action.name}': role '{unknown[0]}' is not a role the system knows "
                f"(known: {', '.join(ROLES)})",
            )
        if action.actor not in ACTORS:
            raise ProcessError(
                file,
                task,
                f"action '{action.name}': actor '{action.actor}' is not one of {', '.join(ACTORS)}",
            )
        if action.actor == "from_dept" and not compiled.user_tasks[task].from_dept:
            raise ProcessError(
                file,
                task,
                f"action '{action.name}' is taken by the sender (from_dept), but the user task "
                "has no 'from_dept' property naming one",
            )


def produced(action: ActionSpec) -> tuple[str, ...]:
    """The outcomes an action can complete its task with: its `outcome`, or the `enum` of
    the schema property `outcome_from` names. Raises ValueError when that has no enum."""
    if action.outcome_from:
        prop = action.schema.get("properties", {}).get(action.outcome_from, {})
        values = prop.get("enum")
        if not values or not all(isinstance(v, str) for v in values):
            raise ValueError(
                f"action '{action.name}' takes its outcome from '{action.outcome_from}', which "
                "needs an enum of strings in the schema"
            )
        return tuple(values)
    return (action.outcome,) if action.outcome else ()


class _Unreadable(ValueError):
    pass


def tested(expression: str, variable: str = OUTCOME) -> frozenset[str] | None:
    """The string constants a condition compares `variable` with (`==`, `!=`, `in`, `not in`
    a tuple, list or set of strings); None when it does not mention the variable. Raises
    _Unreadable when it uses the variable any other way (validate cannot tell what it reads)."""
    tree = ast.parse(expression.strip(), mode="eval")
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == variable]
    if not uses:
        return None
    values: set[str] = set()
    read: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            for name, const in ((left, right), (right, left)):
                text = _text(const)
                if _is(name, variable) and text is not None:
                    values.add(text)
                    read.add(id(name))
        elif isinstance(op, (ast.In, ast.NotIn)) and _is(left, variable):
            items = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else None
            texts = [_text(i) for i in items or ()]
            known = [t for t in texts if t is not None]
            if items and len(known) == len(texts):
                values.update(known)
                read.add(id(left))
    if any(id(n) not in read for n in uses):
        raise _Unreadable(expression)
    return frozenset(values)


def _is(node: ast.AST, variable: str) -> bool:
    return isinstance(node, ast.Name) and node.id == variable


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _tested_by(condition: Condition) -> frozenset[str] | None:
    try:
        return tested(condition.expression)
    except _Unreadable:
        raise ProcessError(
            condition.file,
            condition.flow,
            f"condition on {condition.gateway} uses '{OUTCOME}' other than by comparing it "
            f"with strings (==, !=, in, not in), so validate cannot check it against the "
            f"forms: {condition.expression.strip()}",
            condition.line,
        ) from None
    except SyntaxError:
        return None  # refused by the code check


def _outcomes(compiled: CompiledProcess, forms: Forms) -> None:
    by_task: dict[str, dict[str, str]] = {}  # task -> outcome -> the action producing it
    readers: dict[str, set[str]] = {}  # condition's flow -> the tasks whose outcome reaches it
    exempt: set[str] = set()  # flows after a script that sets the outcome itself
    reads: dict[str, tuple[dict[str, Condition], list[Condition], bool]] = {}
    for task in compiled.user_tasks:
        outs: dict[str, str] = {}
        for action in forms.for_task(task):
            try:
                for value in produced(action):
                    outs.setdefault(value, action.name)
            except ValueError as exc:
                raise ProcessError(forms.files.get(task, ""), task, str(exc)) from None
        by_task[task] = outs
        reached = reach(compiled, task, OUTCOME)
        exempt.update(c.flow for c in reached.after_rewrite)
        read: dict[str, Condition] = {}
        reading: list[Condition] = []
        for condition in reached.conditions:
            values = _tested_by(condition)
            if values is None:
                continue
            reading.append(condition)
            readers.setdefault(condition.flow, set()).add(task)
            for value in values:
                read.setdefault(value, condition)
        reads[task] = (read, reading, bool(reached.rewritten_by))
    # The conditions first: of a misspelling, on either side, this names both spellings.
    for condition in conditions(compiled):
        values = _tested_by(condition)
        if values is None:
            continue
        tasks = sorted(readers.get(condition.flow, ()))
        if not tasks:
            if condition.flow in exempt:
                continue
            raise ProcessError(
                condition.file,
                condition.flow,
                f"condition on {condition.gateway} tests '{OUTCOME}', but no user task's "
                "outcome reaches it",
                condition.line,
            )
        made = set().union(*(by_task[t] for t in tasks))
        for value in sorted(values - made):
            raise ProcessError(
                condition.file,
                condition.flow,
                f"condition on {condition.gateway} tests outcome '{value}', which no action of "
                f"{', '.join(tasks)} produces (they produce: "
                f"{', '.join(repr(v) for v in sorted(made)) or 'none'})",
                condition.line,
            )
    for task, (read, reading, rewritten) in reads.items():
        if rewritten:
            continue  # a script decides the outcome the gateways read; it reads the task's
        _every_outcome_read(task, forms, read, reading)


def _every_outcome_read(
    task: str, forms: Forms, read: dict[str, Condition], reading: list[Condition]
) -> None:
    file = forms.files.get(task, "")
    where = ", ".join(f"{c.flow} on {c.gateway}" for c in reading)
    for action in forms.for_task(task):
        values = produced(action)
        if not values and reading:
            raise ProcessError(
                file,
                task,
                f"action '{action.name}' sets no outcome, but conditions after task "
                f"'{task}' read one ({where}); give the action an outcome they test",
            )
        for value in values:
            if value in read:
                continue
            if reading:
                reason = (
                    f"action '{action.name}' produces outcome '{value}', which no "
                    f"condition after task '{task}' tests ({where} test "
                    f"{', '.join(repr(v) for v in sorted(read))}); a gateway's default "
                    "flow does not count: test the outcome by name"
                )
            else:
                reason = (
                    f"action '{action.name}' produces outcome '{value}', but no condition "
                    f"after task '{task}' reads an outcome; leave 'outcome' out of the "
                    "action, or branch on it in the diagram"
                )
            raise ProcessError(file, task, reason)


def _drawn(compiled: CompiledProcess) -> None:
    for task in compiled.user_tasks:
        if task not in compiled.shapes:
            file, line = _task_place(compiled, task)
            raise ProcessError(
                file,
                task,
                "user task has no shape in the diagram (BPMN DI): draw it in a BPMN editor "
                "(Camunda Modeler, bpmn.io) and save, so that it shows on the case page",
                line,
            )
