"""Inbox and case-list latency on a million cases.

    .venv/bin/python bench/inbox.py [--database-url URL] [--cases 1000000] [--reuse]

Creates the database when missing, migrates, seeds the demo city and bulk-seeds the cases
(templates through the service, the rest cloned: see app/seed/bulk.py), runs ANALYZE, then
times each query warm, many times, and prints p50/p95/max in milliseconds. Target: p95 <= 20 ms.
Never point it at the test database: the test suite drops that schema.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.cases import queries  # noqa: E402
from app.clock import clock  # noqa: E402
from app.config import database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Case, CaseNumberCounter, Department, OpenTask, User  # noqa: E402
from app.seed.bulk import THROUGH_SERVICE, seed_bulk_cases  # noqa: E402
from app.seed.cases import seed_demo_cases  # noqa: E402
from app.seed.city import seed_city  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench"
TARGET_MS = 20.0
CASE_TABLES = "case_event, open_task, case_department, workflow_instance, hotline_case"


def ensure_database(url: str) -> None:
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "postgresql":
        return
    if parsed.database == "test":
        sys.exit("refusing the 'test' database: the test suite drops its schema")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
            print(f"created database {parsed.database}")


def prepare(count: int, reuse: bool) -> None:
    started = time.perf_counter()
    upgrade()
    seed_city(clock.now().year, "bench12345", by="bench")
    have = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
    if reuse and have >= count:
        print(f"reusing {have:,} cases")
        return
    if have:
        print(f"dropping {have:,} existing cases")
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {CASE_TABLES}, case_number_counter"))
        else:
            for table in [*CASE_TABLES.split(", "), "case_number_counter"]:
                db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
    print(f"seeding {count:,} cases")
    made = seed_demo_cases(min(THROUGH_SERVICE, count))
    if count > made:
        made += seed_bulk_cases(count - made)[0]
    print(f"seeded {made:,} cases in {time.perf_counter() - started:.1f}s")


def analyze() -> None:
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print(f"analyze: {time.perf_counter() - started:.1f}s")


def sizes() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    print("\ntable                rows        table+toast   indexes")
    for table in (
        "hotline_case",
        "open_task",
        "case_department",
        "case_event",
        "workflow_instance",
    ):
        rows = db.session.scalar(text(f"SELECT count(*) FROM {table}"))
        tsize, isize = db.session.execute(
            text("SELECT pg_size_pretty(pg_table_size(:t)), pg_size_pretty(pg_indexes_size(:t))"),
            {"t": table},
        ).one()
        print(f"{table:<20} {rows:>10,}  {tsize:>12}  {isize:>8}")


def _user(username: str) -> int:
    return db.session.execute(select(User.id).filter_by(username=username)).scalar_one()


def _dept(code: str) -> int:
    return db.session.execute(select(Department.id).filter_by(code=code)).scalar_one()


def cases_to_time() -> list[tuple[str, str, str, dict]]:
    """(label, query, username, args)."""
    today = clock.now().date()
    page = {"page": 1, "per_page": 20}
    listing = {**page, "sort": "-created_at"}
    # A number prefix of a day with cases, and a phone fragment of one case.
    some = db.session.execute(
        select(Case.number, Case.citizen_phone).order_by(Case.id).offset(5000).limit(1)
    ).one()
    number_prefix = some.number[:12]  # "YYYYMMDD-000" -> up to a thousand cases
    phone_fragment = some.citizen_phone[3:10]
    housing = _dept("housing")
    east_urban = _dept("east_urban")
    out: list[tuple[str, str, str, dict]] = []
    for handler in ("housing_handler", "east_urban_handler", "lake_street_handler"):
        out += [
            (f"inbox {handler} p1", "inbox", handler, dict(page)),
            (f"inbox {handler} p50", "inbox", handler, {"page": 50, "per_page": 20}),
            (f"inbox {handler} overdue", "inbox", handler, {**page, "overdue": True}),
        ]
    out += [
        ("inbox dispatcher (city) p1", "inbox", "dispatcher", dict(page)),
        ("inbox dispatcher (city) overdue", "inbox", "dispatcher", {**page, "overdue": True}),
    ]
    month_ago = today - timedelta(days=60)
    dispatcher: list[tuple[str, dict[str, Any]]] = [
        ("no filter", {}),
        ("status=handling", {"status": "handling"}),
        ("status=closed", {"status": "closed"}),
        ("department=housing", {"department_id": housing}),
        ("created 1 month range", {"created_from": month_ago, "created_to": today - timedelta(30)}),
        ("overdue", {"overdue": True}),
        ("not overdue", {"overdue": False}),
        ("q number prefix", {"q": number_prefix}),
        ("q phone fragment", {"q": phone_fragment}),
        ("q content word", {"q": "井盖缺失"}),
        (
            "status+dept+overdue",
            {"status": "handling", "department_id": east_urban, "overdue": True},
        ),
        ("dept+created range", {"department_id": housing, "created_from": month_ago}),
        ("status+created range", {"status": "closed", "created_from": month_ago}),
        ("sort -handle_due_at", {"sort": "-handle_due_at"}),
        ("page 100", {"page": 100}),
    ]
    for label, args in dispatcher:
        out.append((f"list dispatcher {label}", "list", "dispatcher", {**listing, **args}))
    # A department inside each user's scope, for the "department" filter.
    in_scope = {
        "housing_handler": housing,
        "east_urban_handler": east_urban,
        "east_dispatcher": east_urban,
        "leader": east_urban,
    }
    for username in ("housing_handler", "east_urban_handler", "east_dispatcher", "leader"):
        out += [
            (f"list {username}", "list", username, dict(listing)),
            (f"list {username} status=closed", "list", username, {**listing, "status": "closed"}),
            (f"list {username} overdue", "list", username, {**listing, "overdue": True}),
            (f"list {username} q phone", "list", username, {**listing, "q": phone_fragment}),
            # Filters and sorts the scope index does not carry: the EXISTS path.
            (
                f"list {username} type=complaint",
                "list",
                username,
                {**listing, "case_type": "complaint"},
            ),
            (f"list {username} channel=web", "list", username, {**listing, "channel": "web"}),
            (
                f"list {username} department=current",
                "list",
                username,
                {**listing, "department_id": in_scope[username]},
            ),
            (
                f"list {username} sort -handle_due_at",
                "list",
                username,
                {**listing, "sort": "-handle_due_at"},
            ),
        ]
    return out


def measure(reps: int, only: str | None) -> list[tuple[str, float, float, float, int, int]]:
    results = []
    for label, kind, username, args in cases_to_time():
        if only and only not in label:
            continue
        # Built above as plain dicts in the shape of the query's arguments (queries.InboxArgs or
        # queries.CaseListArgs): named as such here, outside the timed calls.
        inbox_args = cast(queries.InboxArgs, args)
        list_args = cast(queries.CaseListArgs, args)
        uid = _user(username)
        times = []
        body: queries.InboxPage | queries.CasePage
        for i in range(reps + 3):
            db.session.expunge_all()
            user = db.session.get_one(User, uid)
            started = time.perf_counter()
            if kind == "inbox":
                body = queries.inbox(user, inbox_args)
            else:
                body = queries.list_cases(user, list_args)
            elapsed = (time.perf_counter() - started) * 1000
            if i >= 3:  # warm-up runs not counted
                times.append(elapsed)
        db.session.rollback()
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        results.append(
            (label, statistics.median(times), p95, times[-1], len(body["items"]), body["total"])
        )
        r = results[-1]
        mark = "" if r[2] <= TARGET_MS else "  MISS"
        print(f"{label:<48} {r[1]:>7.1f} {r[2]:>7.1f} {r[3]:>7.1f} {r[4]:>5} {r[5]:>6}{mark}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the cases already seeded")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--only", help="time only the queries whose label contains this")
    args = parser.parse_args()
    ensure_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.database_url)})
    with app.app_context():
        prepare(args.cases, args.reuse)
        analyze()
        sizes()
        tasks = db.session.scalar(select(func.count()).select_from(OpenTask))
        days = db.session.scalar(select(func.count()).select_from(CaseNumberCounter))
        print(f"open tasks: {tasks:,}, days with cases: {days}, today {date.today()}")
        print(f"\n{'query':<48} {'p50':>7} {'p95':>7} {'max':>7} {'rows':>5} {'total':>6}")
        results = measure(args.reps, args.only)
        missed = [r for r in results if r[2] > TARGET_MS]
        print(f"\n{len(results) - len(missed)}/{len(results)} queries within p95 <= {TARGET_MS} ms")
        for r in missed:
            print(f"  missed: {r[0]} p95 {r[2]:.1f} ms")


if __name__ == "__main__":
    main()
