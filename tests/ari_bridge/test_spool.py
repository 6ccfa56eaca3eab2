"""The durable spool and its sender: what is appended survives a restart, each call's ops
reach the web app in order and exactly once, an outage is waited out, a refusal is set aside.

The sender's web app here is httpx's mock transport standing in for the HTTP server: these
tests are about ordering, retry and set-aside, which do not depend on what the server does
with a PUT (the scenario tests run the real web app)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from ari_bridge.sender import Sender
from ari_bridge.spool import DONE, PENDING, REFUSED, Spool
from ari_bridge.webapp import WebApp


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def spool_path(tmp_path):
    return tmp_path / "spool.sqlite"


def test_appended_ops_survive_a_restart_in_order(spool_path):
    async def write():
        spool = Spool(spool_path)
        await spool.append("1.1", "PUT", "/calls/1.1", {"started_at": "x"})
        await spool.append(
            "1.1",
            "POST",
            "/voicemails",
            {"channel_id": "1.1"},
            data=b"RIFF....WAVE",
            file_field="recording",
            content_type="audio/wav",
        )
        spool.close()

    run(write())

    async def read():
        spool = Spool(spool_path)
        ops = await spool.pending()
        spool.close()
        return ops

    ops = run(read())
    assert [(op.method, op.path) for op in ops] == [("PUT", "/calls/1.1"), ("POST", "/voicemails")]
    assert ops[1].file is not None and ops[1].file.read_bytes() == b"RIFF....WAVE"
    assert ops[0].body == {"started_at": "x"}


def test_a_channel_is_taken_once(spool_path):
    async def go():
        spool = Spool(spool_path)
        first = await spool.start_call("9.9", "PUT", "/calls/9.9", {"a": 1})
        again = await spool.start_call("9.9", "PUT", "/calls/9.9", {"a": 1})
        pending = await spool.pending()
        spool.close()
        return first, again, pending

    first, again, pending = run(go())
    assert first is not None and again is None
    assert len(pending) == 1


def _web(handler) -> WebApp:
    web = WebApp("http://web.invalid", "token")
    web.http = httpx.AsyncClient(
        base_url="http://web.invalid/api/v1/telephony", transport=httpx.MockTransport(handler)
    )
    return web


def test_outage_then_delivery_in_order_exactly_once(spool_path):
    received: list[tuple[str, str, bytes]] = []
    up = {"value": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if not up["value"]:
            raise httpx.ConnectError("refused", request=request)
        received.append((request.method, request.url.path, request.content))
        return httpx.Response(200, json={"ok": True})

    async def go():
        spool = Spool(spool_path)
        sender = Sender(spool, _web(handler), backoff_min=0.01, backoff_max=0.05)
        task = asyncio.create_task(sender.run())
        for n in range(3):
            await sender.append("a", "PUT", "/calls/a", {"n": n})
            await sender.append("b", "PUT", "/calls/b", {"n": n})
        await asyncio.sleep(0.2)
        assert received == []  # down: nothing delivered, all kept
        assert await spool.count(PENDING) == 6
        up["value"] = True
        for _ in range(100):
            if await spool.count(DONE) == 6:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        spool.close()

    run(go())
    per_key: dict[str, list[int]] = {"a": [], "b": []}
    for _method, path, content in received:
        per_key[path.rsplit("/", 1)[1]].append(json.loads(content)["n"])
    assert per_key == {"a": [0, 1, 2], "b": [0, 1, 2]}


def test_a_refused_op_is_set_aside_and_the_next_goes_on(spool_path):
    received: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request.url.path)
        if request.url.path.endswith("/bad"):
            return httpx.Response(422, json={"error": {"code": "invalid", "message": "no"}})
        if request.url.path.endswith("/flaky") and received.count(request.url.path) == 1:
            return httpx.Response(503, json={"error": {"code": "unavailable", "message": "x"}})
        return httpx.Response(201, json={"created": True})

    async def go():
        spool = Spool(spool_path)
        sender = Sender(spool, _web(handler), backoff_min=0.01, backoff_max=0.05)
        task = asyncio.create_task(sender.run())
        await sender.append("k", "PUT", "/calls/bad", {})
        seq = await sender.append("k", "PUT", "/calls/flaky", {})
        answer = await sender.outcome(seq, 2)
        refused = await spool.refused()
        task.cancel()
        spool.close()
        return answer, refused

    answer, refused = run(go())
    assert answer is not None and answer.status == 201
    assert [(r[2], r[3]) for r in refused] == [("/calls/bad", 422)]
    assert "invalid" in refused[0][4]
    assert received.count("/api/v1/telephony/calls/bad") == 1  # never resent
    assert received.count("/api/v1/telephony/calls/flaky") == 2  # 503 retried
    assert REFUSED == "refused"


def test_prune_forgets_old_delivered_ops_and_channels_but_keeps_the_rest(spool_path):
    import sqlite3

    async def go():
        spool = Spool(spool_path)
        old = await spool.start_call("1.1", "PUT", "/calls/1.1", {})
        await spool.done(old, 200, {})
        refused = await spool.append("1.1", "PUT", "/calls/1.1", {"bad": 1})
        await spool.refuse(refused, 422, "no")
        fresh = await spool.start_call("2.2", "PUT", "/calls/2.2", {})
        await spool.done(fresh, 200, {})
        pending = await spool.append("2.2", "PUT", "/calls/2.2", {"later": 1})
        spool.close()
        # a week and a day ago
        db = sqlite3.connect(spool_path)
        db.execute("UPDATE op SET sent_at = sent_at - 8 * 86400 WHERE seq = ?", (old,))
        db.execute("UPDATE seen SET at = at - 3 * 86400 WHERE channel_id = '1.1'")
        db.commit()
        db.close()
        spool = Spool(spool_path)
        removed = await spool.prune()
        left = {op.seq for op in await spool.pending()}
        refused_left = [r[0] for r in await spool.refused()]
        again = await spool.start_call("2.2", "PUT", "/calls/2.2", {})
        spool.close()
        return removed, left, refused_left, again, pending, refused

    removed, left, refused_left, again, pending, refused = run(go())
    assert removed == 1
    assert left == {pending} and refused_left == [refused]
    assert again is None  # a channel taken two days ago or less is still known
