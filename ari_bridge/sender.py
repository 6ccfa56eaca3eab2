"""The one sender task: delivers the spool's ops to the web app, each key's ops in order.

Each round takes the oldest pending op of each key (a call's PUTs, its voicemail, its
recording stay in their order; different calls go side by side, so one slow call does not
hold up the others) and sends them together. A connection error, a timeout or a 5xx keeps the
op pending and the sender backs off (doubling, with jitter) and tries again, still in order. A
4xx is the web app refusing the op: it is logged with its error and set aside, never resent.
Every op is idempotent at the API (PUT by channel id, voicemail by channel id, a command's
result by command id), so an op sent twice — the bridge died between send and mark — changes
nothing the second time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from ari_bridge.spool import Op, Spool
from ari_bridge.webapp import Answer, Unavailable, WebApp

log = logging.getLogger(__name__)

WINDOW = 16  # ops in flight at once (each of a different key)


class Sender:
    def __init__(self, spool: Spool, web: WebApp, backoff_min: float = 0.5,
                 backoff_max: float = 30.0) -> None:  # fmt: skip
        self.spool = spool
        self.web = web
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self._wake = asyncio.Event()
        self._waiters: dict[int, asyncio.Future[Answer | None]] = {}
        self.delivered = 0

    async def append(self, key: str, method: str, path: str, body: Any = None, **kw: Any) -> int:
        """Spool one op (durable on return) and wake the sender."""
        seq = await self.spool.append(key, method, path, body, **kw)
        self.wake()
        return seq

    def wake(self) -> None:
        self._wake.set()

    async def outcome(self, seq: int, timeout: float) -> Answer | None:
        """The web app's answer to op `seq` if it comes within `timeout`, else None (the op
        stays spooled and is delivered later all the same). None too when it was refused."""
        fut = self._waiters.setdefault(seq, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            return None

    def _settle(self, seq: int, answer: Answer | None) -> None:
        fut = self._waiters.pop(seq, None)
        if fut is not None and not fut.done():
            fut.set_result(answer)

    async def run(self) -> None:
        """Keep up to WINDOW ops in flight, at most one per key, oldest first; a new op starts
        as soon as a slot is free (a slow upload does not hold up the next call's record)."""
        delay = self.backoff_min
        inflight: dict[asyncio.Task[bool], Op] = {}
        retry_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            if len(inflight) < WINDOW and loop.time() >= retry_at:
                busy = {op.key for op in inflight.values()}
                for op in await self.spool.pending(WINDOW * 4, tuple(sorted(busy))):
                    if len(inflight) >= WINDOW:
                        break
                    if op.key in busy:
                        continue  # an older op of this key goes first
                    busy.add(op.key)
                    inflight[loop.create_task(self._deliver(op))] = op
            waits: set[asyncio.Future[Any]] = set(inflight)
            woken = loop.create_task(self._wake.wait())
            waits.add(woken)
            timeout = max(0.0, retry_at - loop.time()) if retry_at > loop.time() else None
            done, _ = await asyncio.wait(waits, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            woken.cancel()
            for task in done:
                if task is woken:
                    continue
                inflight.pop(task)  # type: ignore[call-overload]
                if task.result():
                    delay = self.backoff_min
                else:
                    # Down or failing: wait (doubling, with jitter) before trying again.
                    retry_at = loop.time() + delay * (0.5 + random.random())
                    delay = min(delay * 2, self.backoff_max)

    async def _deliver(self, op: Op) -> bool:
        try:
            answer = await self.web.send(op)
        except (Unavailable, OSError) as exc:
            log.warning("spool op %s %s %s not delivered yet: %s", op.seq, op.method, op.path, exc)
            await self.spool.failed([op.seq], str(exc))
            return False
        # 401/403: the bridge's token or account is wrong, not the op: keep it and retry.
        if 400 <= answer.status < 500 and answer.status not in (401, 403, 408, 429):
            log.error("spool op %s %s %s refused: %s %s", op.seq, op.method, op.path,
                      answer.status, answer.body)  # fmt: skip
            await self.spool.refuse(op.seq, answer.status, repr(answer.body)[:2000])
            self._settle(op.seq, None)
            return True
        if answer.status >= 400:
            await self.spool.failed([op.seq], f"{answer.status}")
            return False
        await self.spool.done(op.seq, answer.status, answer.body)
        self.delivered += 1
        self._settle(op.seq, answer)
        return True
