"""The hotline actions: accept a case and act on its open tasks.

Each action is one transaction: the workflow state, the case's columns, the open-task rows
and the event log are written together or not at all. Of two concurrent actions on one case
exactly one wins: the new state is written with an UPDATE guarded by the version it was read at.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app
from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from app import engine
from app.auth import policy
from app.cases import handlers, idempotency, query_password, scope_index, workflow_cache
from app.cases.handlers import HANDLERS, ActionContext
from app.cases.numbering import next_number
from app.clock import clock
from app.deadlines import service as deadlines
from app.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    case_not_found,
    concurrent_update,
    diagram_failed,
)
from app.extensions import db
from app.forms.registry import ActionSpec, load_forms, validate
from app.models import (
    Case,
    CaseEvent,
    CaseType,
    Category,
    Department,
    OpenTask,
    ProcessVersion,
    User,
    WorkflowInstance,
)
from app.models.case import CLOSED, REPLIED
from app.models.org import CITY
from app.processes import service as processes
from app.write_batch import StaleRows, WriteBatch

_instances = WorkflowInstance.__table__
_open_tasks = OpenTask.__table__
# A step's statements, built once: building and cache-keying them per step costs more than
# running them on SQLite.
_LOAD_FOR_STEP = (
    select(Case, WorkflowInstance.version, WorkflowInstance.process_version_id)
    .join(WorkflowInstance, WorkflowInstance.case_id == Case.id)
    .where(Case.id == bindparam("case_id"))
    .options(joinedload(Case.open_tasks))
    .execution_options(populate_existing=True)
)
_CLAIM = (
    update(_instances)
    .where(
        _instances.c.case_id == bindparam("b_case"),
        _instances.c.version == bindparam("b_version"),
    )
    .values(version=bindparam("b_new"), state=bindparam("b_state"), updated_at=bindparam("b_at"))
)
_DELETE_TASK = delete(_open_tasks).where(_open_tasks.c.id == bindparam("b_id"))
_INSERT_TASKS = insert(_open_tasks)
_REUSE_TASK_ROW = (
    update(_open_tasks)
    .where(_open_tasks.c.id == bindparam("b_id"))
    .values({c.name: bindparam(f"b_{c.name}") for c in _open_tasks.c if c.name != "id"})
)
_INSERT_EVENT = insert(CaseEvent.__table__)
_INSERT_INSTANCE = insert(_instances)
_cases = Case.__table__
# ORM attribute name -> column name, for the case columns a step writes itself.
_CASE_COLUMNS = {attr.key: attr.columns[0].name for attr in inspect(Case).column_attrs}
_UPDATE_CASE: dict[frozenset, object] = {}


@dataclass
class Intake:
    channel: str
    citizen_name: str
    citizen_phone: str
    content: str
    case_type: str
    priority: str = "normal"
    citizen_address: str = ""
    category: str | None = None
    answered: bool = False
    answer: str = ""
    # The sending system's own id for the demand (Open311 service_request_id, IVR call id):
    # an idempotency key when no Idempotency-Key header is sent.
    external_id: str | None = None


def accept(
    intake: Intake, user: User, idempotency_key: str | None = None, client_ip: str = ""
) -> tuple[Case, str | None, bool]:
    """Register a demand. Returns (case, query password or None if replayed, created).

    `idempotency_key` is the request's Idempotency-Key header as sent (None when absent); see
    app/cases/idempotency.py for how it and `intake.external_id` make a repeat a replay.
    """
    policy.check_accept(user)
    key = idempotency.stored_key(idempotency_key, intake.external_id)
    body = idempotency.fingerprint(intake) if key else None
    if key:
        existing = idempotency.earlier_case(user, key, body)
        if existing is not None:
            return existing, None, False
    try:
        case, password = _create(intake, user, key, body, client_ip)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # The same key committed by a concurrent request since the lookup above.
        existing = key and idempotency.earlier_case(user, key, body)
        if existing:
            return existing, None, False
        raise
    except Exception:
        db.session.rollback()
        raise
    return case, password, True


# Built once, like the step's statements below.
_INTAKE_REFERENCES = select(
    select(CaseType.id).where(CaseType.code == bindparam("case_type")).scalar_subquery(),
    select(Category.id).where(Category.code == bindparam("category")).scalar_subquery(),
    processes.newest_version(bindparam("process_id"))
    .with_only_columns(ProcessVersion.id)
    .scalar_subquery(),
    select(Department.id).where(Department.kind == CITY).limit(1).scalar_subquery(),
)


def _intake_references(intake: Intake):
    """The ids an intake refers to, in one read: case type, category, the newest process
    version and the city centre (None where missing)."""
    return db.session.execute(
        _INTAKE_REFERENCES,
        {
            "case_type": intake.case_type,
            "category": intake.category,
            "process_id": current_app.config["MAIN_PROCESS"],
        },
    ).one()


def _create(
    intake: Intake,
    user: User,
    idempotency_key: str | None,
    idempotency_fingerprint: str | None,
    client_ip: str,
):
    case_type_id, category_id, version_id, city_id = _intake_references(intake)
    if case_type_id is None:
        raise Invalid(
            "unknown_case_type", "诉求类型不存在", f"Unknown case type '{intake.case_type}'"
        )
    if intake.category and category_id is None:
        raise Invalid("unknown_category", "分类不存在", f"Unknown category '{intake.category}'")
    if intake.answered and not intake.answer.strip():
        raise Invalid(
            "answer_required", "即办件需填写答复内容", "A case answered at intake needs the answer"
        )
    if version_id is None:
        raise DomainError(
            "no_process",
            "流程尚未部署",
            "No process is deployed: run `flask processes deploy`",
            status=503,
        )
    if city_id is None:
        raise DomainError(
            "no_city_centre", "尚未配置市级中心", "No city centre department is set up", status=503
        )
    now = clock.now()
    password = query_password.new_password()
    number = next_number(now)
    case = Case(
        number=number,
        query_password_hash=query_password.hash_password(number, password),
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        channel=intake.channel,
        citizen_name=intake.citizen_name,
        citizen_phone=intake.citizen_phone,
        citizen_address=intake.citizen_address,
        content=intake.content,
        case_type_id=case_type_id,
        category_id=category_id,
        priority=intake.priority,
        accepted_by_id=user.id,
        created_at=now,
        updated_at=now,
        status="accepted",
        answered=intake.answered,
        answer=intake.answer if intake.answered else "",
    )
    deadlines.time_limit(case)  # refuse a type/priority without limits before anything is written
    db.session.add(case)
    db.session.flush()
    compiled = processes.compiled(version_id)
    try:
        workflow = engine.start(
            compiled,
            {
                "case_id": case.id,
                "city_dept": city_id,
                "answered": intake.answered,
                "revisit_tries": 0,
                "max_revisit_tries": current_app.config["MAX_REVISIT_TRIES"],
            },
        )
    except engine.EngineError as exc:
        raise _engine_failed(exc) from exc
    writes = WriteBatch()
    writes.add(
        _INSERT_INSTANCE,
        {
            "case_id": case.id,
            "process_version_id": version_id,
            "serializer_version": engine.SERIALIZER_VERSION,
            "state": engine.dump(workflow),
            "version": 1,
            "updated_at": now,
        },
    )
    _log(writes, case, user, "accept", now, client_ip, None, {"channel": intake.channel})
    _project(writes, case, compiled, workflow, [], now, user, client_ip, scope_before=None)
    _send(writes)
    workflow_cache.remember(db.session(), case.id, 1, workflow)
    return case, password


def act(
    case_id: int,
    action_name: str,
    data: dict,
    user: User,
    task_uuid: str | None = None,
    client_ip: str = "",
) -> Case:
    """Complete an open task of the case with one of its form's actions."""
    specs = load_forms(current_app.config["FORMS_DIR"]).action(action_name)
    if not specs:
        raise NotFound("unknown_action", "未知操作", f"Unknown action '{action_name}'")
    try:
        case = _act(case_id, action_name, specs, data, user, task_uuid, client_ip)
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        if "locked" in str(exc).lower():  # SQLite: another writer holds the database
            raise concurrent_update() from exc
        raise
    except BaseException:
        db.session.rollback()
        raise
    return case


