"""Page speed over HTTP, as a browser gets the pages, and an export's memory.

    .venv/bin/python bench/pages.py [--database-url URL] [--cases 1000000] [--reuse]
                                    [--reps 100] [--page NAME=PATH ...] [--export-rows 100000]

Builds the bench database as bench/inbox.py does (1M cases, 100k open tasks by default; with
--reuse the cases already there are kept), then starts a real gunicorn (one sync worker) on it
with MINQING_SERVER_TIMING=1, signs each user in like a browser (GET /login, the CSRF token from
the form, POST, the session cookie) and requests every page many times.

Per page it reports the **server time** (the app's `Server-Timing: app;dur=` header,
app/pages/timing.py: from the request reaching the app to its answer starting, everything
Flask does included) and, beside it, the client's time on loopback (connect, gunicorn, the
bytes). Target: p95 server time <= 80 ms. Pages: home, the combined query with and without
filters, and the pages named by --page NAME=PATH: by default the inbox (`/inbox`) and a case
detail (`/cases/{case}`: a case in the user's scope). A page the app does not serve yet (404 at
its first request) is reported as such and skipped.

Then the export: a CSV of about --export-rows rows (the newest days of cases) and the same as
XLSX, streamed and read in chunks; the worker's peak RSS (VmHWM of /proc/<pid>/status) before
and after each, with a small export first: constant memory means the big one raises the peak
no more than the small one did.

Never point it at the test database: the test suite drops that schema.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbox import analyze, ensure_database, prepare  # noqa: E402
from lifecycle_http import free_port  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.config import database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Case, CaseDepartment, Department, OpenTask, User  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_pages"
PASSWORD = "bench12345"  # what bench/inbox.py's prepare seeds the city with
TARGET_MS = 80.0
WARM_UP = 3
USERS = ("dispatcher", "east_dispatcher", "housing_handler", "leader")
EXTRA_PAGES = ("inbox=/inbox", "case=/cases/{case}")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TIMING = re.compile(r"app;dur=([0-9.]+)")


# --- A browser's side of HTTP: cookies, the login form, timed requests ------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    client_ms: float
    server_ms: float | None


@dataclass
class Browser:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {"User-Agent": "minqing-bench", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        took = (time.perf_counter() - started) * 1000
        for value in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        timing = _TIMING.search(resp.headers.get("Server-Timing", ""))
        return Answer(
            resp.status,
            dict(resp.headers.items()),
            data,
            took,
            float(timing.group(1)) if timing else None,
        )

    def sign_in(self, username: str) -> None:
        form = self.request("GET", "/login")
        token = _CSRF.search(form.body.decode())
        assert form.status == 200 and token, "the login page has no CSRF token"
        done = self.request(
            "POST",
            "/login",
            {"csrf_token": token.group(1), "username": username, "password": PASSWORD},
        )
        assert done.status in (302, 303), f"{username} could not sign in ({done.status})"
        assert self.request("GET", "/").status == 200, f"{username}: no home page after sign-in"


# --- gunicorn -----------------------------------------------------------------------------


class Server:
    """gunicorn with one sync worker serving wsgi:app on the bench database."""

    def __init__(self, url: str, export_cap: int) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="bench-pages-gunicorn-", suffix=".log", delete=False
        )
        env = dict(
            os.environ,
            DATABASE_URL=url,
            MINQING_SECRET_KEY=os.environ.get("MINQING_BENCH_SECRET", secrets.token_urlsafe(48)),
            MINQING_SERVER_TIMING="1",
            MINQING_EXPORT_MAX_ROWS=str(export_cap),
        )
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "-w",
                "1",
                "--timeout",
                "120",
                "-b",
                f"127.0.0.1:{self.port}",
                "wsgi:app",
            ],
            cwd=str(ROOT),
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                Browser(self.port).request("GET", "/login")
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    sys.exit(f"gunicorn did not start; see {self.log.name}")
                time.sleep(0.3)

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        return int(children.split()[0])

    def memory_kb(self) -> dict[str, int]:
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        found = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M))
        return {k: int(v) for k, v in found.items()}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# --- What to request ---------------------------------------------------------------------


def _one(query: Any) -> Any:
    return db.session.execute(query).scalar()


def parameters(export_rows: int) -> dict[str, Any]:
    """Values the pages are requested with, read from the bench database."""
    dept = dict(db.session.execute(select(Department.code, Department.id)).all())
    some = db.session.execute(
        select(Case.number, Case.citizen_phone).order_by(Case.id).offset(5000).limit(1)
    ).one()
    newest = _one(select(Case.created_at).order_by(Case.created_at.desc()).limit(1))
    nth = _one(
        select(Case.created_at).order_by(Case.created_at.desc()).offset(export_rows - 1).limit(1)
    )
    small = _one(
        select(Case.created_at)
        .order_by(Case.created_at.desc())
        .offset(export_rows // 10 - 1)
        .limit(1)
    )
    cases: dict[str, int] = {}
    for username in USERS:
        user = db.session.execute(select(User).filter_by(username=username)).unique().scalar_one()
        # A case with an open task at the user's department when it has one, else any case
        # sent there: in the user's scope either way.
        cases[username] = _one(
            select(OpenTask.case_id).where(OpenTask.department_id == user.department_id).limit(1)
        ) or _one(
            select(CaseDepartment.case_id)
            .where(CaseDepartment.department_id == user.department_id)
            .limit(1)
        )
    if cases["leader"] is None:
        cases["leader"] = cases["housing_handler"]
    month_ago = (newest - timedelta(days=60)).date()
    return {
        "dept": dept,
        "phone": some.citizen_phone[3:10],
        "number": some.number[:12],
        "from": month_ago.isoformat(),
        "to": (month_ago + timedelta(days=30)).isoformat(),
        "export_from": (nth or newest).date().isoformat(),
        "small_from": (small or newest).date().isoformat(),
        "cases": cases,
    }


def pages_for(username: str, p: dict[str, Any], extra: list[tuple[str, str]]) -> list[tuple]:
    in_scope = {
        "dispatcher": p["dept"]["housing"],
        "east_dispatcher": p["dept"]["east_urban"],
        "housing_handler": p["dept"]["housing"],
        "leader": p["dept"]["housing"],
    }[username]
    out = [
        ("home", "/"),
        ("query", "/query"),
        ("query status", "/query?status=handling"),
        ("query phone", f"/query?q={p['phone']}"),
        ("query number", f"/query?q={p['number']}"),
        ("query content", "/query?" + urlencode({"q": "井盖缺失"})),
        ("query dept+overdue", f"/query?department_id={in_scope}&overdue=true"),
        ("query 1 month", f"/query?created_from={p['from']}&created_to={p['to']}"),
        ("query type+channel", "/query?case_type=complaint&channel=web"),
        ("query sort due", "/query?sort=-handle_due_at"),
        ("query page 50", "/query?page=50"),
    ]
    case = p["cases"][username]
    for name, path in extra:
        out.append((name, path.format(case=case)))
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * q))]


def time_pages(port: int, reps: int, p: dict[str, Any], extra: list[tuple[str, str]]) -> list:
    results = []
    missing: set[str] = set()
    for username in USERS:
        browser = Browser(port)
        browser.sign_in(username)
        for name, path in pages_for(username, p, extra):
            if name in missing:
                continue
            server, client = [], []
            status = 0
            for i in range(reps + WARM_UP):
                answer = browser.request("GET", path)
                status = answer.status
                if status == 404 and name in dict(extra):
                    missing.add(name)
                    break
                assert status == 200, f"{username} {path}: HTTP {status}"
                assert answer.server_ms is not None, "no Server-Timing header"
                if i >= WARM_UP:
                    server.append(answer.server_ms)
                    client.append(answer.client_ms)
            if name in missing:
                print(f"{username:<16} {name:<20} not served yet (404): skipped")
                continue
            row = (
                username,
                name,
                statistics.median(server),
                pct(server, 0.95),
                max(server),
                statistics.median(client),
                pct(client, 0.95),
            )
            results.append(row)
            mark = "" if row[3] <= TARGET_MS else "  MISS"
            print(
                f"{username:<16} {name:<20} {row[2]:>7.1f} {row[3]:>7.1f} {row[4]:>7.1f}"
                f"   {row[5]:>7.1f} {row[6]:>7.1f}{mark}",
                flush=True,
            )
    return results


def export_once(server: Server, browser: Browser, fmt: str, since: str) -> dict[str, Any]:
    before = server.memory_kb()
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    conn.request(
        "GET",
        f"/query/export.{fmt}?created_from={since}",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())},
    )
    resp = conn.getresponse()
    assert resp.status == 200, f"export {fmt}: HTTP {resp.status} {resp.getheader('Location')}"
    size, lines, first = 0, 0, None
    while chunk := resp.read(64 * 1024):
        if first is None:
            first = (time.perf_counter() - started) * 1000
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    took = time.perf_counter() - started
    after = server.memory_kb()
    return {
        "fmt": fmt,
        "since": since,
        "rows": lines - 1 if fmt == "csv" else None,
        "bytes": size,
        "seconds": took,
        "first_byte_ms": first,
        "hwm_before_mb": before["VmHWM"] / 1024,
        "hwm_after_mb": after["VmHWM"] / 1024,
        "rss_after_mb": after["VmRSS"] / 1024,
    }


def time_exports(server: Server, p: dict[str, Any]) -> list[dict[str, Any]]:
    browser = Browser(server.port)
    browser.sign_in("dispatcher")
    runs = [
        export_once(server, browser, "csv", p["small_from"]),
        export_once(server, browser, "csv", p["export_from"]),
        export_once(server, browser, "xlsx", p["small_from"]),
        export_once(server, browser, "xlsx", p["export_from"]),
    ]
    for r in runs:
        rows = f"{r['rows']:,}" if r["rows"] is not None else "(= csv)"
        print(
            f"export {r['fmt']:<4} since {r['since']}  rows {rows:>9}  "
            f"{r['bytes'] / 2**20:7.1f} MB  {r['seconds']:6.1f} s  first byte "
            f"{r['first_byte_ms']:7.0f} ms  worker peak RSS {r['hwm_before_mb']:6.1f} -> "
            f"{r['hwm_after_mb']:6.1f} MB (RSS now {r['rss_after_mb']:.1f} MB)",
            flush=True,
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the cases already seeded")
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument(
        "--page",
        action="append",
        metavar="NAME=PATH",
        help="a page to time besides home and the query; {case} is a case of the user's "
        f"scope (default: {' '.join(EXTRA_PAGES)})",
    )
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    extra = [tuple(p.split("=", 1)) for p in (args.page or EXTRA_PAGES)]
    url = database_url(args.database_url)
    ensure_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        prepare(args.cases, args.reuse)
        analyze()
        total = db.session.scalar(select(func.count()).select_from(Case))
        tasks = db.session.scalar(select(func.count()).select_from(OpenTask))
        p = parameters(args.export_rows)
        db.session.remove()
        db.engine.dispose()
    print(f"\n{total:,} cases, {tasks:,} open tasks; gunicorn, 1 sync worker; {args.reps} reps")
    server = Server(args.database_url, max(200_000, 2 * args.export_rows))
    try:
        started = server.memory_kb()
        print(f"worker started: peak RSS {started['VmHWM'] / 1024:.1f} MB")
        print(
            f"\n{'user':<16} {'page':<20} {'server p50':>7} {'p95':>7} {'max':>7}"
            f"   {'client p50':>7} {'p95':>7}   (ms)"
        )
        results = time_pages(server.port, args.reps, p, extra)
        missed = [r for r in results if r[3] > TARGET_MS]
        print(f"\n{len(results) - len(missed)}/{len(results)} pages within p95 <= {TARGET_MS} ms")
        for r in missed:
            print(f"  missed: {r[0]} {r[1]} p95 {r[3]:.1f} ms")
        if not args.no_export:
            print(f"\nworker after the pages: peak RSS {server.memory_kb()['VmHWM'] / 1024:.1f} MB")
            time_exports(server, p)
    finally:
        server.stop()
        log = Path(server.log.name)
        audit = [line for line in log.read_text().splitlines() if "minqing.audit" in line]
        if audit:
            print(f"\naudit log (gunicorn's stderr), last record:\n  {audit[-1]}")
        log.unlink()


if __name__ == "__main__":
    main()
