"""Demo cases by the million: a few templates made through the real service, cloned in bulk.

One template per (stage, department) is driven through `service.accept`/`service.act`, so every
department has cases in every stage. Each clone copies a template's case row (new id, number,
intake time, citizen and content), its engine state (the same routing data, with the clone's
case id, so a clone can really be advanced later; the engine makes the copies,
`engine.state_copier`), its open tasks, its departments and its events, every timestamp
shifted by the same amount. PostgreSQL is written with COPY, SQLite with executemany, in
batches of one transaction each.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import DateTime, Table, func, select, text

from app import engine
from app.cases import repeats, scope_index, service
from app.clock import clock
from app.deadlines import overdue
from app.extensions import db
from app.models import (
    Case,
    CaseDepartment,
    CaseEvent,
    CaseNumberCounter,
    Department,
    OpenTask,
    WorkflowInstance,
)
from app.models.case import CLOSED
from app.models.catalog import PEOPLE_CHANNELS
from app.seed.cases import (
    DEMANDS,
    DEMO_EXTERNAL_ID,
    GIVEN,
    PLACES,
    STAGES,
    STREETS,
    SURNAMES,
    demo_key,
    drive_to,
    random_intake,
    user_named,
)

BULK_THRESHOLD = 500  # above this many cases, `flask seed demo` clones templates in bulk
THROUGH_SERVICE = 40  # cases still made one by one through the service before the clones
OPEN_SHARE = 0.10  # share of cloned cases still open (one or two open tasks each)
BATCH = 20_000

DETAILS = [
    "多次反映未果。",
    "希望尽快处理。",
    "影响周边居民生活。",
    "请相关部门核实。",
    "已持续一个多月。",
    "请给予答复。",
    "",
]


@dataclass
class Template:
    case: dict
    instance: dict
    copy_state: Callable[..., bytes]  # the template's engine state for another case_id
    tasks: list[dict] = field(default_factory=list)
    departments: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.case["status"] != CLOSED


def make_templates(rng: random.Random, first_key: int | None = None) -> list[int]:
    """Template cases through the service: each department in each stage, plus intake ones.

    With `first_key`, they are demo cases `first_key`, `first_key + 1`, ... (app/seed/cases.py).
    """
    agent = user_named("agent")
    departments = list(
        db.session.scalars(select(Department).filter_by(kind="department").order_by(Department.id))
    )
    plan: list[tuple[str, Department | None]] = [
        (stage, dept) for dept in departments for stage in STAGES[1:]
    ]
    plan += [("accepted", None)] * 4 + [("answered", None)] * 2
    start = clock.now()
    ids = []
    try:
        for n, (stage, dept) in enumerate(plan, start=1):
            clock.freeze(start - timedelta(hours=2))
            external_id = None if first_key is None else DEMO_EXTERNAL_ID.format(first_key + n - 1)
            case, _password, _created = service.accept(
                random_intake(rng, n, answered=stage == "answered", external_id=external_id), agent
            )
            if dept is not None:
                clock.advance(hours=1)
                drive_to(case.id, stage, dept)
            ids.append(case.id)
    finally:
        clock.unfreeze()
    return ids


def _rows(table: Table, where) -> list[dict]:
    return [dict(r) for r in db.session.execute(select(table).where(where)).mappings()]


def load_templates(ids: list[int]) -> list[Template]:
    out = []
    for case_id in ids:
        case = _rows(Case.__table__, Case.id == case_id)[0]
        instance = _rows(WorkflowInstance.__table__, WorkflowInstance.case_id == case_id)[0]
        out.append(
            Template(
                case=case,
                instance=instance,
                copy_state=engine.state_copier(instance["state"], "case_id"),
                tasks=_rows(OpenTask.__table__, OpenTask.case_id == case_id),
                departments=_rows(CaseDepartment.__table__, CaseDepartment.case_id == case_id),
                events=_rows(CaseEvent.__table__, CaseEvent.case_id == case_id),
            )
        )
    return out


class _Writer:
    """COPY on PostgreSQL, executemany on SQLite; values in table column order."""

    def __init__(self) -> None:
        self.conn = db.session.connection()
        self.pg = self.conn.dialect.name == "postgresql"

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        names = [c.name for c in table.columns]
        cols = ", ".join(names)
        raw = self.conn.connection.driver_connection
        assert raw is not None  # the open connection the seed writes on
        if self.pg:
            with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            stamps = [i for i, c in enumerate(table.columns) if isinstance(c.type, DateTime)]
            if stamps:
                rows = [_sqlite_stamps(row, stamps) for row in rows]
            marks = ", ".join("?" * len(names))
            raw.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", rows)


def _sqlite_stamps(row: tuple, stamps: list[int]) -> tuple:
    # SQLAlchemy's SQLite DateTime storage format, so that comparisons keep working.
    out = list(row)
    for i in stamps:
        if out[i] is not None:
            out[i] = out[i].strftime("%Y-%m-%d %H:%M:%S.%f")
    return tuple(out)


def _next_ids() -> dict[str, int]:
    return {
        m.__tablename__: (db.session.scalar(select(func.max(m.id))) or 0) + 1
        for m in (Case, OpenTask, CaseEvent)
    }


def _fix_sequences() -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in ("hotline_case", "open_task", "case_event"):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 1))"
            )
        )


def clone_cases(
    templates: list[Template],
    count: int,
    rng: random.Random,
    open_share: float = OPEN_SHARE,
    echo: Callable[[str], None] = print,
    first_key: int | None = None,
) -> int:
    """Insert `count` clones of the templates; open ones recent, closed ones over six months.

    With `first_key`, the clones are demo cases `first_key`, `first_key + 1`, ...
    """
    now = clock.now().replace(microsecond=0)
    open_t = [t for t in templates if t.open]
    closed_t = [t for t in templates if not t.open]
    n_open = round(count * open_share)
    plan = [(now - timedelta(seconds=rng.randint(600, 30 * 86400)), True) for _ in range(n_open)]
    plan += [
        (now - timedelta(seconds=rng.randint(3 * 86400, 180 * 86400)), False)
        for _ in range(count - n_open)
    ]
    plan.sort()

    counters = dict(db.session.execute(select(CaseNumberCounter.day, CaseNumberCounter.last)).all())
    known_days = set(counters)
    ids = _next_ids()
    case_cols = [c.name for c in Case.__table__.columns]
    case_stamps = [c.name for c in Case.__table__.columns if isinstance(c.type, DateTime)]
    wf_cols = [c.name for c in WorkflowInstance.__table__.columns]
    task_cols = [c.name for c in OpenTask.__table__.columns]
    dept_cols = [c.name for c in CaseDepartment.__table__.columns]
    event_cols = [c.name for c in CaseEvent.__table__.columns]
    writer = _Writer()
    started = time.perf_counter()
    done = 0
    tasks_written = 0
    for offset in range(0, count, BATCH):
        cases, instances, tasks, depts, events = [], [], [], [], []
        for index, (created, is_open) in enumerate(plan[offset : offset + BATCH], start=offset):
            tmpl = rng.choice(open_t if is_open else closed_t)
            delta = created - tmpl.case["created_at"]
            case_id = ids["hotline_case"]
            ids["hotline_case"] += 1
            day = created.strftime("%Y%m%d")
            counters[day] = seq = counters.get(day, 0) + 1
            row = dict(tmpl.case)
            for c in case_stamps:
                if row[c] is not None:
                    row[c] = row[c] + delta
            n = case_id % 10000
            row.update(
                id=case_id,
                number=f"{day}-{seq:06d}",
                idempotency_key=None if first_key is None else demo_key(first_key + index),
                channel=rng.choice(PEOPLE_CHANNELS),
                citizen_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                citizen_phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                citizen_address=f"{rng.choice(PLACES)}{rng.choice(STREETS)}{n}号",
                content=f"{rng.choice(PLACES)}{rng.choice(STREETS)}{n}号附近："
                f"{rng.choice(DEMANDS)}{rng.choice(DETAILS)}",
            )
            row["address_key"] = repeats.address_key(row["citizen_address"])
            # The flag the scheduler's overdue scan would have set by now.
            row["overdue"] = row["overdue"] or overdue.missed_handling(
                row["status"], row["clock_paused_at"], row["handle_due_at"], now
            )
            scope = scope_index.row_values(row)
            cases.append(tuple(row[c] for c in case_cols))

            inst = dict(tmpl.instance)
            inst.update(case_id=case_id, state=tmpl.copy_state(case_id=case_id))
            inst["updated_at"] = inst["updated_at"] + delta
            instances.append(tuple(inst[c] for c in wf_cols))

            for t in tmpl.tasks:
                task = dict(t, id=ids["open_task"], case_id=case_id)
                ids["open_task"] += 1
                task["created_at"] = task["created_at"] + delta
                if task["due_at"] is not None:
                    task["due_at"] = task["due_at"] + delta
                tasks.append(tuple(task[c] for c in task_cols))
            for d in tmpl.departments:
                dept = {**scope, "case_id": case_id, "department_id": d["department_id"]}
                depts.append(tuple(dept[c] for c in dept_cols))
            for e in tmpl.events:
                ev = dict(e, id=ids["case_event"], case_id=case_id, at=e["at"] + delta)
                ev["data"] = json.dumps(ev["data"], ensure_ascii=False)
                ids["case_event"] += 1
                events.append(tuple(ev[c] for c in event_cols))
        writer.write(Case.__table__, cases)
        writer.write(WorkflowInstance.__table__, instances)
        writer.write(OpenTask.__table__, tasks)
        writer.write(CaseDepartment.__table__, depts)
        writer.write(CaseEvent.__table__, events)
        db.session.commit()
        writer = _Writer()
        done += len(cases)
        tasks_written += len(tasks)
        elapsed = time.perf_counter() - started
        echo(f"  cloned {done:>9,} cases, {tasks_written:,} open tasks ({done / elapsed:,.0f}/s)")

    for day, last in counters.items():
        if day in known_days:
            db.session.execute(
                CaseNumberCounter.__table__.update()
                .where(CaseNumberCounter.day == day)
                .values(last=last)
            )
        else:
            db.session.add(CaseNumberCounter(day=day, last=last))
    _fix_sequences()
    db.session.commit()
    return done


def seed_bulk_cases(
    count: int,
    seed: int = 12345,
    echo: Callable[[str], None] = print,
    first_key: int | None = None,
) -> tuple[int, int]:
    """`count` cases in total: templates through the service, the rest cloned; with `first_key`
    they are demo cases `first_key`, `first_key + 1`, ...

    Returns (cases made, of which through the service).
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    ids = make_templates(rng, first_key)
    echo(f"  {len(ids)} template cases through the service in {time.perf_counter() - started:.1f}s")
    templates = load_templates(ids)
    clones_first = None if first_key is None else first_key + len(ids)
    cloned = clone_cases(
        templates, max(0, count - len(ids)), rng, echo=echo, first_key=clones_first
    )
    return len(ids) + cloned, len(ids)
