"""Per-action rules around a task completion: check the data against the organisation and
the case, shape what the workflow receives, and update the case's columns.

Three registries, side by side per action:
- a *precondition* (`@available`): why the action is refused now whatever data is sent (a
  limit reached, a deadline passed, nobody to send the case to). The step checks it before the
  data and the case detail before offering the action, so the two cannot disagree.
- the *live form* (`FORM_LIMITS`): city settings the action's JSON Schema carries, so that the
  schema a client is offered is the one the server validates with.
- the *handler* (`@handler`): the checks on the data and the action's effects.

A new step in the process is a diagram change plus, at most, a form and a handler here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import current_app
from jsonschema import Draft202012Validator
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased

from app.deadlines import overdue
from app.deadlines import service as deadlines
from app.errors import Invalid
from app.extensions import db
from app.forms.registry import ActionSpec
from app.models import Case, CaseEvent, Department, OpenTask, User
from app.models.org import DEPARTMENT
from app.timefmt import to_rfc3339


@dataclass
class ActionContext:
    case: Case
    task: OpenTask
    action: ActionSpec
    user: User
    # The action's form data, JSON checked against the form's JSON Schema (by jsonschema,
    # untyped): each key's type is the one the schema gives it, which Python cannot name here.
    data: dict[str, Any]
    now: datetime
    # What the handler adds to the task's data for the diagram, and to the step's event.
    workflow_data: dict[str, object] = field(default_factory=dict)
    event_data: dict[str, object] = field(default_factory=dict)
    to_department_id: int | None = None
    # A sign for on time: the department whose dispatches of the case so far it answers (each
    # dispatch's row records it, for the 按时签收率 measure).
    signed_on_time_for: int | None = None
    # The data the diagram holds on the task being completed (the engine's task data; read
    # only): what earlier steps put into the flow, read from there rather than kept twice.
    task_data: Mapping[str, object] = field(default_factory=dict)


Handler = Callable[[ActionContext], None]
HANDLERS: dict[str, Handler] = {}
# (case, the task acted on, now) -> the refusal, or None when the action is possible.
Precondition = Callable[[Case, OpenTask, datetime], Invalid | None]
PRECONDITIONS: dict[str, Precondition] = {}


def handler(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def available(*names: str) -> Callable[[Precondition], Precondition]:
    def register(fn: Precondition) -> Precondition:
        for name in names:
            PRECONDITIONS[name] = fn
        return fn

    return register


def refusal(action: str, case: Case, task: OpenTask, now: datetime) -> Invalid | None:
    """Why `action` on `task` is refused now whatever its data, or None."""
    check = PRECONDITIONS.get(action)
    return check(case, task, now) if check is not None else None


def check_available(action: str, case: Case, task: OpenTask, now: datetime) -> None:
    error = refusal(action, case, task, now)
    if error is not None:
        raise error


def _max_extension_days() -> int:
    days: int = current_app.config["MAX_EXTENSION_DAYS"]  # Flask's config holds Any
    return days


# JSON Schema keywords per property of a form's schema.
Keywords = dict[str, dict[str, object]]
# Settings that bound an action's data, as JSON Schema keywords per property. The form files
# leave these keywords out: the setting is their one source.
FORM_LIMITS: dict[str, Callable[[], Keywords]] = {
    "extension_request": lambda: {"days": {"maximum": _max_extension_days()}},
}
# (task, action, the keywords' repr) -> the live form.
_live_forms: dict[tuple[str, str, str], ActionSpec] = {}


def live_form(spec: ActionSpec) -> ActionSpec:
    """The action's form with the settings' limits in its schema (and its validator)."""
    limits = FORM_LIMITS.get(spec.name)
    if limits is None:
        return spec
    keywords = limits()
    key = (spec.task, spec.name, repr(sorted(keywords.items())))
    found = _live_forms.get(key)
    if found is None:
        properties = dict(spec.schema["properties"])
        for name, extra in keywords.items():
            properties[name] = {**properties[name], **extra}
        schema = {**spec.schema, "properties": properties}
        found = _live_forms[key] = replace(
            spec, schema=schema, validator=Draft202012Validator(schema)
        )
    return found


_DEPARTMENTS = select(Department).where(Department.id.in_(bindparam("ids", expanding=True)))


def _departments(ids: Iterable[int]) -> dict[int, Department]:
    """The departments with these ids, in one read."""
    return {d.id: d for d in db.session.scalars(_DEPARTMENTS, {"ids": list(ids)})}


def _department(found: dict[int, Department], dept_id: int) -> Department:
    dept = found.get(dept_id)
    if dept is None or not dept.active:
        raise Invalid(
            "unknown_department", "单位不存在或已停用", f"Department {dept_id} does not exist"
        )
    return dept


def _co_departments(found: dict[int, Department], ids: list[int], lead_id: int) -> dict[str, int]:
    """Co-departments keyed by id: a dict is what the multi-instance task needs to re-enter."""
    depts: dict[str, int] = {}
    for dept_id in ids:
        dept = _department(found, dept_id)
        if dept.is_centre or dept.id == lead_id:
            raise Invalid(
                "bad_co_department",
                "协办单位必须是承办单位以外的职能部门",
                f"Co-department {dept_id} must be a department other than the lead",
            )
        depts[str(dept.id)] = dept.id
    return depts


_source = aliased(Department)
# Whether the department has an active one below it: one read (a step runs it on every transfer).
_HAS_SUBORDINATE = select(
    exists().where(
        _source.id == bindparam("dept_id"),
        Department.active,
        Department.path.startswith(_source.path),
        Department.id != _source.id,
    )
)
_HAS_OTHER_DEPARTMENT = select(
    exists().where(
        Department.active, Department.kind == DEPARTMENT, Department.id != bindparam("dept_id")
    )
)


@available("transfer")
def someone_to_transfer_to(case: Case, task: OpenTask, now: datetime) -> Invalid | None:
    if db.session.scalar(_HAS_SUBORDINATE, {"dept_id": task.department_id}):
        return None
    return Invalid(
        "no_subordinate",
        "本单位没有可转办的下属单位",
        "There is no active department under yours to transfer the case to",
    )


@handler("transfer")
def transfer(ctx: ActionContext) -> None:
    co_ids = ctx.data.get("co_department_ids") or []
    found = _departments({ctx.task.department_id, ctx.data["target_department_id"], *co_ids})
    source = found[ctx.task.department_id]
    target = _department(found, ctx.data["target_department_id"])
    if target.id == source.id or not target.path.startswith(source.path):
        raise Invalid(
            "not_a_subordinate",
            "只能转办给本级下属单位",
            f"{target.name_en or target.name} is not under {source.name_en or source.name}",
        )
    if co_ids and target.is_centre:
        raise Invalid(
            "joint_needs_department",
            "联办只能派给职能部门，不能派给区级中心",
            "Joint handling needs a department as lead, not a district centre",
        )
    ctx.workflow_data.update(
        target_dept=target.id,
        target_is_centre=target.is_centre,
        co_depts=_co_departments(found, co_ids, target.id),
    )
    ctx.to_department_id = target.id


@handler("sign")
def sign(ctx: ActionContext) -> None:
    due = ctx.case.sign_due_at
    # Kept on the event for the 按时签收率 (signed on time) measure: on time unless the sign-for
    # deadline had passed (the overdue rule's word: at the deadline itself it has not).
    on_time = not overdue.passed(due, ctx.now)
    ctx.event_data.update(due=to_rfc3339(due) if due else None, on_time=on_time)
    if on_time:
        ctx.signed_on_time_for = ctx.user.department_id


@handler("recall")
def recall(ctx: ActionContext) -> None:
    ctx.to_department_id = ctx.task.from_department_id


@handler("reply")
def reply(ctx: ActionContext) -> None:
    ctx.case.reply_text = ctx.data["text"]
    ctx.case.reply_result = ctx.data["result_code"]
    ctx.case.replied_at = ctx.now  # replied late: the step flags the case (overdue.note_late)
    # Kept on the event for the 按期办结率 (replied on time) measure: late when the handling
    # deadline (moved by approved extensions) had passed or the round was flagged overdue.
    ctx.event_data["on_time"] = not overdue.overdue_from(
        ctx.case.overdue, ctx.case.handle_due_at, ctx.now
    )


@handler("co_reply")
def co_reply(ctx: ActionContext) -> None:
    ctx.workflow_data["co_reply_data"] = {
        "department_id": ctx.task.department_id,
        "text": ctx.data["text"],
        "at": to_rfc3339(ctx.now),
    }


@available("return_request")
def returns_left(case: Case, task: OpenTask, now: datetime) -> Invalid | None:
    limit: int = current_app.config["MAX_RETURNS_PER_CASE"]  # Flask's config holds Any
    if case.return_count < limit:
        return None
    return Invalid(
        "return_limit_reached",
        f"本工单退回次数已达上限（{limit}次），不能再退回",
        f"This case has been returned {case.return_count} times; the limit is {limit}",
    )


@handler("return_request")
def return_request(ctx: ActionContext) -> None:
    ctx.to_department_id = ctx.task.from_department_id


@handler("approve_return")
def approve_return(ctx: ActionContext) -> None:
    ctx.case.return_count += 1
    deadlines.reset_handling_clock(ctx.case)


@available("extension_request")
def extension_possible(case: Case, task: OpenTask, now: datetime) -> Invalid | None:
    if case.extension_count >= current_app.config["MAX_EXTENSIONS_PER_CASE"]:
        return Invalid(
            "extension_limit_reached",
            "本工单延期次数已达上限",
            f"The case already had {case.extension_count} extension(s); that is the limit",
        )
    due = case.handle_due_at
    if due is not None and now >= due:
        return Invalid(
            "extension_too_late",
            "已超过办理期限，不能再申请延期",
            f"Extensions must be asked before the deadline ({due:%Y-%m-%d %H:%M})",
        )
    return None


@handler("extension_request")
def extension_request(ctx: ActionContext) -> None:
    # The number of days is bounded by the live form (MAX_EXTENSION_DAYS), checked with the data.
    # The request's days travel in the flow to the decision task, which reads them there.
    ctx.workflow_data["extension_days"] = ctx.data["days"]
    ctx.to_department_id = ctx.task.from_department_id


@handler("approve_extension")
def approve_extension(ctx: ActionContext) -> None:
    days = ctx.task_data["extension_days"]  # the request put the form's integer there
    assert isinstance(days, int)
    ctx.case.extension_count += 1
    deadlines.extend_handling_clock(ctx.case, days)


@available("joint_request")
def someone_to_join(case: Case, task: OpenTask, now: datetime) -> Invalid | None:
    if db.session.scalar(_HAS_OTHER_DEPARTMENT, {"dept_id": task.department_id}):
        return None
    return Invalid(
        "no_co_department", "没有可联办的其他职能部门", "There is no other department to join"
    )


@handler("joint_request")
def joint_request(ctx: ActionContext) -> None:
    co_ids = ctx.data["co_department_ids"]
    ctx.workflow_data["requested_co_depts"] = _co_departments(
        _departments(co_ids), co_ids, ctx.task.department_id
    )
    ctx.to_department_id = ctx.task.from_department_id


@handler("revisit")
def revisit(ctx: ActionContext) -> None:
    # The latest answer; "unreachable" when the tries ran out. The diagram counts the tries
    # (count_try, reset by reopen): the case's column is their projection (FLOW_COLUMNS).
    ctx.case.satisfaction = ctx.data["result"]
    # The department whose reply is judged (the revisit task's sender), kept on the event for
    # the 满意率 and 解决率 per department (app/reports/measures.py).
    ctx.event_data["department_id"] = ctx.task.from_department_id


# The department of the case's latest reply: the one a revisit, and the reopen it causes, judge.
_LATEST_REPLY_DEPARTMENT = (
    select(CaseEvent.from_department_id)
    .where(CaseEvent.case_id == bindparam("case_id"), CaseEvent.action == "reply")
    .order_by(CaseEvent.id.desc())
    .limit(1)
)


def reopen(case: Case) -> int | None:
    """重办: the case's columns when a replied case goes back to the departments (the step
    sees it from the task the diagram opens next, whatever path led there): a new round.
    Returns the department whose reply is judged (the reopen counts for it)."""
    case.reopen_count += 1
    case.replied_at = None
    deadlines.reset_handling_clock(case)
    return db.session.scalar(_LATEST_REPLY_DEPARTMENT, {"case_id": case.id})


# Case columns that mirror a variable the diagram keeps (variable -> column): the diagram's
# value is the one source; the step copies it after the engine ran, so lists and reports read
# a column and never a second count kept beside the flow.
FLOW_COLUMNS = {"revisit_tries": "revisit_tries"}


def project_flow_data(case: Case, data: Mapping[str, object]) -> None:
    for variable, column in FLOW_COLUMNS.items():
        value = data.get(variable)
        if value is not None and getattr(case, column) != value:
            setattr(case, column, value)
