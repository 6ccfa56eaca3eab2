"""Telephony benchmark: the ARI peer + the bridge + the web app with a real database.

    .venv/bin/python bench/telephony.py [--db sqlite|postgresql] [--rate 20] [--seconds 60]
                                        [--concurrent 200] [--database-url URL]

What runs, each its own process: the web app under gunicorn (gthread, 2 workers, as
production) on a fresh database (SQLite temp file, or PostgreSQL `minqing_bench_telephony`,
its schema dropped and migrated); the bridge (`python -m ari_bridge`, the token of its
service account); the ARI peer (`python -m ari_peer serve`), whose control API (/_peer) this
driver uses to place calls and press keys.

1. Sustained: `--rate` new calls per second for `--seconds`; each call: StasisStart, the
   bridge answers and plays the menu, the caller presses 5 (an announcement), the bridge
   says goodbye and hangs up. Measured: StasisStart → the call record committed (a poller
   reads the call_record table every 2 ms on its own connection: the time it first sees the
   channel's row), p50/p95/p99, and every call's record closed at the end.
2. Held: `--concurrent` calls at once in the menu (waiting for a key), the bridge's memory
   (VmRSS) before and with them, and the event lag: a key pressed on each held call → the
   bridge's next prompt started on it (as the peer reports it; the driver polls every ms or
   so, which the numbers include), p50/p95/p99.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lifecycle_setup import SECRET, ensure_pg_database, make_app, prepare_database  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/minqing_bench_telephony"
ARI_USER, ARI_PASSWORD, APP = "minqing", "bench-secret", "hotline"
MENU = {
    "root": "main",
    "menus": {
        "main": {
            "prompt": "minqing/welcome",
            "timeout_seconds": 60,
            "options": {"5": {"action": "announcement", "sound": "minqing/hours", "next": None}},
        }
    },
}
SCHEDULE = {
    "working_days": [["00:00", "24:00"]],
    "rest_days": [["00:00", "24:00"]],
    "closed_prompt": "minqing/closed",
    "closed_action": "voicemail",
}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup_web(url: str) -> str:
    """Migrate and seed the database, save the bench's menu; the bridge's API token."""
    from app.auth.tokens import issue_token
    from app.extensions import db
    from app.telephony import ivr
    from app.telephony.account import service_account

    prepare_database(url)
    app = make_app(url)
    with app.app_context():
        from sqlalchemy import select

        from app.models import User

        admin = db.session.scalars(select(User).filter_by(username="admin")).unique().one()
        ivr.save(MENU, SCHEDULE, admin, note="bench")
        token = issue_token(service_account())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token


def start_gunicorn(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=url, MINQING_SECRET_KEY=SECRET,
               MINQING_BIND=f"127.0.0.1:{port}", MINQING_GUNICORN_WORKERS="2")  # fmt: skip
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {log}") from None
            time.sleep(0.2)


def start_bridge(peer_url: str, web_url: str, token: str, spool: Path,
                 log: Path) -> subprocess.Popen[bytes]:  # fmt: skip
    env = dict(os.environ, MINQING_ARI_URL=peer_url, MINQING_ARI_USER=ARI_USER,
               MINQING_ARI_PASSWORD=ARI_PASSWORD, MINQING_ARI_APP=APP, MINQING_WEB_URL=web_url,
               MINQING_API_TOKEN=token, MINQING_SPOOL=str(spool),
               MINQING_LOG_LEVEL="WARNING")  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "ari_bridge"], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)  # fmt: skip


class PeerControl:
    """The peer's control API (/_peer) over one kept-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status} {raw[:200]!r}")
        return json.loads(raw) if raw else None

    def place_call(self, caller: str) -> str:
        return str(self._send("POST", "/_peer/calls", {"caller": caller})["channel_id"])

    def press(self, channel: str, digits: str) -> None:
        self._send("POST", f"/_peer/calls/{channel}/keys", {"digits": digits})

    def heard(self, channel: str) -> list[str]:
        return list(self._send("GET", f"/_peer/calls/{channel}")["heard"])

    def live(self, channel: str) -> bool:
        return not self._send("GET", f"/_peer/calls/{channel}")["gone"]


