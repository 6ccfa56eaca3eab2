"""Task forms from forms/*.json: the actions each user task offers and their JSON Schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from app.errors import Invalid


class FormError(ValueError):
    """A form file that cannot be loaded as one task's form."""

    def __init__(self, file: str, task: str, reason: str) -> None:
        super().__init__(f"{file} [{task}]: {reason}")
        self.file, self.task, self.reason = file, task, reason


@dataclass(frozen=True)
class ActionSpec:
    name: str
    task: str
    title: dict
    actor: str  # "dept": the task's department acts; "from_dept": the sender acts
    roles: frozenset[str]
    outcome: str | None
    outcome_from: str | None
    unavailable: dict | None
    schema: dict
    validator: Draft202012Validator

    def outcome_for(self, data: dict) -> str | None:
        """The outcome the diagram's conditions read; None for an action nothing branches on
        (validate holds forms and conditions to each other: app/processes/contract.py)."""
        if self.outcome_from:
            outcome = data[self.outcome_from]
            assert isinstance(outcome, str)  # the form's schema makes it one of its strings
            return outcome
        return self.outcome


@dataclass(frozen=True)
class Forms:
    tasks: dict[str, dict]  # task name -> form document
    actions: dict[str, list[ActionSpec]]  # action name -> the tasks that offer it
    files: dict[str, str] = field(default_factory=dict)  # task name -> "forms/<file>.json"

    def for_task(self, task: str) -> list[ActionSpec]:
        return [a for specs in self.actions.values() for a in specs if a.task == task]

    def action(self, name: str) -> list[ActionSpec]:
        return self.actions.get(name, [])


@cache
def load_forms(directory: str) -> Forms:
    tasks: dict[str, dict] = {}
    actions: dict[str, list[ActionSpec]] = {}
    files: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        task = doc["task"]
        if task in tasks:
            raise FormError(
                f"{Path(directory).name}/{path.name}",
                task,
                f"a second form for task '{task}' (the first is {files[task]})",
            )
        tasks[task] = doc
        files[task] = f"{Path(directory).name}/{path.name}"
        for name, spec in doc["actions"].items():
            Draft202012Validator.check_schema(spec["schema"])
            actions.setdefault(name, []).append(
                ActionSpec(
                    name=name,
                    task=task,
                    title=spec["title"],
                    actor=spec["actor"],
                    roles=frozenset(spec["roles"]),
                    outcome=spec.get("outcome"),
                    outcome_from=spec.get("outcome_from"),
                    unavailable=spec.get("unavailable"),
                    schema=spec["schema"],
                    validator=Draft202012Validator(spec["schema"]),
                )
            )
    return Forms(tasks, actions, files)


def validate(spec: ActionSpec, data: dict) -> dict:
    errors = sorted(spec.validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise Invalid(
            "invalid_form_data",
            "表单数据不符合要求",
            "The data does not satisfy the task form",
            errors=[
                {"field": ".".join(str(p) for p in e.path) or None, "message": e.message}
                for e in errors
            ],
        )
    return data
