"""Concurrent actions on one case: exactly one wins, the other gets a clear 409, never a lost
update (DESIGN.md rule 3).

Each racer is a thread with its own Flask test client; its request pushes its own app context,
so Flask-SQLAlchemy gives it its own session and database connection. The overlap is forced:
both requests stop right before sending the step's writes, the guarded
`UPDATE workflow_instance SET version` first (so both have read the same version), go on
together, and the winner then lingers inside the engine step so that the loser's UPDATE reaches
the database while the winner's transaction is still open.

PostgreSQL: the loser's UPDATE waits on the winner's row lock, then finds the version changed
(0 rows) -> 409 concurrent_update. SQLite: the loser waits on the database write lock
(busy_timeout), then finds the version changed; or, if the lock wait ran out, "database is
locked" -> 409 concurrent_update as well. Both are real races, so both databases run them.

Each racer names the task it saw open (`task_id`, from its case detail), as a client does. A
loser that reads the case only after the winner committed finds that task closed, and is told
the same: 409 concurrent_update, never "not possible in this state".
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app import engine as wf_engine
from app.extensions import db
from app.models import Case, CaseEvent, OpenTask, WorkflowInstance
from app.write_batch import WriteBatch


def instance_version(case_id: int) -> int:
    db.session.rollback()  # a fresh read (SQLite keeps a snapshot while a transaction is open)
    return db.session.scalar(
        select(WorkflowInstance.version).where(WorkflowInstance.case_id == case_id)
    )


def events(case_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    )


def seen_task(client, auth, case_id: int, action: str, user: str) -> str:
    """The task id the user's case detail offers the action on."""
    resp = client.get(f"/api/v1/cases/{case_id}", headers=auth(user))
    assert resp.status_code == 200, resp.get_json()
    [task_id] = {a["task_id"] for a in resp.get_json()["allowed_actions"] if a["action"] == action}
    return task_id


@pytest.fixture
def race(app, client, auth, monkeypatch):
    """race(case_id, [(action, user, data), ...], force=True) -> [(status, body), ...]."""

    def run(case_id: int, moves: list[tuple[str, str, dict]], force: bool = True):
        headers = [auth(user) for _, user, _ in moves]  # tokens first, in the main thread
        # The task each racer acts on, as its client saw it open before acting.
        task_ids = [seen_task(client, auth, case_id, action, user) for action, user, _ in moves]
        db.session.commit()
        n = len(moves)
        at_claim = threading.Barrier(n, timeout=15)
        at_start = threading.Barrier(n, timeout=15)
        racers = {f"racer-{i}" for i in range(n)}

        send = WriteBatch.run

        def hold_before_claim(batch, connection, **kwargs):
            if threading.current_thread().name in racers:
                at_claim.wait()  # every racer has read the same version
            return send(batch, connection, **kwargs)

        original_complete = wf_engine.complete

        def slow_complete(*args, **kwargs):
            time.sleep(0.3)  # the others' UPDATE now reaches the database, mid-step
            return original_complete(*args, **kwargs)

        if force:
            WriteBatch.run = hold_before_claim
            monkeypatch.setattr(wf_engine, "complete", slow_complete)
        results: list = [None] * n

        def act(i: int) -> None:
            action, _user, data = moves[i]
            client = app.test_client()
            at_start.wait()
            try:
                resp = client.post(
                    f"/api/v1/cases/{case_id}/{action.replace('_', '-')}",
                    json={"data": data, "task_id": task_ids[i]},
                    headers=headers[i],
                )
                results[i] = (resp.status_code, resp.get_json())
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                results[i] = (None, repr(exc))

        threads = [threading.Thread(target=act, args=(i,), name=f"racer-{i}") for i in range(n)]
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        finally:
            WriteBatch.run = send
        assert not any(t.is_alive() for t in threads), "a racer hung"
        return results

    return run


def transferred(api, dept) -> int:
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    return case_id


def one_winner(results) -> tuple[int, dict]:
    codes = sorted(status for status, _ in results)
    assert codes.count(200) == 1, results
    assert all(status == 409 for status in codes if status != 200), results
    for status, body in results:
        if status == 409:
            assert body["code"] == "concurrent_update", body
            assert body["message"]["zh"] and body["message"]["en"]
    winner = next(i for i, (status, _) in enumerate(results) if status == 200)
    return winner, results