def start_peer(port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ari_peer", "serve", "--port", str(port), "--user", ARI_USER,
         "--password", ARI_PASSWORD, "--app", APP, "--sound-seconds", "0.05"],
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/_peer/phones")
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the peer did not start; see {log}") from None
            time.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class RecordWatcher:
    """Polls call_record on its own connection: when each channel's row is first seen, and
    which rows are closed (ended_at set)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from app.config import database_url

        self.engine = create_engine(database_url(url))
        self.seen: dict[str, float] = {}
        self.last_id = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            while not self._stop.is_set():
                # A window behind the newest id seen: on PostgreSQL ids are taken at insert
                # and rows commit out of order, a lower id can appear after a higher one.
                rows = conn.execute(
                    text("SELECT id, channel_id FROM call_record WHERE id > :last ORDER BY id"),
                    {"last": self.last_id - 500},
                ).all()
                conn.rollback()
                now = time.monotonic()
                for row_id, channel in rows:
                    self.seen.setdefault(channel, now)
                    self.last_id = max(self.last_id, row_id)
                time.sleep(0.002)

    def closed(self, channels: list[str]) -> int:
        from sqlalchemy import bindparam, text

        with self.engine.connect() as conn:
            stmt = text(
                "SELECT count(*) FROM call_record WHERE ended_at IS NOT NULL AND channel_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True))
            return int(conn.execute(stmt, {"ids": channels}).scalar_one())

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)
        self.engine.dispose()


def sustained(
    peer: PeerControl, watcher: RecordWatcher, rate: float, seconds: float
) -> dict[str, Any]:
    started: dict[str, float] = {}
    to_press: list[tuple[float, str]] = []
    t_begin = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if now - t_begin >= seconds:
            break
        due = int((now - t_begin) * rate) + 1
        while n < due:
            t0 = time.monotonic()
            channel = peer.place_call(f"1380000{n % 10000:04d}")
            started[channel] = t0
            to_press.append((t0 + 0.3, channel))
            n += 1
        while to_press and to_press[0][0] <= time.monotonic():
            _, channel = to_press.pop(0)
            with contextlib.suppress(Exception):  # the channel may have ended already
                peer.press(channel, "5")
        time.sleep(0.005)
    for _, channel in to_press:
        with contextlib.suppress(Exception):
            peer.press(channel, "5")
    wall = time.monotonic() - t_begin
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(set(started) & set(watcher.seen)) < len(started):
        time.sleep(0.1)
    latencies = [(watcher.seen[c] - t0) * 1e3 for c, t0 in started.items() if c in watcher.seen]
    channels = list(started)
    closed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        closed = watcher.closed(channels)
        if closed == len(channels):
            break
        time.sleep(0.5)
    return {"calls": len(started), "wall": wall, "recorded": len(latencies),
            "closed": closed, "lat": latencies}  # fmt: skip


def held(peer: PeerControl, bridge_pid: int, count: int) -> dict[str, Any]:
    rss_before = rss_mb(bridge_pid)
    channels = []
    for n in range(count):
        channels.append(peer.place_call(f"1390000{n:04d}"))
        time.sleep(0.02)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = [c for c in channels if "sound:minqing/welcome" not in peer.heard(c)]
        if not waiting:
            break
        time.sleep(0.1)
    time.sleep(1)
    rss_held = rss_mb(bridge_pid)
    live = sum(1 for c in channels if peer.live(c))
    lags: list[float] = []
    for channel in channels:
        t0 = time.monotonic()
        peer.press(channel, "5")
        while time.monotonic() - t0 < 10:
            if "sound:minqing/hours" in peer.heard(channel):
                lags.append((time.monotonic() - t0) * 1e3)
                break
            time.sleep(0.001)
    return {"held": live, "rss_before": rss_before, "rss_held": rss_held, "lag": lags}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default=PG_URL)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrent", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-telephony-"))
    if args.db == "sqlite":
        url = f"sqlite:///{tmp}/bench.db"
    else:
        url = args.database_url
        ensure_pg_database(url)
    token = setup_web(url)
    port, peer_port = free_port(), free_port()
    web = start_gunicorn(url, port, tmp / "gunicorn.log")
    peer_proc = start_peer(peer_port, tmp / "peer.log")
    watcher = RecordWatcher(url)
    bridge = None
    try:
        peer = PeerControl(peer_port)
        bridge = start_bridge(f"http://127.0.0.1:{peer_port}/", f"http://127.0.0.1:{port}",
                              token, tmp / "spool.sqlite", tmp / "bridge.log")  # fmt: skip
        # Ready when a call reaches the app and hears the menu.
        deadline = time.monotonic() + 30
        while True:
            probe = peer.place_call("13700000000")
            time.sleep(0.5)
            if "sound:minqing/welcome" in peer.heard(probe):
                peer.press(probe, "5")
                break
            if time.monotonic() > deadline or bridge.poll() is not None:
                raise RuntimeError(f"the bridge did not take calls; see {tmp / 'bridge.log'}")
        time.sleep(1.0)
        cpu0 = {name: cpu_seconds(p.pid) for name, p in (("bridge", bridge), ("peer", peer_proc))}
        sus = sustained(peer, watcher, args.rate, args.seconds)
        cpu = {name: cpu_seconds(p.pid) - cpu0[name]
               for name, p in (("bridge", bridge), ("peer", peer_proc))}  # fmt: skip
        time.sleep(2)
        hold = held(peer, bridge.pid, args.concurrent)
    finally:
        watcher.stop()
        for proc in (bridge, peer_proc, web):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    lat, lag = sus["lat"], hold["lag"]
    print(
        f"\ntelephony bench — {args.db}; own processes: gunicorn (gthread, 2 workers), "
        "python -m ari_bridge, python -m ari_peer serve"
    )
    print(f"{'measure':<52}{'value':>14}")
    rows = [
        ("calls placed (rate x seconds)", f"{sus['calls']} in {sus['wall']:.1f} s"),
        ("call records committed / closed", f"{sus['recorded']} / {sus['closed']}"),
        ("StasisStart -> record committed p50 (ms)", f"{pct(lat, 0.5):.1f}"),
        ("StasisStart -> record committed p95 (ms)", f"{pct(lat, 0.95):.1f}"),
        ("StasisStart -> record committed p99 (ms)", f"{pct(lat, 0.99):.1f}"),
        ("StasisStart -> record committed max (ms)", f"{max(lat) if lat else float('nan'):.1f}"),
        ("bridge CPU per call, sustained phase (ms)", f"{cpu['bridge'] / sus['calls'] * 1e3:.1f}"),
        ("peer CPU per call, sustained phase (ms)", f"{cpu['peer'] / sus['calls'] * 1e3:.1f}"),
        ("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
        ("calls held at once (peer's live channels)", f"{hold['held']}"),
        ("bridge RSS idle -> with the calls held (MB)",
         f"{hold['rss_before']:.0f} -> {hold['rss_held']:.0f}"),
        ("key -> next prompt on a held call p50 (ms)", f"{pct(lag, 0.5):.1f}"),
        ("key -> next prompt on a held call p95 (ms)", f"{pct(lag, 0.95):.1f}"),
        ("key -> next prompt on a held call p99 (ms)", f"{pct(lag, 0.99):.1f}"),
        ("keys answered / pressed", f"{len(lag)} / {args.concurrent}"),
    ]  # fmt: skip
    for name, value in rows:
        print(f"{name:<52}{value:>14}")
    print(f"logs: {tmp}")


if __name__ == "__main__":
    main()
