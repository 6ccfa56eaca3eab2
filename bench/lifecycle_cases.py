"""Lifecycle benchmark: the case driver. The steps of one case (plan), and cases pushed through
the service (service.accept / service.act) in this process or in two."""

from __future__ import annotations

import multiprocessing as mp
import time

from lifecycle_record import Recorder, pct
from lifecycle_setup import departments, make_app

from tests.helpers import INTAKE

LEAD = "urban"
CO = ("housing", "transport", "ecology")
USERS = ("agent", "dispatcher", "revisit", f"{LEAD}_handler", *(f"{c}_handler" for c in CO))


def plan(i: int, depts: dict[str, int]) -> list[tuple[str, str, dict]]:
    """The steps after accept: (action, username, form data)."""
    steps: list[tuple[str, str, dict]] = []
    handler = f"{LEAD}_handler"

    def joint_round() -> None:
        steps.append(
            (
                "transfer",
                "dispatcher",
                {
                    "target_department_id": depts[LEAD],
                    "co_department_ids": [depts[c] for c in CO],
                    "comment": "请牵头办理",
                },
            )
        )
        steps.append(("sign", handler, {}))
        for c in CO:
            steps.append(("co_reply", f"{c}_handler", {"text": f"{c} 已配合处理"}))

    def reply_and_revisit(result: str) -> None:
        steps.append(("reply", handler, {"text": "已修复路灯", "result_code": "resolved"}))
        data = {"result": result, "resolved": result == "satisfied"}
        if result == "unsatisfied":
            data["reason"] = "路灯又坏了"
        steps.append(("revisit", "revisit", data))

    joint_round()
    if i % 10 == 3:
        steps.append(("extension_request", handler, {"days": 3, "reason": "需要协调施工"}))
        steps.append(("approve_extension", "dispatcher", {"comment": "同意"}))
    elif i % 10 == 7:
        steps.append(("return_request", handler, {"reason_code": "not_our_remit"}))
        steps.append(("approve_return", "dispatcher", {}))
        joint_round()
    reply_and_revisit("unsatisfied")
    joint_round()
    reply_and_revisit("satisfied")
    return steps


def run_service_cases(n: int, first: int, rec: Recorder, cold: bool = False) -> list[int]:
    """Drive n cases through service.accept/act in this process; returns the case ids."""
    from sqlalchemy import select

    from app.cases import service, workflow_cache
    from app.errors import Conflict, Invalid
    from app.extensions import db
    from app.models import User

    depts = departments()
    users = {
        u: db.session.scalars(select(User).filter_by(username=u)).unique().one() for u in USERS
    }
    ids = []

    def timed(action: str, fn):
        while True:
            if cold:
                workflow_cache.clear()
            t0 = time.perf_counter()
            try:
                out = fn()
            except Invalid as exc:
                raise RuntimeError(f"{action}: {exc.details}") from exc
            except Conflict as exc:  # SQLite with two writer processes: busy snapshot
                if exc.code != "concurrent_update":
                    raise
                rec.retries += 1
                continue
            rec.add(action, time.perf_counter() - t0)
            return out

    for i in range(first, first + n):
        case, _pw, _created = timed(
            "accept", lambda: service.accept(service.Intake(**INTAKE), users["agent"])
        )
        case_id = case.id
        ids.append(case_id)
        for action, username, data in plan(i, depts):
            timed(
                action,
                lambda a=action, u=username, d=data, c=case_id: service.act(
                    c, a, dict(d), users[u]
                ),
            )
    return ids


def check_closed(ids: list[int]) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Case

    closed = select(func.count()).select_from(Case).where(Case.id.in_(ids), Case.status == "closed")
    return db.session.execute(closed).scalar_one()


def state_sizes(ids: list[int]) -> list[int]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import WorkflowInstance

    rows = db.session.execute(
        select(WorkflowInstance.state).where(WorkflowInstance.case_id.in_(ids))
    ).scalars()
    return [len(r) for r in rows]


def _worker(url: str, n: int, first: int, barrier, queue) -> None:
    app = make_app(url)
    with app.app_context():
        rec = Recorder()
        run_service_cases(1, 10_000 + first, Recorder())  # warm-up: compile, forms, caches
        barrier.wait()
        t0 = time.monotonic()
        ids = run_service_cases(n, first, rec)
        t1 = time.monotonic()
        closed = check_closed(ids)
        queue.put({"rec": rec.dump(), "t0": t0, "t1": t1, "closed": closed, "n": n})


def two_processes(url: str, n: int) -> dict:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    queue = ctx.Queue()
    halves = (n - n // 2, n // 2)
    procs = [
        ctx.Process(target=_worker, args=(url, halves[k], 1_000_000 * (k + 1), barrier, queue))
        for k in range(2)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    rec = Recorder()
    for r in results:
        rec.merge(r["rec"])
    wall = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    return {
        "steps": rec.steps,
        "wall": wall,
        "sps": rec.steps / wall,
        "retries": rec.retries,
        "closed": sum(r["closed"] for r in results),
        "cases": n,
        "p95_ms": pct(rec.all(), 0.95) * 1e3,
    }
