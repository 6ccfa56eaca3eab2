"""Accepting a demand (受理): a new case, its workflow started, in one transaction.

The story: refuse a user who may not accept → answer a replayed intake with its case → check
what the intake refers to → number the case → start its workflow → project the workflow onto
the case → write it all (app/cases/unit_of_work.py). A concurrent intake with the same key that
committed first is answered as a replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app import engine
from app.auth import policy
from app.cases import idempotency, query_password, repeats
from app.cases.numbering import next_number
from app.cases.projection import Projection, project
from app.cases.unit_of_work import Event, UnitOfWork
from app.clock import clock
from app.deadlines import service as deadlines
from app.errors import DomainError, Invalid, diagram_failed
from app.extensions import db
from app.models import Case, CaseType, Category, Department, ProcessVersion, User
from app.models.org import CITY
from app.processes import service as processes


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
    # 保密: the citizen's name and phone are masked for all but agents and dispatchers.
    confidential: bool = False
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
    if key and body:
        existing = idempotency.earlier_case(user, key, body)
        if existing is not None:
            return existing, None, False
    try:
        case, password = _create(intake, user, key, body, client_ip)
    except IntegrityError:
        # The same key committed by a concurrent request since the lookup above.
        replayed = idempotency.earlier_case(user, key, body) if key and body else None
        if replayed is not None:
            return replayed, None, False
        raise
    return case, password, True


# The ids an intake refers to, in one read (built once, like the step's statements).
_INTAKE_REFERENCES = select(
    select(CaseType.id).where(CaseType.code == bindparam("case_type")).scalar_subquery(),
    select(Category.id).where(Category.code == bindparam("category")).scalar_subquery(),
    processes.newest_version(bindparam("process_id"))
    .with_only_columns(ProcessVersion.id)
    .scalar_subquery(),
    select(Department.id).where(Department.kind == CITY).limit(1).scalar_subquery(),
)


@dataclass(frozen=True)
class _References:
    case_type_id: int
    category_id: int | None
    version_id: int
    city_id: int


def _references(intake: Intake) -> _References:
    """Case type, category, the newest process version and the city centre; refused where
    one is missing."""
    params = {
        "case_type": intake.case_type,
        "category": intake.category,
        "process_id": current_app.config["MAIN_PROCESS"],
    }
    case_type_id, category_id, version_id, city_id = db.session.execute(
        _INTAKE_REFERENCES, params
    ).one()
    if case_type_id is None:
        raise Invalid(
            "unknown_case_type",
            "诉求类型不存在",
            f"Unknown case type '{intake.case_type}'",
            field="case_type",
        )
    if intake.category and category_id is None:
        raise Invalid(
            "unknown_category",
            "分类不存在",
            f"Unknown category '{intake.category}'",
            field="category",
        )
    if intake.answered and not intake.answer.strip():
        raise Invalid(
            "answer_required",
            "即办件需填写答复内容",
            "A case answered at intake needs the answer",
            field="answer",
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
    return _References(case_type_id, category_id, version_id, city_id)


def _create(
    intake: Intake,
    user: User,
    idempotency_key: str | None,
    idempotency_fingerprint: str | None,
    client_ip: str,
) -> tuple[Case, str]:
    with UnitOfWork() as uow:
        refs = _references(intake)
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
            address_key=repeats.address_key(intake.citizen_address),
            confidential=intake.confidential,
            content=intake.content,
            case_type_id=refs.case_type_id,
            category_id=refs.category_id,
            priority=intake.priority,
            accepted_by_id=user.id,
            created_at=now,
            updated_at=now,
            status="accepted",
            answered=intake.answered,
            answer=intake.answer if intake.answered else "",
        )
        deadlines.time_limit(case)  # refuse a type/priority without limits before any write
        uow.session.add(case)
        uow.session.flush()  # the case's id, which the workflow and every other row carry
        compiled = processes.compiled(refs.version_id)
        workflow = _start(compiled, case, refs, intake)
        state = engine.dump(workflow)
        uow.add_instance(case.id, refs.version_id, engine.SERIALIZER_VERSION, state, now)
        uow.log(Event(case.id, "accept", user, now, client_ip, data={"channel": intake.channel}))
        project(uow, Projection(case, compiled, workflow, [], now, user, client_ip, None))
        uow.keep_workflow(case.id, 1, workflow)
        uow.commit()
    return case, password


def _start(
    compiled: engine.CompiledProcess, case: Case, refs: _References, intake: Intake
) -> engine.Workflow:
    data: dict[str, Any] = {
        "case_id": case.id,
        "city_dept": refs.city_id,
        "answered": intake.answered,
        "revisit_tries": 0,
        "max_revisit_tries": current_app.config["MAX_REVISIT_TRIES"],
    }
    try:
        return engine.start(compiled, data)
    except engine.EngineError as exc:
        raise diagram_failed(exc.code, exc.element_id, exc.line, exc.reason) from exc