def _act(case_id, action_name, specs, data, user, task_uuid, client_ip) -> Case:
    # One read for the case, its open tasks and the engine-state version the step builds on.
    found = db.session.execute(_LOAD_FOR_STEP, {"case_id": case_id}).unique().one_or_none()
    if found is None:
        raise case_not_found()
    # Nothing is written before the claim below, so a step needs one flush, at commit.
    with db.session.no_autoflush:
        return _step(found, action_name, specs, data, user, task_uuid, client_ip)


def _step(found, action_name, specs, data, user, task_uuid, client_ip) -> Case:
    case, version, process_version_id = found
    case_id = case.id
    rows = list(case.open_tasks)
    scope_before = scope_index.scope_values(case)
    task, spec = _pick_task(rows, specs, user, task_uuid, case, action_name)
    now = clock.now()
    # Refused whatever the data (a limit, a deadline): said before anything about the data.
    handlers.check_available(spec.name, case, task, now)
    spec = handlers.live_form(spec)
    validate(spec, data)

    compiled = processes.compiled(process_version_id)
    workflow = _workflow(case_id, version, compiled)
    try:
        task_data = MappingProxyType(engine.task_data(workflow, task.task_uuid))
    except Exception as exc:  # the row's task is not in the state this step read
        raise concurrent_update() from exc
    ctx = ActionContext(
        case=case, task=task, action=spec, user=user, data=data, now=now, task_data=task_data
    )
    if spec.name in HANDLERS:
        HANDLERS[spec.name](ctx)

    try:
        engine.complete(
            workflow, task.task_uuid, {"outcome": spec.outcome_for(data), **ctx.workflow_data}
        )
    except engine.TaskNotReady as exc:
        raise concurrent_update() from exc
    except engine.EngineError as exc:
        raise _engine_failed(exc) from exc

    # The claim: the new state is written only over the version this step read. Of two
    # concurrent steps exactly one matches; the other's UPDATE waits for the winner's row
    # lock, then matches nothing (409), and its transaction is rolled back.
    writes = WriteBatch()
    writes.add(
        _CLAIM,
        {
            "b_case": case_id,
            "b_version": version,
            "b_new": version + 1,
            "b_state": engine.dump(workflow),
            "b_at": now,
        },
        expect_rows=1,
    )
    _log(
        writes,
        case,
        user,
        spec.name,
        now,
        client_ip,
        to_dept=ctx.to_department_id,
        # The task it completed: a client naming that task later is told someone acted on it.
        data={**data, **ctx.event_data, "task_id": task.task_uuid},
    )
    _project(writes, case, compiled, workflow, rows, now, user, client_ip, scope_before)
    try:
        _send(writes)
    except StaleRows as exc:
        raise concurrent_update() from exc
    workflow_cache.remember(db.session(), case_id, version + 1, workflow)
    return case


