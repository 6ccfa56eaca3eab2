"""The reports bench's data: CASES cases over 24 months on PostgreSQL, cloned in SQL.

Template cases are made through the service first (every department in every stage, plus
intake-only and answered-at-intake ones: app/seed/bulk.py `make_templates`), so the clones carry
the events a real case has (dispatch, sign, reply, revisit, close) with the departments and
clocks the service wrote. Then one INSERT ... SELECT per table copies them CASES times, each
clone shifted to its own intake time over the 24 months before END, with its own channel, case
type, category, revisit answer and a delay after intake for some (late signs and late replies,
so the on-time measures are not all 100 %). Open templates are used only for the last month's
clones. The rows are written in time order, as a live system appends them (case ids by intake
time, events by their time): a month's events sit together on disk, as they do in production.
The engine state (workflow_instance) is not cloned: no report reads it.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import select, text

from app.clock import clock
from app.extensions import db
from app.models import Case, CaseType, Category
from app.models.case import CLOSED
from app.models.catalog import CHANNELS
from app.seed.bulk import make_templates
from app.seed.city import seed_city

END = datetime(2026, 12, 1, 0, 0)  # the clones' intake times end here
DAYS = 730
PASSWORD = "bench12345"
CASE_TABLES = (
    "monthly_report, deadline_mark, notification, case_event, open_task, case_department, "
    "workflow_instance, hotline_case, case_number_counter"
)
# Revisit answers of the clones: (answer, resolved, share of the cases)
ANSWERS = (
    ("satisfied", True, 0.74),
    ("basically_satisfied", True, 0.14),
    ("unsatisfied", False, 0.06),
    ("unreachable", False, 0.06),
)


def _answer_case(column: str) -> str:
    """A CASE over the plan's random `r_answer` choosing each clone's revisit answer."""
    cut, parts = 0.0, []
    for answer, resolved, share in ANSWERS:
        cut += share
        value = f"'{answer}'" if column == "answer" else ("true" if resolved else "false")
        parts.append(f"WHEN p.r_answer < {cut:.4f} THEN {value}")
    return "CASE " + " ".join(parts) + f" ELSE {parts[-1].split('THEN ')[1]} END"


def _step(echo, started: float, what: str) -> None:
    db.session.commit()
    echo(f"  {what} ({time.perf_counter() - started:.1f}s)")


def seed(cases: int, echo=print) -> None:
    started = time.perf_counter()
    upgrade()
    seed_city(END.year, PASSWORD, by="bench")
    db.session.execute(text(f"TRUNCATE {CASE_TABLES} RESTART IDENTITY CASCADE"))
    db.session.commit()
    clock.freeze(END - timedelta(days=DAYS + 30))
    try:
        ids = make_templates(random.Random(12345))
    finally:
        clock.unfreeze()
    _step(echo, started, f"{len(ids)} template cases through the service")
    status = dict(db.session.execute(select(Case.id, Case.status).where(Case.id.in_(ids))).all())
    closed = [i for i in ids if status[i] == CLOSED]
    types = list(db.session.scalars(select(CaseType.id).order_by(CaseType.id)))
    categories = list(db.session.scalars(select(Category.id).order_by(Category.id)))
    base = max(ids)
    params = {
        "n": cases,
        "all_t": ids,
        "closed_t": closed,
        "types": types,
        "cats": categories or [0],
        "has_cats": bool(categories),
        "channels": list(CHANNELS),
        "end": END,
        "days": DAYS,
        "base": base,
    }
    # One row per clone: its template, intake time (uniform over the 24 months), dimensions and
    # random draws.
    db.session.execute(
        text(
            "CREATE UNLOGGED TABLE bench_plan AS "
            "SELECT g, :base + row_number() OVER (ORDER BY created, g) AS id, created, "
            "CASE WHEN created > :end - interval '30 days' "
            "  THEN (:all_t)[1 + (g::bigint * 7919) % cardinality(:all_t)] "
            "  ELSE (:closed_t)[1 + (g::bigint * 7919) % cardinality(:closed_t)] END AS tmpl, "
            "(:types)[1 + (g::bigint * 31) % cardinality(:types)] AS case_type_id, "
            "CASE WHEN :has_cats THEN (:cats)[1 + (g::bigint * 17) % cardinality(:cats)] END "
            "  AS category_id, "
            "(CAST(:channels AS text[]))"
            "  [1 + (g::bigint * 13) % cardinality(CAST(:channels AS text[]))] "
            "  AS channel, "
            "random() AS r_answer, "
            "CASE WHEN r_delay < 0.75 THEN interval '0' WHEN r_delay < 0.9 "
            "  THEN interval '26 hours' ELSE interval '9 days' END AS delay "
            "FROM (SELECT g, random() AS r_delay, date_trunc('second', "
            "  CAST(:end AS timestamp) - random() * :days * interval '1 day') AS created "
            "  FROM generate_series(1, :n) g) s"
        ),
        params,
    )
    db.session.execute(
        text(
            "ALTER TABLE bench_plan ADD COLUMN shift interval; "
            "UPDATE bench_plan p SET shift = p.created - c.created_at "
            "FROM hotline_case c WHERE c.id = p.tmpl; "
            "CREATE INDEX ON bench_plan (tmpl)"
        )
    )
    _step(echo, started, f"plan of {cases:,} clones")
    # The clones refer to rows that exist (copied from the templates'): the foreign keys'
    # per-row triggers are skipped for the bulk copy (superuser only; the bench's own database).
    db.session.execute(text("SET session_replication_role = replica"))
    _clone_cases(params)
    _step(echo, started, "cases")
    _clone_children()
    _step(echo, started, "departments, open tasks and events")
    db.session.execute(text("SET session_replication_role = DEFAULT"))
    db.session.execute(text("DROP TABLE bench_plan"))
    db.session.execute(
        text("SELECT setval('hotline_case_id_seq', (SELECT max(id) FROM hotline_case))")
    )
    db.session.execute(text("SELECT setval('case_event_id_seq', (SELECT max(id) FROM case_event))"))
    db.session.execute(text("SELECT setval('open_task_id_seq', (SELECT max(id) FROM open_task))"))
    _step(echo, started, "done")


def _shifted(column: str, delayed: bool = True) -> str:
    extra = " + p.delay" if delayed else ""
    return f"c.{column} + p.shift{extra}"


def _clone_cases(params: dict) -> None:
    cols = [c.name for c in Case.__table__.columns]
    # Times after intake move with the clone's delay; intake and the first deadlines do not.
    undelayed = {"created_at", "sign_due_at", "handle_due_at"}
    values = {
        "id": "p.id",
        "number": "'R' || lpad(p.g::text, 12, '0')",
        "idempotency_key": "NULL",
        "idempotency_fingerprint": "NULL",
        "channel": "p.channel",
        "case_type_id": "p.case_type_id",
        "category_id": "coalesce(p.category_id, c.category_id)",
        "satisfaction": f"CASE WHEN c.satisfaction <> '' THEN {_answer_case('answer')} "
        "ELSE c.satisfaction END",
    }
    for col in cols:
        if col in values:
            continue
        typ = Case.__table__.c[col].type.__class__.__name__
        if typ == "DateTime":
            values[col] = _shifted(col, col not in undelayed)
        else:
            values[col] = f"c.{col}"
    # The handling deadline is judged as the scheduler would have: a reply after it is late.
    values["overdue"] = (
        "c.overdue OR (c.handle_due_at IS NOT NULL AND c.replied_at IS NOT NULL "
        "AND c.replied_at + p.delay > c.handle_due_at)"
    )
    db.session.execute(
        text(
            f"INSERT INTO hotline_case ({', '.join(cols)}) "
            f"SELECT {', '.join(values[c] for c in cols)} "
            "FROM bench_plan p JOIN hotline_case c ON c.id = p.tmpl ORDER BY p.id"
        ),
        params,
    )


def _clone_children() -> None:
    db.session.execute(
        text(
            "INSERT INTO case_department (case_id, department_id, status, created_at, overdue, "
            "due_at, case_type_id, channel) "
            "SELECT p.id, d.department_id, c.status, c.created_at, c.overdue, "
            "CASE WHEN d.due_at IS NOT NULL THEN d.due_at + p.shift END, c.case_type_id, "
            "c.channel "
            "FROM bench_plan p JOIN case_department d ON d.case_id = p.tmpl "
            "JOIN hotline_case c ON c.id = p.id"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO open_task (case_id, task_uuid, task_name, title, department_id, "
            "from_department_id, assignee_id, clock, created_at, due_at) "
            "SELECT p.id, md5(p.id::text || t.task_uuid)::uuid::text, t.task_name, t.title, "
            "t.department_id, t.from_department_id, t.assignee_id, t.clock, "
            "t.created_at + p.shift, t.due_at + p.shift "
            "FROM bench_plan p JOIN open_task t ON t.case_id = p.tmpl"
        )
    )
    # Events after the intake move with the delay; a revisit event carries the clone's answer.
    answer, resolved = _answer_case("answer"), _answer_case("resolved")
    db.session.execute(
        text(
            "INSERT INTO case_event (case_id, at, user_id, action, from_department_id, "
            "to_department_id, comment, data, client_ip, signed_on_time, "
            "measured_department_id, on_time, revisit_result, resolved) "
            "SELECT p.id, e.at + p.shift + CASE WHEN e.action IN ('accept', 'transfer') "
            "  THEN interval '0' ELSE p.delay END, "
            "e.user_id, e.action, e.from_department_id, e.to_department_id, e.comment, "
            "CASE WHEN e.action = 'revisit' THEN (e.data::jsonb || jsonb_build_object("
            f"  'result', {answer}, 'resolved', {resolved}))::json "
            # A delayed clone signed late; its reply is late once past the handling deadline.
            "WHEN e.action = 'sign' AND p.delay > interval '0' "
            "  THEN (e.data::jsonb || '{\"on_time\": false}')::json "
            "WHEN e.action = 'reply' AND e.at + p.delay > c.handle_due_at "
            "  THEN (e.data::jsonb || '{\"on_time\": false}')::json "
            "ELSE e.data END, "
            "e.client_ip, "
            # A dispatch of a delayed clone was signed for late: never on time.
            "e.signed_on_time AND p.delay = interval '0', e.measured_department_id, "
            # The outcome columns: what the data above says (CaseEvent).
            "CASE WHEN e.action = 'sign' AND p.delay > interval '0' THEN false "
            "WHEN e.action = 'reply' AND e.at + p.delay > c.handle_due_at THEN false "
            "ELSE e.on_time END, "
            f"CASE WHEN e.action = 'revisit' THEN {answer} END, "
            f"CASE WHEN e.action = 'revisit' THEN {resolved} END "
            "FROM bench_plan p JOIN case_event e ON e.case_id = p.tmpl "
            "JOIN hotline_case c ON c.id = p.tmpl ORDER BY 2"
        )
    )