def test_sign_and_recall_at_the_same_moment(api, dept, race):
    case_id = transferred(api, dept)
    version = instance_version(case_id)
    results = race(
        case_id,
        [("sign", "urban_handler", {}), ("recall", "dispatcher", {"reason": "派错了"})],
    )
    winner, _ = one_winner(results)
    assert [body["code"] for status, body in results if status == 409] == ["concurrent_update"]
    assert instance_version(case_id) == version + 1
    log = events(case_id)
    assert log[:2] == ["accept", "transfer"]
    assert log[2:] == [["sign"], ["recall"]][winner]
    tasks = db.session.scalars(select(OpenTask.task_name).where(OpenTask.case_id == case_id))
    assert list(tasks) == [["handle"], ["dispatch"]][winner]
    status = db.session.scalar(select(Case.status).where(Case.id == case_id))
    assert status == ["handling", "accepted"][winner]


def test_two_handlers_sign_the_same_task(api, dept, race):
    case_id = transferred(api, dept)
    version = instance_version(case_id)
    results = race(case_id, [("sign", "urban_handler", {}), ("sign", "urban_handler", {})])
    one_winner(results)
    assert [body["code"] for status, body in results if status == 409] == ["concurrent_update"]
    assert instance_version(case_id) == version + 1
    assert events(case_id).count("sign") == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(OpenTask.case_id == case_id)) == 1


def test_reply_and_return_request_at_the_same_moment(api, dept, race):
    case_id = transferred(api, dept)
    api.act(case_id, "sign", "urban_handler")
    version = instance_version(case_id)
    results = race(
        case_id,
        [
            ("reply", "urban_handler", {"text": "已修复", "result_code": "resolved"}),
            ("return_request", "urban_handler", {"reason_code": "not_our_remit"}),
        ],
    )
    winner, _ = one_winner(results)
    assert instance_version(case_id) == version + 1
    log = events(case_id)
    assert log.count("reply") + log.count("return_request") == 1
    assert log[-1] == ["reply", "return_request"][winner]
    reply_text = db.session.scalar(select(Case.reply_text).where(Case.id == case_id))
    # The loser's handler ran inside its transaction: its column writes were rolled back.
    assert reply_text == ("已修复" if winner == 0 else "")


def test_three_racers_without_forced_overlap(api, dept, race):
    """Released together, no hooks: whatever the interleaving, exactly one sign-for wins."""
    for _ in range(3):
        case_id = transferred(api, dept)
        version = instance_version(case_id)
        results = race(
            case_id,
            [
                ("sign", "urban_handler", {}),
                ("sign", "urban_handler", {}),
                ("recall", "dispatcher", {"reason": "派错了"}),
            ],
            force=False,
        )
        one_winner(results)
        assert instance_version(case_id) == version + 1
        log = events(case_id)
        assert log.count("sign") + log.count("recall") == 1


def test_arriving_strictly_after_gets_action_not_available(api, dept, client, auth):
    case_id = transferred(api, dept)
    api.act(case_id, "sign", "urban_handler")
    version = instance_version(case_id)
    resp = client.post(
        f"/api/v1/cases/{case_id}/recall",
        json={"data": {"reason": "派错了"}},
        headers=auth("dispatcher"),
    )
    assert resp.status_code == 409
    assert resp.get_json()["code"] == "action_not_available"
    resp = client.post(
        f"/api/v1/cases/{case_id}/sign", json={"data": {}}, headers=auth("urban_handler")
    )
    assert resp.status_code == 409
    assert resp.get_json()["code"] == "action_not_available"
    assert instance_version(case_id) == version
    assert events(case_id).count("sign") == 1


STALE = [
    pytest.param(
        "sign", "urban_handler", "recall", "dispatcher", {"reason": "派错了"}, id="recall"
    ),
    pytest.param("sign", "urban_handler", "sign", "urban_handler", {}, id="sign-twice"),
    pytest.param("recall", "dispatcher", "sign", "urban_handler", {}, id="sign-after-recall"),
]


