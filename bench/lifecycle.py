"""Lifecycle benchmark: push N cases through the whole hotline flow and report throughput,
latency, stored state size, the engine's own cost, the database floor and the HTTP cost.

    .venv/bin/python bench/lifecycle.py [--cases N] [--db sqlite|postgresql|both] [--rounds R]
                                        [--profile] [--database-url URL]

Flow per case (about 22 steps): accept -> transfer (3 co-departments) -> sign -> 3 co_reply ->
reply -> revisit unsatisfied (reopen) -> transfer (3 co-departments) -> sign -> 3 co_reply ->
reply -> revisit satisfied (closed). Every 10th case (i % 10 == 3) also asks for and gets an
extension; i % 10 == 7 asks for a return, which is approved and dispatched again.

PostgreSQL runs on database `minqing_bench_lifecycle`, or the one --database-url names (created
when missing; its public schema is dropped and re-created by each run). SQLite runs on a
temporary file.

This file runs one database's measurements in order and writes the results; the parts live
beside it: lifecycle_setup (databases, app), lifecycle_cases (the case driver),
lifecycle_measure (rounds: warm service, engine in memory, database floor), lifecycle_http
(test client, gunicorn), lifecycle_report (report, summary), lifecycle_record (latencies).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the app and tests.helpers (the intake data)
    sys.path.insert(0, str(ROOT))

from lifecycle_cases import check_closed, run_service_cases, state_sizes, two_processes  # noqa: E402
from lifecycle_http import gunicorn_run, http_test_client  # noqa: E402
from lifecycle_measure import measure_rounds  # noqa: E402
from lifecycle_record import Recorder  # noqa: E402
from lifecycle_report import report, summary_table  # noqa: E402
from lifecycle_setup import (  # noqa: E402
    PG_URL,
    db_url,
    departments,
    ensure_pg_database,
    make_app,
    prepare_database,
)

RESULTS = ROOT / "bench" / "results"
ROUNDS = 3  # the warm service measurement, in rounds (see lifecycle_measure.measure_rounds)


def bench_db(
    kind: str, n: int, profile: bool, rounds_wanted: int = ROUNDS, pg_url: str = PG_URL
) -> dict:
    from app.cases import workflow_cache
    from app.extensions import db

    tmp = tempfile.TemporaryDirectory(prefix="minqing-bench-")
    if kind == "postgresql":
        ensure_pg_database(pg_url)
    url = db_url(kind, tmp.name, pg_url)
    print(f"\n=== {kind}: preparing {url} ...", flush=True)
    prepare_database(url)
    res: dict = {"kind": kind, "cases": n}
    app = make_app(url)
    with app.app_context():
        depts = departments()
        # warm-up: compile the process, load forms, fill the calendar cache
        run_service_cases(2, 900_000, Recorder())

        rounds, rec, ids = measure_rounds(kind, n, rounds_wanted)
        wall = sum(r["wall"] for r in rounds)
        res["service"] = {"steps": rec.steps, "wall": wall, "sps": rec.steps / wall, "rec": rec}
        res["rounds"] = rounds
        res["closed"] = check_closed(ids)
        sizes = state_sizes(ids)
        res["state_mean"] = statistics.fmean(sizes)
        res["state_max"] = max(sizes)

        print(f"[{kind}] service level, cold cache (every step deserialises) ...", flush=True)
        saved = workflow_cache.SIZE
        workflow_cache.SIZE = 0
        workflow_cache.clear()
        try:
            rec_c = Recorder()
            t0 = time.perf_counter()
            ids_c = run_service_cases(n, 100_000, rec_c, cold=True)
            wall = time.perf_counter() - t0
        finally:
            workflow_cache.SIZE = saved
        res["cold"] = {"steps": rec_c.steps, "wall": wall, "sps": rec_c.steps / wall, "rec": rec_c}
        res["cold_closed"] = check_closed(ids_c)

        # The round whose throughput is the median stands for the run; its engine and floor
        # figures go with it.
        median = sorted(rounds, key=lambda r: r["sps"])[len(rounds) // 2]
        res["engine"] = median["engine"]
        res["floor_ms"] = median["floor_ms"]

        if profile:
            print(f"[{kind}] profiling the warm service path ...", flush=True)
            prof = cProfile.Profile()
            prof.enable()
            run_service_cases(max(10, n // 5), 200_000, Recorder())
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
            stats.print_stats(45)
            out.write("\n--- by internal time ---\n")
            stats.sort_stats("tottime").print_stats(30)
            res["profile"] = out.getvalue()

        print(f"[{kind}] HTTP via Flask test client (auth, one process) ...", flush=True)
        rec_h = Recorder()
        t0 = time.perf_counter()
        http_test_client(app, n, 300_000, rec_h)
        wall = time.perf_counter() - t0
        res["http_tc"] = {
            "steps": rec_h.steps,
            "wall": wall,
            "sps": rec_h.steps / wall,
            "rec": rec_h,
        }
        db.session.remove()
        db.engine.dispose()

    print(f"[{kind}] service level, two processes ...", flush=True)
    res["two"] = two_processes(url, n)

    print(f"[{kind}] HTTP via gunicorn -w 2, 2 client threads ...", flush=True)
    res["gunicorn"] = gunicorn_run(url, n, depts, "wsgi:app")
    with app.app_context():
        res["gunicorn"]["closed"] = check_closed(res["gunicorn"]["ids"])
        db.session.remove()
        db.engine.dispose()
    tmp.cleanup()
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of the warm path")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="warm service rounds")
    parser.add_argument(
        "--database-url", default=PG_URL, help="the PostgreSQL database (its schema is dropped)"
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in kinds:
        res = bench_db(kind, args.cases, args.profile, max(1, args.rounds), args.database_url)
        text_out = report(res)
        print("\n" + text_out, flush=True)
        results.append(res)
        table = summary_table([res])
        (RESULTS / f"lifecycle-{kind}.txt").write_text(text_out + "\n" + table + "\n")
    print(summary_table(results))
    print(f"\nresults written to {RESULTS}/lifecycle-<db>.txt")


if __name__ == "__main__":
    main()
