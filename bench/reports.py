"""The monthly department report over 2M cases on PostgreSQL, PDF included, and a report page.

    .venv/bin/python bench/reports.py [--database-url URL] [--cases 2000000] [--reuse]
                                      [--month 2026-11] [--department urban] [--reps 5]
                                      [--page /reports/department?month={month}]

Seeds the database (default minqing_bench_reports; bench/reports_seed.py: CASES cases over the
24 months before 2026-12, every department, type and channel, with their dispatch, sign, reply,
revisit and close events) unless --reuse finds it filled, runs VACUUM ANALYZE, then:

1. In a fresh process (what the scheduler's monthly job does for one department): the
   department report of MONTH narrowed to DEPARTMENT (`app.reports.run`), then its PDF
   (charts by ECharts in Node, WeasyPrint). Wall time (target <= 20 s) and peak memory: the
   process's ru_maxrss plus the largest Node child's (target <= 1 GiB). The same for the
   city-wide report (every department's ranking), and the SQL statements' times, slowest
   first, with the plan of the slowest.
2. Report pages for one month through a real gunicorn (bench/pages.py's Server and Browser):
   the app's Server-Timing over --reps requests (target <= 1 s): the department report as the
   oversight office (every department: the widest scope), as a department's handler (its
   own), narrowed to a department, and the volume and hotline reports.

Never point it at the test database: the test suite drops that schema.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_reports"
TARGET_SECONDS = 20.0
TARGET_BYTES = 2**30
TARGET_PAGE_MS = 1000.0
REPORT = "department"


def _statements(conn: Any) -> list[tuple[float, str, Any]]:
    """Times every SQL statement the connection's engine runs from now on."""
    from sqlalchemy import event

    timed: list[tuple[float, str, Any]] = []

    @event.listens_for(conn, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(conn, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        timed.append((time.perf_counter() - conn.info["bench_started"], statement, parameters))

    return timed


def measure_once(url: str, month: str, department: str | None) -> dict[str, Any]:
    """Run in the child process: one report and its PDF, timed; memory from getrusage."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Department
    from app.reports import Filters, run
    from app.reports.pdf import report_pdf

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        filters, subject = Filters(), ""
        if department:
            dept = db.session.scalars(select(Department).filter_by(code=department)).one()
            filters, subject = Filters(department_id=dept.id), dept.name
        db.session.rollback()
        timed = _statements(db.engine)
        started = time.perf_counter()
        result = run(REPORT, month, filters, scope=None)
        queried = time.perf_counter()
        pdf = report_pdf(result, subject=subject)
        done = time.perf_counter()
        Path(ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
        out = ROOT / "bench" / "results" / f"report-{department or 'city'}-{month}.pdf"
        out.write_bytes(pdf)
        slowest = sorted(timed, key=lambda t: -t[0])[:5]
        plan: list[str] = []
        if slowest:
            with db.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0][1], slowest[0][2])
                    plan = [r[0] for r in cur.fetchall()]
        rows = {k: len(t.frame) for k, t in result.tables.items()}
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "query_s": queried - started,
        "pdf_s": done - queried,
        "total_s": done - started,
        "statements": len(timed),
        "slowest": [(round(s, 3), sql.split()[0:1] and sql[:160]) for s, sql, _p in slowest],
        "plan": plan,
        "rss_self_bytes": self_kb * 1024,
        "rss_node_bytes": child_kb * 1024,
        "pdf_bytes": len(pdf),
        "pdf": str(out),
        "rows": rows,
    }


def measure_in_child(url: str, month: str, department: str | None) -> dict[str, Any]:
    """A fresh process, as the scheduler's: its memory is the report's, not the seed's."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--database-url", url, "--month", month]
        + ["--department", department or ""],
        capture_output=True,
        check=False,
        cwd=str(ROOT),
    )
    if done.returncode != 0:
        sys.exit(done.stderr.decode(errors="replace")[-3000:])
    out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - started
    return out


def report_measure(what: str, m: dict[str, Any]) -> None:
    peak = m["rss_self_bytes"] + m["rss_node_bytes"]
    print(
        f"\n{what}: {m['total_s']:.2f} s (query {m['query_s']:.2f} s + PDF {m['pdf_s']:.2f} s; "
        f"target {TARGET_SECONDS:.0f} s, ratio {m['total_s'] / TARGET_SECONDS:.3f}); "
        f"the process from its start {m['process_s']:.2f} s"
    )
    print(
        f"  peak memory {peak / 2**20:.0f} MiB = Python {m['rss_self_bytes'] / 2**20:.0f} MiB + "
        f"Node {m['rss_node_bytes'] / 2**20:.0f} MiB (target 1024 MiB, ratio "
        f"{peak / TARGET_BYTES:.3f}); PDF {m['pdf_bytes'] / 1024:.0f} KiB, rows {m['rows']}"
    )
    print(f"  {m['statements']} SQL statements; slowest:")
    for seconds, sql in m["slowest"]:
        print(f"    {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:140]}")
    print("  plan of the slowest:\n    " + "\n    ".join(m["plan"][:40]))


def time_pages(url: str, pages: list[tuple[str, str]], reps: int) -> list[tuple[str, str, list]]:
    """(user, path) pages: each user signed in through the login form, each page requested
    once to warm up, then `reps` times; the app's Server-Timing of each."""
    from pages import Browser, Server

    server = Server(url, 200_000)
    out = []
    try:
        for username, path in pages:
            browser = Browser(server.port)
            browser.sign_in(username)
            first = browser.request("GET", path)
            if first.status == 404:
                print(f"\nreport page {path}: not served (404): skipped")
                continue
            assert first.status == 200, f"{path}: HTTP {first.status}"
            times = []
            for _ in range(reps):
                answer = browser.request("GET", path)
                assert answer.status == 200 and answer.server_ms is not None
                times.append(answer.server_ms)
            out.append((username, path, times))
        return out
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=2_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--department", default="urban")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--page", default="/reports/department?month={month}")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_once(args.database_url, args.month, args.department)))
        return

    import reports_seed
    from inbox import analyze, ensure_database
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Case, Department

    ensure_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "DB_STATEMENT_TIMEOUT_MS": 0})
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Case)) if args.reuse else 0
        if not args.reuse or (have or 0) < args.cases:
            started = time.perf_counter()
            print(f"seeding {args.cases:,} cases")
            reports_seed.seed(args.cases)
            analyze()
            print(f"seeded in {time.perf_counter() - started:.0f} s")
        have = db.session.scalar(select(func.count()).select_from(Case))
        print(f"{have:,} cases")
    print(f"report {REPORT!r}, month {args.month}")
    # A first run warms PostgreSQL's cache as a month of daily use would have.
    measure_in_child(args.database_url, args.month, args.department)
    report_measure(
        f"monthly report of {args.department}",
        measure_in_child(args.database_url, args.month, args.department),
    )
    report_measure("city-wide report", measure_in_child(args.database_url, args.month, None))

    with app.app_context():
        urban = db.session.scalar(select(Department.id).filter_by(code=args.department))
    pages = [
        ("oversight", args.page.format(month=args.month)),
        (f"{args.department}_handler", f"/reports/department?month={args.month}"),
        ("oversight", f"/reports/volume?month={args.month}"),
        ("oversight", f"/reports/hotline?month={args.month}"),
    ]
    if urban is not None:
        pages.insert(
            2, ("oversight", f"/reports/department?month={args.month}&department_id={urban}")
        )
    for username, path, times in time_pages(args.database_url, pages, args.reps):
        p50 = statistics.median(times)
        worst = max(times)
        print(
            f"\nreport page {path} as {username}: server time p50 {p50:.0f} ms, max "
            f"{worst:.0f} ms over {len(times)} requests (target {TARGET_PAGE_MS:.0f} ms, "
            f"ratio {p50 / TARGET_PAGE_MS:.3f})"
        )


if __name__ == "__main__":
    main()
