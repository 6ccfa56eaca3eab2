"""`make serve` (the end of `make run`): the web app and the scheduler start together and stop
together, whether make is sent SIGTERM, the terminal sends Ctrl-C, or the supervisor is killed."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group(pgid: int) -> list[str]:
    """Live (not zombie) processes of a process group."""
    out = subprocess.run(
        ["ps", "-o", "stat=,args=", "-g", str(pgid)], capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if line.strip() and not line.lstrip().startswith("Z")]


def _wait_gone(pgid: int, seconds: float = 15) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _start(tmp_path: Path, phone: str = "none", **extra: str):
    """Start `make serve` on a free port over a migrated SQLite file; (make, port, log)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "MINQING_SECRET_KEY": secrets.token_urlsafe(48),
        "FLASK_APP": "wsgi.py",
        **extra,
    }
    env.pop("TEST_DATABASE_URL", None)
    env.pop("MINQING_ARI_URL", None)
    flask = str(ROOT / ".venv" / "bin" / "flask")
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    if phone != "none":  # the bridge's service account sits at the city centre
        seed = [flask, "seed", "demo", "--cases", "1"]
        subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}", f"PHONE={phone}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, as a terminal would give it
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            break
        except OSError:
            assert make.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the web app did not answer within 60 s"
            time.sleep(0.3)
    return make, port, log


@pytest.fixture
def serving(tmp_path):
    make, port, log = _start(tmp_path)
    yield make, port, tmp_path / "serve.log"
    if _group(make.pid):
        os.killpg(make.pid, signal.SIGKILL)
    log.close()


def test_the_demo_phone_reaches_the_hotline(tmp_path):
    """`make run`'s telephony (PHONE=demo): the simulated Asterisk and the bridge start beside
    the web app; a call placed through the demo phone's control API becomes a call record."""
    import sqlite3

    ari_port = _free_port()
    make, _port, log = _start(
        tmp_path,
        phone="demo",
        MINQING_DEMO_ARI_PORT=str(ari_port),
        MINQING_SPOOL=str(tmp_path / "spool.sqlite"),
    )
    try:
        placed = _post_json(
            f"http://127.0.0.1:{ari_port}/_peer/calls", {"caller": "13800000000", "called": "12345"}
        )
        channel = placed["channel_id"]
        deadline = time.monotonic() + 30
        while True:
            with sqlite3.connect(tmp_path / "serve.db") as db:
                row = db.execute(
                    "SELECT caller, direction FROM call_record WHERE channel_id = ?", (channel,)
                ).fetchone()
            if row is not None:
                break
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        assert row == ("13800000000", "inbound")
        make.send_signal(signal.SIGTERM)
        assert _wait_gone(make.pid) == []  # the peer and the bridge stop with the rest
    finally:
        if _group(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
        log.close()


def _post_json(url: str, body: dict) -> dict:
    import json

    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                return json.loads(resp.read())
        except OSError:  # the peer, or the bridge's connection to it, is still starting
            assert time.monotonic() < deadline
            time.sleep(0.3)


def test_sigterm_to_make_stops_web_app_and_scheduler(serving):
    make, _port, log = serving
    assert any("scheduler run" in p for p in _group(make.pid))
    make.send_signal(signal.SIGTERM)
    assert _wait_gone(make.pid) == []
    assert "Segmentation fault" not in log.read_text()


def test_ctrl_c_stops_everything(serving):
    make, _port, log = serving
    os.killpg(make.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    assert _wait_gone(make.pid) == []
    assert "Segmentation fault" not in log.read_text()


def test_killing_the_supervisor_takes_its_children(serving):
    make, _port, _log = serving
    supervisor = subprocess.run(
        ["pgrep", "-g", str(make.pid), "-f", "flask serve"], capture_output=True, text=True
    ).stdout.split()
    assert len(supervisor) == 1
    os.kill(int(supervisor[0]), signal.SIGKILL)
    assert _wait_gone(make.pid) == []
