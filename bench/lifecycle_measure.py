"""Lifecycle benchmark: the engine alone (the same flow in memory, no database) and the database
floor (the least a step's writes can cost), measured in rounds back to back with the warm
service run."""

from __future__ import annotations

import statistics
import time

from lifecycle_cases import CO, LEAD, plan, run_service_cases
from lifecycle_record import Recorder
from lifecycle_setup import departments

ACTION_TASK = {
    "transfer": "dispatch",
    "sign": "sign",
    "co_reply": "co_reply",
    "reply": "handle",
    "extension_request": "handle",
    "return_request": "handle",
    "approve_extension": "approve_extension",
    "approve_return": "approve_return",
    "revisit": "revisit",
}


def workflow_data(action: str, data: dict, depts: dict[str, int], user_dept: int) -> dict:
    """What the service hands the engine for a step (handlers.py + the form's outcome)."""
    outcome = {
        "transfer": "transferred",
        "sign": "signed",
        "co_reply": "co_replied",
        "reply": "replied",
        "extension_request": "extension_requested",
        "return_request": "return_requested",
        "approve_extension": "approved",
        "approve_return": "approved",
    }.get(action) or data.get("result")
    out: dict = {"outcome": outcome}
    if action == "transfer":
        out.update(
            target_dept=data["target_department_id"],
            target_is_centre=False,
            co_depts={str(d): d for d in data.get("co_department_ids", [])},
        )
    elif action == "co_reply":
        out["co_reply_data"] = {"department_id": user_dept, "text": data["text"], "at": "now"}
    elif action == "extension_request":
        out["extension_days"] = data["days"]
    return out


def engine_inmemory(n: int) -> dict:
    """The same flow on the compiled spec, in memory only: per-step engine costs."""
    from app import engine
    from app.processes import service as processes

    depts = departments()
    compiled = engine.compile_process(processes.read_files(), "hotline_case")
    user_dept = {"dispatcher": depts["city"], "revisit": depts["city"]}
    user_dept.update({f"{c}_handler": depts[c] for c in (LEAD, *CO)})
    complete_t, ready_t, dump_t, load_t, start_t = [], [], [], [], []
    sizes = []
    steps = 0
    for i in range(n):
        t0 = time.perf_counter()
        wf = engine.start(
            compiled,
            {
                "case_id": i + 1,
                "city_dept": depts["city"],
                "answered": False,
                "revisit_tries": 0,
                "max_revisit_tries": 3,
            },
        )
        engine.ready_tasks(compiled, wf)
        start_t.append(time.perf_counter() - t0)
        blob = engine.dump(wf)
        steps += 1
        for action, username, data in plan(i, depts):
            t0 = time.perf_counter()
            wf = engine.load(compiled, blob)
            t1 = time.perf_counter()
            task_name = ACTION_TASK[action]
            ready = engine.ready_tasks(compiled, wf)
            mine = [t for t in ready if t.name == task_name]
            if action == "co_reply":
                mine = [t for t in mine if t.department_id == user_dept[username]]
            assert mine, (action, [t.name for t in ready])
            wd = workflow_data(action, data, depts, user_dept[username])
            engine.complete(wf, mine[0].uuid, wd)
            t2 = time.perf_counter()
            engine.ready_tasks(compiled, wf)
            t3 = time.perf_counter()
            blob = engine.dump(wf)
            t4 = time.perf_counter()
            load_t.append(t1 - t0)
            complete_t.append(t2 - t1)
            ready_t.append(t3 - t2)
            dump_t.append(t4 - t3)
            steps += 1
        assert engine.is_completed(wf)
        sizes.append(len(blob))
    mean = statistics.fmean
    return {
        "steps": steps,
        "start_ms": mean(start_t) * 1e3,
        "load_ms": mean(load_t) * 1e3,
        "complete_ms": mean(complete_t) * 1e3,
        "ready_ms": mean(ready_t) * 1e3,
        "dump_ms": mean(dump_t) * 1e3,
        # warm step: the cached workflow is advanced, projected and dumped (no load)
        "warm_step_ms": (mean(complete_t) + 2 * mean(ready_t) + mean(dump_t)) * 1e3,
        "cold_step_ms": (mean(load_t) + mean(complete_t) + 2 * mean(ready_t) + mean(dump_t)) * 1e3,
        "size_mean": mean(sizes),
    }


def db_floor(steps: int) -> float:
    """One UPDATE + one INSERT + commit on a small table through the app's session: ms/step."""
    from sqlalchemy import text

    from app.extensions import db

    pg = db.engine.dialect.name == "postgresql"
    pk = "BIGSERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY"
    db.session.execute(text("DROP TABLE IF EXISTS bench_floor_log"))
    db.session.execute(text("DROP TABLE IF EXISTS bench_floor"))
    db.session.execute(
        text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, at TEXT)")
    )
    db.session.execute(
        text(f"CREATE TABLE bench_floor_log (id {pk}, k INTEGER NOT NULL, at TEXT, note TEXT)")
    )
    for k in range(1, 101):
        db.session.execute(text("INSERT INTO bench_floor (id, n) VALUES (:k, 0)"), {"k": k})
    db.session.commit()
    upd = text("UPDATE bench_floor SET n = n + 1, at = :at WHERE id = :k")
    ins = text("INSERT INTO bench_floor_log (k, at, note) VALUES (:k, :at, :note)")
    t0 = time.perf_counter()
    for i in range(steps):
        k = i % 100 + 1
        at = f"2026-01-01T00:00:{i % 60:02d}"
        db.session.execute(upd, {"k": k, "at": at})
        db.session.execute(ins, {"k": k, "at": at, "note": "sign"})
        db.session.commit()
    elapsed = time.perf_counter() - t0
    db.session.execute(text("DROP TABLE bench_floor_log"))
    db.session.execute(text("DROP TABLE bench_floor"))
    db.session.commit()
    return elapsed / steps * 1e3


def measure_rounds(kind: str, n: int, rounds_wanted: int) -> tuple[list[dict], Recorder, list]:
    """The warm service run, the in-memory engine and the database floor, measured in rounds,
    back to back: each round's ratio compares costs measured under the same machine
    conditions, and the spread between rounds shows how noisy the machine was. Returns the
    rounds, the warm run's recorder (all rounds) and its case ids."""
    rec = Recorder()
    ids: list[int] = []
    rounds = []
    rounds_wanted = min(rounds_wanted, n)
    per = -(-n // rounds_wanted)
    for r in range(rounds_wanted):
        count = min(per, n - r * per)
        print(
            f"[{kind}] round {r + 1}/{rounds_wanted}: service level, one process, warm cache, "
            "then the engine in memory and the database floor ...",
            flush=True,
        )
        rec_r = Recorder()
        t0 = time.perf_counter()
        ids += run_service_cases(count, r * per, rec_r)
        wall = time.perf_counter() - t0
        rec.merge(rec_r.dump())
        eng_r = engine_inmemory(max(20, count // 2))
        floor_r = db_floor(max(1000, rec_r.steps // 2))
        full_ms = wall / rec_r.steps * 1e3
        rounds.append(
            {
                "steps": rec_r.steps,
                "wall": wall,
                "sps": rec_r.steps / wall,
                "full_ms": full_ms,
                "engine_ms": eng_r["warm_step_ms"],
                "floor_ms": floor_r,
                "ratio": full_ms / (eng_r["warm_step_ms"] + floor_r),
                "engine": eng_r,
            }
        )
    return rounds, rec, ids
