"""The step's unit of work: what a step hands back is what it stored, a step left without a
commit writes nothing, and the statement caches stay bounded."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, inspect, select

from app.cases import service, unit_of_work
from app.cases.unit_of_work import Event, UnitOfWork
from app.clock import clock
from app.errors import Conflict
from app.extensions import db
from app.models import Case, CaseEvent, OpenTask
from tests.conftest import snapshot

TASK_COLUMNS = [c.key for c in inspect(OpenTask).column_attrs]
CASE_COLUMNS = [c.key for c in inspect(Case).column_attrs]
CO_DEPTS = ("housing", "transport", "ecology")


def stored(case_id: int) -> tuple[dict, list[dict]]:
    """The case row and its open-task rows, read on another connection."""
    with db.engine.connect() as other:
        case = other.execute(select(Case.__table__).where(Case.id == case_id)).one()
        tasks = other.execute(
            select(OpenTask.__table__).where(OpenTask.case_id == case_id).order_by(OpenTask.id)
        ).all()
    return dict(case._mapping), [dict(t._mapping) for t in tasks]


def handed_back(case: Case) -> tuple[dict, list[dict]]:
    tasks = sorted(case.open_tasks, key=lambda t: t.id)
    return (
        {k: getattr(case, k) for k in CASE_COLUMNS},
        [{k: getattr(t, k) for k in TASK_COLUMNS} for t in tasks],
    )


def test_act_hands_back_the_case_and_open_tasks_as_stored(api, dept, user):
    """Through a joint round: one task opening three (inserts), three closing one by one
    (deletes), one closing as another opens (a row rewritten), and the close (none left)."""
    case_id = api.create()["id"]
    co = [dept(c) for c in CO_DEPTS]
    steps = [
        (
            "transfer",
            "dispatcher",
            {"target_department_id": dept("urban"), "co_department_ids": co},
        ),
        ("sign", "urban_handler", {}),
        *[("co_reply", f"{c}_handler", {"text": "已配合"}) for c in CO_DEPTS],
        ("reply", "urban_handler", {"text": "已修复", "result_code": "resolved"}),
        ("revisit", "revisit", {"result": "satisfied"}),
    ]
    seen_counts = set()
    for action, username, data in steps:
        case = service.act(case_id, action, data, user(username))
        assert handed_back(case) == stored(case_id), action
        seen_counts.add(len(case.open_tasks))
    assert case.status == "closed" and case.open_tasks == []
    assert {0, 1, 3} <= seen_counts


def test_intake_hands_back_the_case_as_stored(user):
    case, _password, created = service.accept(
        service.Intake(
            channel="phone",
            citizen_name="张伟",
            citizen_phone="13800001111",
            content="路灯不亮",
            case_type="help",
        ),
        user("agent"),
    )
    assert created
    assert handed_back(case)[0] == stored(case.id)[0]


def test_leaving_without_commit_writes_nothing(api):
    case_id = api.create()["id"]
    db.session.commit()
    before = snapshot()
    with pytest.raises(RuntimeError, match="stop"), UnitOfWork() as uow:
        uow.log(Event(case_id, "urge", None, clock.now(), ""))
        uow.writes.add(insert(CaseEvent.__table__), {"case_id": case_id, "action": "x"})
        raise RuntimeError("stop")
    assert snapshot() == before
    with UnitOfWork() as uow:
        uow.log(Event(case_id, "urge", None, clock.now(), ""))
        # No commit(): the queued event is dropped with the transaction.
    assert snapshot() == before


def test_a_lost_claim_leaves_as_a_conflict_and_writes_nothing(api):
    case_id = api.create()["id"]
    db.session.commit()
    before = snapshot()
    with pytest.raises(Conflict) as err, UnitOfWork() as uow:
        uow.claim(case_id, version=99, state=b"", at=clock.now())  # not the stored version
        uow.log(Event(case_id, "urge", None, clock.now(), ""))
        uow.commit()
    assert err.value.code == "concurrent_update"
    assert snapshot() == before


def _cache_sizes() -> tuple[int, ...]:
    from app import write_batch

    return (len(write_batch._compiled), len(write_batch._guarded), len(unit_of_work._update_case))


def test_steps_build_no_statements_once_warm(api, dept, user):
    """Statements are built once: a second case through the same steps adds no cache entry."""

    def one_case() -> None:
        case_id = api.create()["id"]
        service.act(
            case_id, "transfer", {"target_department_id": dept("urban")}, user("dispatcher")
        )
        service.act(case_id, "sign", {}, user("urban_handler"))
        service.act(
            case_id, "reply", {"text": "已修复", "result_code": "resolved"}, user("urban_handler")
        )
        service.act(case_id, "revisit", {"result": "satisfied"}, user("revisit"))

    one_case()
    warm = _cache_sizes()
    one_case()
    assert _cache_sizes() == warm
