"""The ARI side: one connection at a time to Asterisk with asyncari, a reconnect loop with
exponential backoff and jitter, and the router that hands every event to the call it
belongs to.

asyncari's traits this module designs around:
- its event reader waits for our loop to take each event, and a handler that holds the
  loop for ~1.5 s brings the whole client down: so the loop here only routes (puts the raw
  event on the owning call's queue, or starts a call task) and never awaits call work;
- it does not reconnect by itself: `run` makes a fresh client per connection, backing off;
- it loads `/ari/api-docs/resources.json` on connect (the operations' names and
  parameters come from there);
- its model objects are cached per class and id across clients, and a channel object
  made by an earlier client makes a later client's event for it fail an assertion: the caches
  are emptied before each connection, and the bridge itself works with ids and raw events;
- its HTTP client turns a failed request into a closed session: each connection gets a new
  one (with more connections than asyncari's default three, for 200 calls at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import urllib.parse
from collections.abc import Awaitable, Callable
from pprint import pformat
from typing import Any

import aiohttp
import anyio
import asyncari.client as asyncari_client
import httpx
import yarl
from asyncari.client import Client
from asyncari.model import CLASS_MAP
from asyncswagger11.http_client import ApiKeyAuthenticator, AsynchronousHttpClient

log = logging.getLogger(__name__)

Event = dict[str, Any]


def _pformat_when_debugging(obj: Any) -> str:
    return pformat(obj) if asyncari_client.log.isEnabledFor(logging.DEBUG) else ""


# asyncari pretty-prints every event for a debug line even when debug logging is off (about a
# millisecond an event, a third of a core at 20 calls a second): only when it would be shown.
asyncari_client.pformat = _pformat_when_debugging


class AriUnavailable(Exception):
    """No connection to Asterisk (or it failed mid-request)."""


class AriError(Exception):
    """Asterisk refused a request (4xx): e.g. the channel is gone (404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status


class _Answer:
    """What asyncari and asyncswagger11 read of a response: status_code, text, json()."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status_code = status
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class _AiohttpAriClient(AsynchronousHttpClient):
    """asyncswagger11's HTTP client with the REST requests made by aiohttp: httpx cost about
    a millisecond of CPU a request, most of the bridge's work per call (an answer, a few
    prompts, a hangup). Errors are raised as asyncswagger11 raises them (httpx's
    HTTPStatusError with `.data`), so asyncari handles them unchanged; the events WebSocket
    stays asyncswagger11's own."""

    def __init__(self, auth: ApiKeyAuthenticator) -> None:
        super().__init__(auth=auth)
        self._aio: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> _Answer:
        params, headers = dict(params or {}), dict(headers or {})
        if self.authenticator is not None and self.authenticator.matches(url):
            self.authenticator.apply(headers, params)
        query = {k: ("true" if v is True else "false" if v is False else str(v))
                 for k, v in params.items()}  # fmt: skip
        if self._aio is None:
            self._aio = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=15),
            )
        try:
            async with self._aio.request(method, yarl.URL(url, encoded=True), params=query,
                                         data=data, headers=headers) as resp:  # fmt: skip
                status, body = resp.status, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise httpx.TransportError(repr(exc)) from exc
        if status >= 400:
            request = httpx.Request(method, url)
            error = httpx.HTTPStatusError(
                f"{status} for {method} {url}",
                request=request,
                response=httpx.Response(status, content=body, request=request),
            )
            parsed = None
            with contextlib.suppress(ValueError):
                parsed = json.loads(body) if status == 400 else None
            error.data = parsed  # type: ignore[attr-defined]
            raise error
        return _Answer(status, body)

    async def close(self) -> None:
        await super().close()
        if self._aio is not None:
            await self._aio.close()


class _Client(Client):
    """asyncari's client, telling us when its events WebSocket has ended (it says nothing)."""

    ended: anyio.Event

    async def _init(self, *args: Any, **kwargs: Any) -> None:
        await super()._init(*args, **kwargs)
        # Listen before the WebSocket opens, so no event of the first moments is missed.
        self.__aiter__()

    async def _run(self, evt: anyio.Event | None = None) -> None:
        try:
            await super()._run(evt)
        finally:
            self.ended.set()
            if self._reader is not None:
                self._reader.send_stream.close()


def channels_of(event: Event) -> list[str]:
    """The channel ids an event is about (for routing to their calls)."""
    ids: list[str] = []
    channel = event.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        ids.append(channel["id"])
    for field in ("playback", "recording"):
        obj = event.get(field)
        if isinstance(obj, dict):
            target = str(obj.get("target_uri", ""))
            if target.startswith("channel:"):
                ids.append(target[len("channel:") :])
            elif target.startswith("bridge:"):
                ids.append("bridge:" + target[len("bridge:") :])
    peer = event.get("peer")
    if event.get("type") == "Dial" and isinstance(peer, dict) and peer.get("id"):
        ids.append(peer["id"])
    bridge = event.get("bridge")
    if isinstance(bridge, dict) and bridge.get("id"):
        ids.append("bridge:" + bridge["id"])
    return ids