def _engine_failed(exc: engine.EngineError) -> DomainError:
    """The diagram's code failed or was stopped: our error shape (the caller rolls back)."""
    return diagram_failed(exc.code, exc.element_id, exc.line, exc.reason)


def _workflow(case_id: int, version: int, compiled):
    """The case's workflow at `version`: the cached object when it matches, else loaded."""
    cached = workflow_cache.take(case_id, version)
    if cached is not None:
        return cached
    blob = db.session.scalar(
        select(WorkflowInstance.state).where(WorkflowInstance.case_id == case_id)
    )
    return engine.load(compiled, blob)


_TASK_COMPLETED = (
    select(CaseEvent.id)
    .where(
        CaseEvent.case_id == bindparam("case_id"),
        CaseEvent.data["task_id"].as_string() == bindparam("task_uuid"),
    )
    .limit(1)
)


def _completed(case_id: int, task_uuid: str) -> bool:
    """Whether a step of the case completed this task (read from the event log)."""
    params = {"case_id": case_id, "task_uuid": task_uuid}
    return db.session.scalar(_TASK_COMPLETED, params) is not None


def _pick_task(rows, specs: list[ActionSpec], user: User, task_uuid, case: Case, action_name):
    candidates = [
        (row, spec)
        for row in rows
        for spec in specs
        if spec.task == row.task_name and (task_uuid is None or row.task_uuid == task_uuid)
    ]
    allowed = next(((r, s) for r, s in candidates if policy.may_act(user, r, s)), None)
    if allowed is not None:
        return allowed  # acting on a task of one's own department implies seeing the case
    if not policy.can_view(user, case):
        raise case_not_found()
    if task_uuid is not None and not candidates and _completed(case.id, task_uuid):
        # The client acted on a task it saw open and someone completed it since: the same
        # answer as losing the claim, whether the winner committed before this step read or
        # after (the claim path).
        raise concurrent_update()
    if not candidates:
        unavailable = next((s.unavailable for s in specs if s.unavailable), None)
        zh = (unavailable or {}).get("zh", "工单当前状态不允许此操作")
        en = (unavailable or {}).get(
            "en", f"'{action_name}' is not possible while the case is {case.status}"
        )
        raise Conflict("action_not_available", zh, en, status_now=case.status)
    row, spec = candidates[0]
    policy.check_act(user, row, spec)
    raise AssertionError("check_act must raise")  # pragma: no cover