@pytest.mark.parametrize(("first", "winner", "second", "loser", "data"), STALE)
def test_acting_on_a_task_someone_completed_since_is_a_concurrent_update(
    api, dept, client, auth, first, winner, second, loser, data
):
    """The loser read the case after the winner committed: its task is gone, and it is told
    that someone else acted, as when it loses the claim."""
    case_id = transferred(api, dept)
    seen = seen_task(client, auth, case_id, second, loser)
    api.act(case_id, first, winner, **({"reason": "派错了"} if first == "recall" else {}))
    version = instance_version(case_id)
    log = events(case_id)

    resp = client.post(
        f"/api/v1/cases/{case_id}/{second}",
        json={"data": data, "task_id": seen},
        headers=auth(loser),
    )
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["code"] == "concurrent_update", body
    assert body["message"]["zh"] and body["message"]["en"]
    assert instance_version(case_id) == version
    assert events(case_id) == log


def test_a_co_department_replying_twice_on_its_task_is_a_concurrent_update(api, dept, client, auth):
    case_id = api.create()["id"]
    api.act(
        case_id,
        "transfer",
        "dispatcher",
        target_department_id=dept("urban"),
        co_department_ids=[dept("housing"), dept("transport")],
    )
    api.act(case_id, "sign", "urban_handler")
    seen = seen_task(client, auth, case_id, "co_reply", "housing_handler")
    api.act(case_id, "co_reply", "housing_handler", text="已配合处理", task_id=seen)
    body = api.act(
        case_id, "co_reply", "housing_handler", expect=409, text="再次答复", task_id=seen
    )
    assert body["code"] == "concurrent_update"


def test_naming_no_task_or_a_task_the_case_never_had_is_not_a_conflict(api, dept, client, auth):
    """Without a stale task the answer stays: the action is not possible in this state."""
    case_id = transferred(api, dept)
    sign_task = seen_task(client, auth, case_id, "sign", "urban_handler")
    api.act(case_id, "sign", "urban_handler")
    handle_task = seen_task(client, auth, case_id, "reply", "urban_handler")
    for task_id in (None, "00000000-0000-4000-8000-000000000000", "not-a-task", handle_task):
        resp = client.post(
            f"/api/v1/cases/{case_id}/recall",
            json={"data": {"reason": "派错了"}, "task_id": task_id},
            headers=auth("dispatcher"),
        )
        assert resp.status_code == 409
        assert resp.get_json()["code"] == "action_not_available", task_id
    # The task the sign-for completed, named by someone who may not see the case: still 404.
    resp = client.post(
        f"/api/v1/cases/{case_id}/sign",
        json={"data": {}, "task_id": sign_task},
        headers=auth("west_dispatcher"),
    )
    assert resp.status_code == 404


def test_stale_version_is_refused_by_the_guarded_update(api, dept, user, monkeypatch):
    """The optimistic lock itself: a step that read version N cannot commit when N moved on."""
    from app.cases import service
    from app.errors import Conflict

    case_id = transferred(api, dept)
    version = instance_version(case_id)
    real_execute = db.session.execute
    moved = {"done": False}

    def read_then_someone_else_moves(stmt, *args, **kwargs):
        result = real_execute(stmt, *args, **kwargs)
        sql = str(stmt)
        if not moved["done"] and sql.startswith("SELECT") and "workflow_instance.version" in sql:
            moved["done"] = True
            # Another process advances the case between our read and our claim.
            real_execute(
                WorkflowInstance.__table__.update()
                .where(WorkflowInstance.case_id == case_id)
                .values(version=version + 1)
            )
        return result

    monkeypatch.setattr(db.session, "execute", read_then_someone_else_moves, raising=False)
    with pytest.raises(Conflict) as err:
        service.act(case_id, "sign", {}, user("urban_handler"))
    monkeypatch.undo()
    assert err.value.code == "concurrent_update"
    # The failed step rolled back everything, including the simulated other writer's bump.
    assert instance_version(case_id) == version
    assert events(case_id) == ["accept", "transfer"]
