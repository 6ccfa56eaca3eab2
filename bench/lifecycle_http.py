"""Lifecycle benchmark: the same cases through HTTP, with auth: Flask's test client in this
process, and gunicorn with two workers driven by two client threads."""

from __future__ import annotations

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

from lifecycle_cases import USERS, plan
from lifecycle_record import Recorder, pct
from lifecycle_setup import PASSWORD, ROOT, SECRET, departments

from tests.helpers import INTAKE


def http_test_client(app, n: int, first: int, rec: Recorder) -> None:
    client = app.test_client()
    tokens = {}
    for u in USERS:
        resp = client.post("/api/v1/auth/token", json={"username": u, "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        tokens[u] = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    depts = departments()
    for i in range(first, first + n):
        t0 = time.perf_counter()
        resp = client.post("/api/v1/cases", json=INTAKE, headers=tokens["agent"])
        rec.add("accept", time.perf_counter() - t0)
        assert resp.status_code == 201, resp.get_json()
        case_id = resp.get_json()["id"]
        for action, username, data in plan(i, depts):
            t0 = time.perf_counter()
            resp = client.post(
                f"/api/v1/cases/{case_id}/{action.replace('_', '-')}",
                json={"data": data, "task_id": None},
                headers=tokens[username],
            )
            rec.add(action, time.perf_counter() - t0)
            assert resp.status_code == 200, (action, resp.get_json())


class HttpClient:
    """urllib-free, requests-free: one http.client connection per request (gunicorn sync)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.headers: dict[str, dict] = {}

    def post(self, path: str, body: dict, user: str | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if user:
            headers.update(self.headers[user])
        try:
            conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def login(self, username: str) -> None:
        status, body = self.post("/api/v1/auth/token", {"username": username, "password": PASSWORD})
        assert status == 200, body
        self.headers[username] = {"Authorization": f"Bearer {body['access_token']}"}

    def run_cases(self, n: int, first: int, depts: dict[str, int], rec: Recorder) -> list[int]:
        ids = []
        for i in range(first, first + n):
            t0 = time.perf_counter()
            status, body = self.post("/api/v1/cases", INTAKE, "agent")
            rec.add("accept", time.perf_counter() - t0)
            assert status == 201, body
            ids.append(body["id"])
            for action, username, data in plan(i, depts):
                path = f"/api/v1/cases/{body['id']}/{action.replace('_', '-')}"
                t0 = time.perf_counter()
                status, out = self.post(path, {"data": data, "task_id": None}, username)
                rec.add(action, time.perf_counter() - t0)
                if status == 409 and out.get("code") == "concurrent_update":
                    rec.retries += 1  # pragma: no cover - not expected (one client per case)
                assert status == 200, (action, status, out)
        return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_run(url: str, n: int, depts: dict[str, int], entry: str) -> dict:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, MINQING_SECRET_KEY=SECRET)
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server outlives this block
        prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(ROOT / "bench"),
            entry,
        ],
        cwd=str(ROOT),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    failed = True
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.2)
        clients = [HttpClient(port) for _ in range(2)]
        recs = [Recorder() for _ in range(2)]
        for c in clients:
            for u in USERS:
                c.login(u)
            c.run_cases(2, 0, depts, Recorder())  # warm both workers
        barrier = threading.Barrier(2)
        times: list[tuple[float, float]] = []
        ids: list[int] = []
        halves = (n - n // 2, n // 2)

        def client_thread(k: int) -> None:
            barrier.wait()
            t0 = time.monotonic()
            ids.extend(clients[k].run_cases(halves[k], 3_000_000 * (k + 1), depts, recs[k]))
            times.append((t0, time.monotonic()))

        threads = [threading.Thread(target=client_thread, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rec = Recorder()
        for r in recs:
            rec.merge(r.dump())
        wall = max(t1 for _, t1 in times) - min(t0 for t0, _ in times)
        failed = False
        return {
            "steps": rec.steps,
            "wall": wall,
            "sps": rec.steps / wall,
            "p50_ms": pct(rec.all(), 0.5) * 1e3,
            "p95_ms": pct(rec.all(), 0.95) * 1e3,
            "ids": ids,
            "rec": rec,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if failed:
            print(Path(log.name).read_text()[-6000:], file=sys.stderr)
        os.unlink(log.name)
