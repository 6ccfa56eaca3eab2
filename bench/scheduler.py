"""The scheduler's deadline scan on PostgreSQL with 500k open tasks.

    .venv/bin/python bench/scheduler.py [--database-url URL] [--tasks 500000] [--falling 50000]

Creates the database when missing (default minqing_bench_sched), migrates, seeds the demo city
and one case through the service, then clones that case in SQL into TASKS cases of one open
handling task each, due over the next four working weeks, FALLING of them due at one instant.
Times, with the clock frozen:

1. a warning + overdue + escalation scan with nothing new to mark (target <= 1 s);
2. the FALLING tasks falling due at once: their overdue marks, timeline events and
   notifications (target <= 30 s), their warnings having been written by an earlier scan.

Never point it at the test database: the test suite drops that schema.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox import analyze, ensure_database  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.clock import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Case, DeadlineMark, Department, OpenTask  # noqa: E402
from app.scheduler import deadline_scan  # noqa: E402
from app.seed.cases import seed_demo_cases  # noqa: E402
from app.seed.city import seed_city  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_sched"
T0 = datetime(2026, 3, 2, 9, 0)  # a Monday morning
DUE_AT_ONCE = datetime(2026, 3, 4, 15, 0)
TARGET_IDLE = 1.0
TARGET_FALLING = 30.0


def seed(tasks: int, falling: int) -> None:
    from flask_migrate import upgrade

    upgrade()
    seed_city(2026, "bench12345", by="bench")
    db.session.execute(
        text(
            "TRUNCATE deadline_mark, notification, case_event, open_task, case_department, "
            "workflow_instance, hotline_case, case_number_counter CASCADE"
        )
    )
    db.session.commit()
    clock.freeze(T0 - timedelta(days=7))
    seed_demo_cases(1)
    template = db.session.scalar(select(Case.id).order_by(Case.id))
    departments = list(
        db.session.scalars(select(Department.id).where(Department.kind == "department"))
    )
    columns = [c.name for c in Case.__table__.columns if c.name not in ("id", "number")]
    db.session.execute(
        text(
            f"INSERT INTO hotline_case (id, number, {', '.join(columns)}) "
            f"SELECT {template} + g, 'B' || lpad(g::text, 12, '0'), "
            f"{', '.join('c.' + c if c != 'idempotency_key' else 'NULL' for c in columns)} "
            f"FROM hotline_case c, generate_series(1, :n) g WHERE c.id = :t"
        ),
        {"n": tasks, "t": template},
    )
    # One open handling task per clone: FALLING due at one instant, the rest over four
    # working weeks from T0 + 2 working days (clear of it), at one of the departments.
    db.session.execute(
        text(
            "INSERT INTO open_task (case_id, task_uuid, task_name, title, department_id, "
            "clock, created_at, due_at) "
            "SELECT :t + g, md5(g::text)::uuid::text, 'handle', '办理', "
            "(:depts)[1 + g % cardinality(:depts)], 'handle', :created, "
            "CASE WHEN g <= :falling THEN :at_once "
            "ELSE :start + (g % 20) * interval '1 day' + (g % 8) * interval '1 hour' END "
            "FROM generate_series(1, :n) g"
        ),
        {
            "t": template,
            "n": tasks,
            "falling": falling,
            "depts": departments,
            "created": T0 - timedelta(days=7),
            "at_once": DUE_AT_ONCE,
            "start": datetime(2026, 3, 9, 9, 0),
        },
    )
    db.session.execute(
        text("SELECT setval('hotline_case_id_seq', (SELECT max(id) FROM hotline_case))")
    )
    db.session.commit()


def timed(now: datetime) -> tuple[float, dict[str, int]]:
    clock.freeze(now)
    started = time.perf_counter()
    done = deadline_scan.scan(now)
    return time.perf_counter() - started, done


def explain(now: datetime) -> None:
    ctx = deadline_scan._context(now)
    for level in ("overdue", "warning"):
        clause = deadline_scan._level_clause(level, ctx)
        q = select(func.count()).select_from(OpenTask).join(Case, Case.id == OpenTask.case_id)
        q = q.where(OpenTask.due_at.is_not(None), clause)
        sql = str(q.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = db.session.execute(text("EXPLAIN " + sql)).scalars().all()
        print(f"\nEXPLAIN {level} candidates:\n  " + "\n  ".join(plan[:8]))
    db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--tasks", type=int, default=500_000)
    parser.add_argument("--falling", type=int, default=50_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    ensure_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SCHEDULER_CHUNK": 1000})
    with app.app_context():
        started = time.perf_counter()
        if not args.reuse:
            seed(args.tasks, args.falling)
            print(f"seeded {args.tasks:,} open tasks in {time.perf_counter() - started:.1f}s")
        analyze()
        db.session.execute(text("TRUNCATE deadline_mark, notification"))
        db.session.execute(text("DELETE FROM case_event WHERE action LIKE 'deadline_%'"))
        db.session.commit()
        open_tasks = db.session.scalar(select(func.count()).select_from(OpenTask))
        print(f"open tasks: {open_tasks:,}")

        first, done = timed(T0)
        print(f"first scan at {T0}: {first:.2f}s {done}")
        idle, done = timed(T0 + timedelta(minutes=1))
        assert not any(done.values()), done
        print(
            f"scan with nothing new: {idle * 1000:.0f} ms (target {TARGET_IDLE * 1000:.0f} ms, "
            f"ratio {idle / TARGET_IDLE:.2f})"
        )
        explain(T0 + timedelta(minutes=1))

        warned, done = timed(DUE_AT_ONCE - timedelta(minutes=30))
        print(f"\nwarnings before the {args.falling:,} fall due: {warned:.2f}s {done}")
        falling, done = timed(DUE_AT_ONCE + timedelta(minutes=1))
        marks = db.session.scalar(
            select(func.count()).select_from(DeadlineMark).where(DeadlineMark.level == "overdue")
        )
        print(
            f"{args.falling:,} falling due at once: {falling:.2f}s {done} (target "
            f"{TARGET_FALLING:.0f}s, ratio {falling / TARGET_FALLING:.2f}); overdue marks {marks:,}"
        )
        idle2, done = timed(DUE_AT_ONCE + timedelta(minutes=2))
        assert not any(done.values()), done
        print(
            f"scan with nothing new after: {idle2 * 1000:.0f} ms (ratio {idle2 / TARGET_IDLE:.2f})"
        )


if __name__ == "__main__":
    main()
