"""Live-feed benchmark: how soon a committed notification reaches the open pages.

    .venv/bin/python bench/notify_feed.py [--pages 200] [--rounds 20] [--singles 100]
                                          [--database-url URL]

Starts gunicorn with the production config (gunicorn.conf.py: gthread workers) on PostgreSQL
(database `minqing_bench_notify_feed`, or --database-url; its public schema is dropped and
re-created), signs in --pages users through the login form, opens one server-sent-events
stream per page (/messages/stream, raw asyncio sockets), then a separate process commits
notifications with notify():

- broadcast rounds: one transaction notifies every page's user at once (an announcement);
- singles: one transaction notifies one user (a transfer to a one-person department), one
  after another, 50 ms apart.

For each notification and stream: commit (the notifier's clock right after COMMIT returns) to
the event read from the socket, p50/p95/p99 (target p95 <= 1 s). And the workers' state: the
latency of an ordinary page (GET /messages) before the streams open and while all are open.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lifecycle_setup import (  # noqa: E402
    PASSWORD,
    SECRET,
    ensure_pg_database,
    make_app,
    prepare_database,
)

PG_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_notify_feed"
PREFIX = "feed_"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- setup -------------------------------------------------------------------------------


def add_users(url: str, n: int) -> list[int]:
    """n handlers, one page each, with the seeded password (its hash copied: no n hashings)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Role, User

    app = make_app(url)
    with app.app_context():
        model = db.session.scalars(select(User).filter_by(username="urban_handler")).unique().one()
        handler = db.session.scalars(select(Role).filter_by(code="handler")).one()
        users = [
            User(
                username=f"{PREFIX}{i:03d}",
                password_hash=model.password_hash,
                display_name=f"feed {i}",
                department_id=model.department_id,
                roles=[handler],
            )
            for i in range(n)
        ]
        db.session.add_all(users)
        db.session.commit()
        ids = [u.id for u in users]
        db.session.remove()
        db.engine.dispose()
    return ids


def start_gunicorn(url: str, port: int) -> tuple[subprocess.Popen, str]:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        MINQING_SECRET_KEY=SECRET,
        MINQING_BIND=f"127.0.0.1:{port}",
        MINQING_ACCESS_LOG="",  # no access log: it would be the bench's own cost
        # Every page signs in from 127.0.0.1 at once: the per-address login limit is for attackers.
        MINQING_LOGIN_LIMIT_PER_IP="100000 per minute",
        MINQING_LOGIN_LIMIT_PER_ACCOUNT="100000 per minute",
    )
    env.pop("MINQING_ENV", None)
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server outlives this block
        prefix="bench-feed-gunicorn-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "wsgi:app",
        ],
        cwd=str(ROOT),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            conn.getresponse().read()
            conn.close()
            return proc, log.name
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"gunicorn did not start; see {log.name}")
            time.sleep(0.3)


