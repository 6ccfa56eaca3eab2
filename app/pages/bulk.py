"""Bulk sign and bulk transfer from a work list: read the chosen rows and the action's data,
check the data against the action's form (a refused target is marked, nothing is done), then
hand every case to the case service on its own (app/cases/worklists.py `act_on_each`) and
report, per case, done or the service's refusal.

The rows come as checkboxes `items` = "<case id>:<task id>" (the task the list showed, so that a
task someone took meanwhile is reported as such); a row's own sign button sends `sign_one`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.cases import handlers, worklists
from app.cases.worklists import BULK_MAX, Outcome
from app.forms.registry import load_forms
from app.ids import parse_id
from app.pages.schema_form import Field, check, fields_of, read_form
from app.pages.session import signed_in

BULK_ACTIONS = ("sign", "transfer")
TARGET = "target_department_id"
_TASK_ID = re.compile(r"[0-9a-fA-F-]{1,36}")


@dataclass
class BulkResult:
    action: str = ""
    outcomes: list[Outcome] | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)  # per field; `_form`: the form's
    status: int = 200


def _schema(action: str) -> dict[str, Any]:
    """The action's form schema as the server checks it (the same on every task offering it)."""
    specs = load_forms(current_app.config["FORMS_DIR"]).action(action)
    schema: dict[str, Any] = handlers.live_form(specs[0]).schema
    return schema


def target_field(errors: list[str], value: str | None) -> Field:
    """The bulk transfer's target department, a picker drawn as the transfer form draws it."""
    schema = _schema("transfer")
    fields = fields_of(schema, {TARGET: value} if value else {}, {TARGET: errors})
    return next(f for f in fields if f.name == TARGET)


def _targets(values: list[str]) -> tuple[list[tuple[int, str]], list[Outcome]]:
    """The chosen rows as (case id, task id); those that name no row, refused."""
    good: list[tuple[int, str]] = []
    bad: list[Outcome] = []
    for value in values:
        case_ref, _sep, task_id = value.partition(":")
        case_id = parse_id(case_ref)
        if case_id is None or not _TASK_ID.fullmatch(task_id):
            bad.append(
                Outcome(
                    case_id=0,
                    number=None,
                    done=False,
                    code="bad_selection",
                    message={"zh": _("Not a row of the list."), "en": _("Not a row of the list.")},
                )
            )
        else:
            good.append((case_id, task_id))
    return good, bad


def run(form: MultiDict[str, str]) -> BulkResult:
    if form.get("sign_one"):
        action, chosen = "sign", [form["sign_one"]]
    else:
        action, chosen = form.get("action", ""), form.getlist("items")
    result = BulkResult(action=action)
    if action not in BULK_ACTIONS:
        result.errors["_form"] = [_("Choose what to do with the chosen cases.")]
    elif not chosen:
        result.errors["_form"] = [_("Choose at least one case.")]
    elif len(chosen) > BULK_MAX:
        result.errors["_form"] = [_("At most %(n)d cases at a time.", n=BULK_MAX)]
    data: dict[str, Any] = {}
    if action == "transfer":
        data, errors = _transfer_data(form)
        result.errors.update(errors)
    if result.errors:
        result.status = 422
        return result
    targets, refused = _targets(chosen)
    result.outcomes = refused + worklists.act_on_each(
        signed_in(), action, targets, data, client_ip=request.remote_addr or ""
    )
    return result


def _transfer_data(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The target as the transfer form reads and checks it (an id no department can have is
    refused here, before it reaches the database)."""
    schema = _schema("transfer")
    raw = form.get(TARGET, "").strip()
    if raw and parse_id(raw) is None:
        return {}, {TARGET: [_("Choose from the list.")]}
    only = MultiDict([(TARGET, raw)])
    data, errors = read_form(schema, only)
    return data, errors or check(schema, data)