class Ari:
    """The connection loop and the REST operations the call flow uses (by id)."""

    def __init__(self, url: str, user: str, password: str, app: str,
                 backoff_min: float = 0.5, backoff_max: float = 30.0) -> None:  # fmt: skip
        self.url = url if url.endswith("/") else url + "/"
        self.user = user
        self.password = password
        self.app = app
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.client: _Client | None = None
        self.connected = asyncio.Event()
        self.connections = 0
        # route: channel id or "bridge:<id>" -> the queue of the call that owns it
        self.routes: dict[str, asyncio.Queue[Event]] = {}
        self.on_stasis_start: Callable[[Event], None] = lambda event: None
        self.on_reconnect: Callable[[set[str]], Awaitable[None]] | None = None
        self.events_seen = 0
        self.lag_max = 0.0
        self._http = httpx.AsyncClient(timeout=15.0)

    # -- routing ----------------------------------------------------------------------

    def own(self, key: str, queue: asyncio.Queue[Event]) -> None:
        self.routes[key] = queue

    def disown(self, key: str) -> None:
        self.routes.pop(key, None)

    def dispatch(self, event: Event) -> None:
        """Route one event: never blocks, never awaits (see the module's docstring)."""
        self.events_seen += 1
        targets = channels_of(event)
        delivered: set[int] = set()
        for key in targets:
            queue = self.routes.get(key)
            if queue is not None and id(queue) not in delivered:
                delivered.add(id(queue))
                queue.put_nowait(event)
        if event.get("type") == "StasisStart" and not delivered:
            self.on_stasis_start(event)

    # -- the connection loop --------------------------------------------------------------

    async def run(self) -> None:
        delay = self.backoff_min
        while True:
            started = asyncio.get_running_loop().time()
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 — any failure means: reconnect
                log.warning("ARI connection failed: %r", exc)
            self.connected.clear()
            self.client = None
            if asyncio.get_running_loop().time() - started > 10:
                delay = self.backoff_min  # it was up a while: a fresh failure, start low
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.backoff_max)

    async def _session(self) -> None:
        for cls in CLASS_MAP.values():
            cls.cache = None
            cls.active = None
        host = urllib.parse.urlparse(self.url).hostname or ""
        http = _AiohttpAriClient(ApiKeyAuthenticator(host, f"{self.user}:{self.password}"))
        try:
            async with anyio.create_task_group() as tg:
                client = _Client(tg, self.url, self.app, http)
                client.ended = anyio.Event()
                async with client:
                    reader = client.__aiter__()
                    self.client = client
                    self.connections += 1
                    log.info("ARI connected to %s (app %s)", self.url, self.app)
                    try:
                        self.connected.set()
                        # Not awaited here: the reader below must keep taking events.
                        resume = asyncio.get_running_loop().create_task(self._resume())
                        while True:
                            try:
                                msg = await reader.__anext__()
                            except (anyio.EndOfStream, anyio.ClosedResourceError,
                                    StopAsyncIteration):  # fmt: skip
                                break
                            self.dispatch(msg._orig_msg)
                    finally:
                        self.connected.clear()
                        self.client = None
                        resume.cancel()
                        tg.cancel_scope.cancel()
            log.warning("ARI events WebSocket closed")
        finally:
            with contextlib.suppress(Exception):
                await http.close()

    async def _resume(self) -> None:
        """After (re)connecting: the channels Asterisk still has, for the calls to check."""
        if self.on_reconnect is None:
            return
        try:
            live = await self.request("channels", "list")
        except (AriError, AriUnavailable) as exc:
            log.warning("after connecting: channels not listed: %s", exc)
            return
        ids = {ch.id for ch in live or []}
        await self.on_reconnect(ids)

    # -- REST ---------------------------------------------------------------------------

    async def request(self, resource: str, operation: str, **params: Any) -> Any:
        """One ARI operation by its nickname in the API description, e.g.
        `request("channels", "answer", channelId=...)`. Waits a little for a connection."""
        client = self.client
        if client is None:
            try:
                await asyncio.wait_for(self.connected.wait(), 5)
            except TimeoutError as exc:
                raise AriUnavailable("no ARI connection") from exc
            client = self.client
            if client is None:
                raise AriUnavailable("no ARI connection")
        repo = getattr(client, resource)
        try:
            return await getattr(repo, operation)(**params)
        except httpx.HTTPStatusError as exc:
            raise AriError(exc.response.status_code, exc.response.text[:200]) from exc
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, httpx.HTTPStatusError):
                raise AriError(cause.response.status_code, str(exc)) from exc
            if isinstance(exc, httpx.HTTPError | RuntimeError | OSError):
                raise AriUnavailable(repr(exc)) from exc
            raise

    async def stored_recording(self, name: str) -> bytes:
        """The WAV of a stored recording (`/ari/recordings/stored/<name>/file`): fetched here,
        since asyncari would decode the bytes as JSON."""
        url = urllib.parse.urljoin(
            self.url, f"ari/recordings/stored/{urllib.parse.quote(name, safe='')}/file"
        )
        try:
            resp = await self._http.get(url, params={"api_key": f"{self.user}:{self.password}"})
        except httpx.HTTPError as exc:
            raise AriUnavailable(repr(exc)) from exc
        if resp.status_code != 200:
            raise AriError(resp.status_code, resp.text[:200])
        return resp.content

    async def close(self) -> None:
        await self._http.aclose()