def login(port: int, username: str) -> str:
    """The session cookie of a user signed in through the login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    html = resp.read().decode()
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on /login"
    body = f"username={username}&password={PASSWORD}&csrf_token={match.group(1)}"
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status in (302, 303), (username, resp.status)
    return resp.getheader("Set-Cookie", "").split(";")[0]


def page_latency(port: int, cookie: str, n: int = 30) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/messages", headers={"Cookie": cookie})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        assert resp.status == 200, resp.status
        times.append(time.perf_counter() - t0)
    return times


# --- the streams -------------------------------------------------------------------------


async def stream(
    port: int,
    user_id: int,
    cookie: str,
    received: dict[str, float],
    ready: asyncio.Event,
    opened: list[int],
    stop: asyncio.Event,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    # HTTP/1.0: the body is the rest of the connection (no chunked encoding to take apart).
    writer.write(
        f"GET /messages/stream HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0], head[:200]
    buffer = b""
    first = True
    try:
        while not stop.is_set():
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.time()
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.decode().splitlines():
                    if not line.startswith("data: "):
                        continue
                    data = json.loads(line[6:])
                    if first:
                        first = False
                        opened.append(1)
                        if len(opened) >= ready_count[0]:
                            ready.set()
                    newest = data.get("newest")
                    if newest and newest["body"].startswith("bench "):
                        received.setdefault(f"{newest['body']}|{user_id}", now)
    finally:
        writer.close()


ready_count = [0]


# --- the notifier (a separate process) ------------------------------------------------------


def notifier(url: str, user_ids: list[int], rounds: int, singles: int) -> None:
    """Commit notifications and print, per transaction, its tag and the time COMMIT returned."""
    import random

    from app.extensions import db
    from app.notifications.service import notify

    app = make_app(url)
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.commit()
        for r in range(rounds):
            tag = f"bench round {r}"
            notify("announcement", users=user_ids, body=tag)
            db.session.commit()
            print(json.dumps({"tag": tag, "at": time.time(), "users": "all"}), flush=True)
            time.sleep(1.0)
        rng = random.Random(7)
        for s in range(singles):
            user = rng.choice(user_ids)
            tag = f"bench single {s}"
            notify("urge", users=[user], body=tag)
            db.session.commit()
            print(json.dumps({"tag": tag, "at": time.time(), "users": user}), flush=True)
            time.sleep(0.05)


# --- the run -----------------------------------------------------------------------------


async def run_streams(port: int, cookies: dict[int, str], url: str, args) -> dict:
    received: dict[str, float] = {}
    ready, stop = asyncio.Event(), asyncio.Event()
    opened: list[int] = []
    ready_count[0] = len(cookies)
    tasks = [
        asyncio.create_task(stream(port, u, c, received, ready, opened, stop))
        for u, c in cookies.items()
    ]
    await asyncio.wait_for(ready.wait(), timeout=120)
    loop = asyncio.get_running_loop()
    some_cookie = next(iter(cookies.values()))
    with ThreadPoolExecutor(1) as pool:
        during = loop.run_in_executor(pool, page_latency, port, some_cookie, 30)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "notifier",
            "--database-url",
            url,
            "--users",
            ",".join(map(str, cookies)),
            "--rounds",
            str(args.rounds),
            "--singles",
            str(args.singles),
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        commits = [json.loads(line) for line in (await proc.stdout.read()).decode().splitlines()]
        await proc.wait()
        page_during = await during
    await asyncio.sleep(2.0)  # the last events' time to arrive
    stop.set()
    for t in tasks:
        t.cancel()
    return {
        "received": received,
        "commits": commits,
        "page_during": page_during,
        "open": len(opened),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode")
    note = sub.add_parser("notifier")
    note.add_argument("--database-url", required=True)
    note.add_argument("--users", required=True)
    note.add_argument("--rounds", type=int, default=20)
    note.add_argument("--singles", type=int, default=100)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--database-url", default=PG_URL)
    args = parser.parse_args()
    if args.mode == "notifier":
        notifier(
            args.database_url, [int(u) for u in args.users.split(",")], args.rounds, args.singles
        )
        return

    url = args.database_url
    ensure_pg_database(url)
    print(f"preparing {url} ...", flush=True)
    prepare_database(url)
    user_ids = add_users(url, args.pages)
    port = free_port()
    proc, log = start_gunicorn(url, port)
    try:
        print(f"signing in {args.pages} users ...", flush=True)
        with ThreadPoolExecutor(8) as pool:
            cookies = dict(
                zip(
                    user_ids,
                    pool.map(lambda i: login(port, f"{PREFIX}{i:03d}"), range(args.pages)),
                    strict=True,
                )
            )
        page_before = page_latency(port, next(iter(cookies.values())))
        print(
            f"opening {args.pages} streams, then {args.rounds} broadcast rounds and "
            f"{args.singles} single notifications ...",
            flush=True,
        )
        result = asyncio.run(run_streams(port, cookies, url, args))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    report(args, result, page_before, user_ids)
    os.unlink(log)


def report(args, result: dict, page_before: list[float], user_ids: list[int]) -> None:
    received = result["received"]
    broadcast: list[float] = []
    single: list[float] = []
    missing = 0
    for commit in result["commits"]:
        users = user_ids if commit["users"] == "all" else [commit["users"]]
        for user in users:
            at = received.get(f"{commit['tag']}|{user}")
            if at is None:
                missing += 1
                continue
            (broadcast if commit["users"] == "all" else single).append(at - commit["at"])
    print()
    print(f"open streams: {result['open']} of {args.pages} (gunicorn.conf.py: gthread)")
    for name, values in (
        ("broadcast (all pages at once)", broadcast),
        ("single (one page)", single),
        ("all", broadcast + single),
    ):
        if not values:
            continue
        ms = [v * 1e3 for v in values]
        print(
            f"{name:32s} n={len(ms):5d}  p50 {pct(ms, 0.5):7.1f} ms  p95 {pct(ms, 0.95):7.1f} ms"
            f"  p99 {pct(ms, 0.99):7.1f} ms  max {max(ms):7.1f} ms"
        )
    every = broadcast + single
    p95 = pct(every, 0.95) if every else float("inf")
    print(f"missing events: {missing}")
    print(
        f"target p95 <= 1000 ms: {'OK' if p95 <= 1.0 and not missing else 'MISSED'} "
        f"({p95 * 1e3:.1f} ms)"
    )
    before = [t * 1e3 for t in page_before]
    during = [t * 1e3 for t in result["page_during"]]
    print(
        f"GET /messages with no stream open   p50 {statistics.median(before):6.1f} ms  "
        f"p95 {pct(before, 0.95):6.1f} ms"
    )
    ratio = statistics.median(during) / statistics.median(before)
    print(
        f"GET /messages, {args.pages} streams open  p50 {statistics.median(during):6.1f} ms  "
        f"p95 {pct(during, 0.95):6.1f} ms  ({ratio:.2f}x)"
    )


if __name__ == "__main__":
    main()
