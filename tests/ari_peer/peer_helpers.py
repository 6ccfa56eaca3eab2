"""Helpers for the ARI peer's tests: the real asyncari client on a peer, raw REST calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import asyncari
import httpx
from asyncari.model import CLASS_MAP

from ari_peer.testing import Peer

USER, PASSWORD, APP = "minqing", "secret", "hotline"


class Session:
    """An asyncari client on the peer and every event it received, typed as asyncari makes them."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.received: list[Any] = []

    def of_type(self, kind: str) -> list[Any]:
        return [e for e in self.received if e.type == kind]

    async def wait_for(
        self, kind: str, match: Callable[[Any], bool] = lambda e: True, timeout: float = 3
    ) -> Any:
        with anyio.fail_after(timeout):
            while True:
                for event in self.received:
                    if event.type == kind and match(event):
                        return event
                await anyio.sleep(0.005)


def forget_objects() -> None:
    """asyncari caches channels, bridges, ... by id process-wide and asserts that a cached object
    belongs to the client that meets it again: a second client (a reconnect) must start clean."""
    for cls in CLASS_MAP.values():
        if cls.cache is not None:
            cls.cache.clear()
        if cls.active is not None:
            cls.active.clear()


@asynccontextmanager
async def ari(peer: Peer) -> AsyncIterator[Session]:
    forget_objects()
    async with asyncari.connect(peer.url, APP, USER, PASSWORD) as client:
        session = Session(client)

        async def read() -> None:
            async for message in client:
                session.received.append(message)

        client.taskgroup.start_soon(read)
        await anyio.to_thread.run_sync(lambda: peer.wait_until(lambda: peer.connected))
        yield session


def rest(peer: Peer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A raw ARI request with the peer's credentials (api_key), as a bad-path test needs."""
    params = dict(kwargs.pop("params", {}))
    params.setdefault("api_key", f"{USER}:{PASSWORD}")
    return _HTTP.request(method, peer.url + "ari" + path, params=params, **kwargs)


# One client for every raw request: a new httpx client per request costs ~50 ms (TLS setup).
_HTTP = httpx.Client(timeout=5)
