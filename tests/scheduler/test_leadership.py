"""Two real `flask scheduler run` processes on the test database: one acts, the other stands
by; kill -9 the active one and the standby takes over within a minute and acts (PostgreSQL:
the advisory lock dies with the session; SQLite: the lease expires)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import CaseEvent

ROOT = Path(__file__).resolve().parents[2]
TAKEOVER_SECONDS = 60


def _start(app, name: str, clock_file: Path, logs: Path) -> tuple[subprocess.Popen, Path]:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MINQING_SECRET_KEY": app.config["SECRET_KEY"],
        "MINQING_CLOCK_FILE": str(clock_file),
        "MINQING_DEMO_CLOCK": "1",
        "MINQING_SCHEDULER_LEASE_SECONDS": "5",
        "MINQING_SCHEDULER_POLL_SECONDS": "1",
    }
    log = logs / f"{name}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "scheduler", "run", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return proc, log


def _set_clock(clock_file: Path, at: datetime) -> None:
    clock.freeze(at)
    tmp = clock_file.with_suffix(".tmp")
    tmp.write_text(at.isoformat(sep=" "))
    tmp.replace(clock_file)  # whole, never half-written


def _wait(what, seconds: float = TAKEOVER_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds}s")


def _overdue_events(case_id: int) -> list[datetime]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(CaseEvent.at).where(
                CaseEvent.case_id == case_id, CaseEvent.action == "deadline_overdue"
            )
        )
    )


def _active(logs: list[Path]) -> list[int]:
    return [i for i, log in enumerate(logs) if "active at" in log.read_text()]


def test_standby_takes_over_when_the_active_scheduler_is_killed(app, api, dept, tmp_path):
    clock_file = tmp_path / "clock"
    _set_clock(clock_file, datetime(2026, 3, 2, 9, 0))  # Monday; sign-for due 13:00
    first = api.create()["id"]
    api.act(first, "transfer", "dispatcher", target_department_id=dept("urban"))
    procs = []
    try:
        for name in ("one", "two"):
            procs.append(_start(app, name, clock_file, tmp_path))
        logs = [log for _, log in procs]
        active = _wait(lambda: _active(logs))
        time.sleep(3)  # several polls: the other one stays a standby
        assert len(_active(logs)) == 1, [log.read_text() for log in logs]
        (index,) = active

        _set_clock(clock_file, datetime(2026, 3, 2, 13, 30))
        assert _wait(lambda: _overdue_events(first)) == [datetime(2026, 3, 2, 13, 0)]

        procs[index][0].send_signal(signal.SIGKILL)
        procs[index][0].wait()
        second = api.create()["id"]
        api.act(second, "transfer", "dispatcher", target_department_id=dept("housing"))
        _set_clock(clock_file, datetime(2026, 3, 3, 13, 30))  # its sign-for passed at 09:30
        started = time.monotonic()
        _wait(lambda: 1 - index in _active(logs))
        assert _wait(lambda: _overdue_events(second))
        assert time.monotonic() - started < TAKEOVER_SECONDS
        time.sleep(2)  # more scans by the new active process: still once
        assert _overdue_events(first) == [datetime(2026, 3, 2, 13, 0)]
        assert len(_overdue_events(second)) == 1
    except AssertionError:
        for _proc, log in procs:
            print(log.read_text())
        raise
    finally:
        for proc, _log in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