def _project(
    writes: WriteBatch,
    case: Case,
    compiled,
    workflow,
    old_rows,
    now,
    user,
    client_ip,
    scope_before: dict | None,
) -> None:
    """Set the case's clocks and status from the workflow's ready tasks and queue the writes
    of its open-task rows, its columns and its scope rows."""
    status_before = case.status
    ready = engine.ready_tasks(compiled, workflow)
    ready_ids = {t.uuid for t in ready}
    old_ids = {r.task_uuid for r in old_rows}
    gone = [r for r in old_rows if r.task_uuid not in ready_ids]
    new = [t for t in ready if t.uuid not in old_ids]
    dues = deadlines.on_tasks_opened(case, new, {r.clock for r in gone}, now)
    _replace_task_rows(
        writes,
        gone,
        [
            {
                "case_id": case.id,
                "task_uuid": t.uuid,
                "task_name": t.name,
                "title": t.title,
                "department_id": t.department_id,
                "from_department_id": t.from_department_id,
                "assignee_id": None,
                "clock": t.clock,
                "created_at": now,
                "due_at": dues.get(t.uuid),
            }
            for t in new
        ],
    )
    # Departments of the tasks just closed were recorded when those tasks opened.
    new_depts = {t.department_id for t in new} - {r.department_id for r in old_rows}
    case.updated_at = now
    if engine.is_completed(workflow):
        case.status = CLOSED
        case.closed_at = now
        case.current_department_id = None
        case.sign_due_at = None
        _log(writes, case, user, "close", now, client_ip, to_dept=None, data={})
    else:
        case.status = ready[0].status
        depts = {t.department_id for t in ready}
        leads = {t.from_department_id for t in ready}
        # Several parallel tasks (joint handling): the lead department that waits on them.
        case.current_department_id = depts.pop() if len(depts) == 1 else leads.pop()
        if status_before == REPLIED and case.status != REPLIED:
            # Reopened (重办): the diagram sent a replied case back into the flow rather than
            # to its end or to another revisit try. Logged after the step's own event.
            handlers.reopen(case)
            _log(
                writes,
                case,
                user,
                "reopen",
                now,
                client_ip,
                to_dept=case.current_department_id,
                data={"reopen_count": case.reopen_count},
            )
    # Columns that mirror the diagram's own values (revisit tries): copied, never counted here.
    handlers.project_flow_data(case, engine.current_data(compiled, workflow))
    _update_case(writes, case)  # before the scope rows, which read the case row's overdue flag
    _write_scope(writes, case, new_depts, scope_before)


def _replace_task_rows(writes: WriteBatch, gone: list[OpenTask], new_rows: list[dict]) -> None:
    """Delete the closed tasks' rows and insert the opened ones'. A closed task's row is
    rewritten as an opened task's where it can: one statement instead of two."""
    reused = min(len(gone), len(new_rows))
    if reused:
        writes.add(
            _REUSE_TASK_ROW,
            [
                {"b_id": old.id, **{f"b_{k}": v for k, v in row.items()}}
                for old, row in zip(gone, new_rows, strict=False)
            ],
        )
    if len(gone) > reused:
        writes.add(_DELETE_TASK, [{"b_id": r.id} for r in gone[reused:]])
    if len(new_rows) > reused:
        writes.add(_INSERT_TASKS, new_rows[reused:])
    for row in gone:
        db.session.expunge(row)


def _write_scope(writes: WriteBatch, case: Case, new_depts: set[int], before: dict | None):
    """Record the departments the case reaches, with the case columns scoped lists read."""
    values = scope_index.scope_values(case)
    if new_depts:
        scope_index.add_rows(writes, case.id, new_depts, values)
    if before is not None and values != before:
        scope_index.sync_case(writes, case.id, values)


def _send(writes: WriteBatch) -> None:
    """Send a step's writes with its commit (the caller then commits the session)."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        # The batch may commit on its own: an ORM change left for the flush would miss it.
        raise RuntimeError("a step left ORM changes outside its write batch")
    writes.run(session.connection(), commit=True)


def _update_case(writes: WriteBatch, case: Case) -> None:
    """Write the case columns the step changed with the step's other statements.

    The case object then leaves the session: the step has written it, and left in the session
    it would cost a unit-of-work pass at commit that finds nothing to do. Its loaded columns
    stay readable (sessions do not expire on commit)."""
    changed = {k: getattr(case, k) for k in inspect(case).committed_state if k in _CASE_COLUMNS}
    db.session.expunge(case)
    if not changed:
        return
    key = frozenset(changed)
    statement = _UPDATE_CASE.get(key)
    if statement is None:
        statement = _UPDATE_CASE[key] = (
            update(_cases)
            .where(_cases.c.id == bindparam("b_id"))
            .values({_CASE_COLUMNS[k]: bindparam(f"b_{k}") for k in sorted(key)})
        )
    writes.add(statement, {"b_id": case.id, **{f"b_{k}": v for k, v in changed.items()}})


def _log(
    writes: WriteBatch, case: Case, user: User | None, action: str, now, client_ip, to_dept, data
) -> None:
    writes.add(
        _INSERT_EVENT,
        {
            "case_id": case.id,
            "at": now,
            "user_id": user.id if user else None,
            "action": action,
            "from_department_id": user.department_id if user else None,
            "to_department_id": to_dept,
            "comment": str(data.get("comment") or data.get("reason") or ""),
            "data": data,
            "client_ip": client_ip,
        },
    )
