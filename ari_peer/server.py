"""The peer's HTTP server: ARI under /ari, a control API under /_peer for the demo's phone, /phone.

`PeerServer` owns the aiohttp runner so that `restart()` can stop listening for a moment and
come back on the same port with a fresh boot, as a restarted Asterisk does.
"""

from __future__ import annotations

import asyncio
import socket
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from ari_peer import rest
from ari_peer.pbx import AriError, Pbx, Phone

LOOPBACK = {"127.0.0.1", "::1"}


def _pbx(request: web.Request) -> Pbx:
    return request.app[rest.PBX_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text='{"message": "Malformed JSON body"}') from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"message": "Expected a JSON object"}')
    return body


def _text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or len(value) > 64:
        raise AriError(400, f"{name} must be a short string")
    return value


def _seconds(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise AriError(400, f"{name} must be a number of seconds (0-3600) or null")
    return float(value)


@web.middleware
async def control_middleware(request: web.Request, handler: rest.Handler) -> web.StreamResponse:
    if not request.path.startswith("/_peer"):
        return await handler(request)
    if request.remote not in LOOPBACK:
        # The control API has no credentials: it is for the demo's phone on this machine only.
        return web.json_response({"message": "control API is for loopback clients"}, status=403)
    try:
        return await handler(request)
    except AriError as exc:
        return web.json_response(exc.body, status=exc.status)
    except ValueError as exc:
        return web.json_response({"message": str(exc)}, status=400)


async def control_place_call(request: web.Request) -> web.Response:
    body = await _body(request)
    caller = _text(body, "caller")
    called = _text(body, "called", "12345")
    if not caller.isdigit() or not called.isdigit():
        raise AriError(400, "caller and called must be digits")
    pbx = _pbx(request)
    channel_id = pbx.place_call(caller, called)
    # A call reaches the Stasis app only while its events WebSocket is connected.
    reached = channel_id in pbx.channels
    return web.json_response({"channel_id": channel_id, "reached_app": reached}, status=201)


async def control_call(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    channel_id = request.match_info["channelId"]
    described = pbx.describe(channel_id)
    heard = pbx.heard.get(channel_id)
    if heard is None:
        raise AriError(404, "Channel not found")
    return web.json_response({"channel": described, "heard": heard, "gone": described is None})


async def control_keys(request: web.Request) -> web.Response:
    body = await _body(request)
    digits = _text(body, "digits")
    if not digits:
        raise AriError(400, "digits is required")
    _pbx(request).press(request.match_info["channelId"], digits)
    return web.Response(status=204)


async def control_talk(request: web.Request) -> web.Response:
    body = await _body(request)
    seconds = _seconds(body, "seconds")
    if seconds is None:
        raise AriError(400, "seconds is required")
    _pbx(request).talk(request.match_info["channelId"], seconds)
    return web.Response(status=204)


async def control_hang_up(request: web.Request) -> web.Response:
    _pbx(request).hangup_by_phone(request.match_info["channelId"])
    return web.Response(status=204)


async def control_phones(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    if request.method == "GET":
        phones = {name: vars(phone) for name, phone in pbx.phones.items()}
        return web.json_response(phones)
    body = await _body(request)
    endpoint = _text(body, "endpoint")
    if "/" not in endpoint:
        raise AriError(400, "endpoint must look like PJSIP/agent01")
    pbx.phones[endpoint] = Phone(
        answer_after=_seconds(body, "answer_after"),
        hangup_after=_seconds(body, "hangup_after"),
        busy=bool(body.get("busy", False)),
    )
    return web.Response(status=204)


async def phone_page(request: web.Request) -> web.Response:
    page = resources.files("ari_peer").joinpath("phone.html").read_text(encoding="utf-8")
    return web.Response(text=page, content_type="text/html")


def build_app(pbx: Pbx, user: str, password: str) -> web.Application:
    app = web.Application(middlewares=[rest.ari_middleware, control_middleware])
    app[rest.PBX_KEY] = pbx
    app[rest.CREDENTIALS_KEY] = (user, password)
    rest.add_routes(app)
    app.router.add_post("/_peer/calls", control_place_call)
    app.router.add_get("/_peer/calls/{channelId}", control_call)
    app.router.add_post("/_peer/calls/{channelId}/keys", control_keys)
    app.router.add_post("/_peer/calls/{channelId}/talk", control_talk)
    app.router.add_delete("/_peer/calls/{channelId}", control_hang_up)
    app.router.add_get("/_peer/phones", control_phones)
    app.router.add_post("/_peer/phones", control_phones)
    app.router.add_get("/phone", phone_page)
    return app


def _free_port(host: str) -> int:
    # A fixed port (not 0) so that a restart comes back where the client reconnects.
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class PeerServer:
    """The running peer on one loop: start(), restart(), stop()."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str,
        app: str,
        recordings_dir: Path,
        default_answer_after: float | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.app_name = app
        self.recordings_dir = recordings_dir
        self.default_answer_after = default_answer_after
        self.pbx: Pbx | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        if self.pbx is None:
            self.pbx = Pbx(
                app=self.app_name,
                recordings_dir=self.recordings_dir,
                default_answer_after=self.default_answer_after,
            )
        await self._listen()

    async def _listen(self) -> None:
        assert self.pbx is not None
        runner = web.AppRunner(build_app(self.pbx, self.user, self.password), shutdown_timeout=0.5)
        await runner.setup()
        if self.port == 0:
            self.port = _free_port(self.host)
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._runner = runner

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self, down_seconds: float) -> None:
        """Asterisk restarts: sockets drop, every call is gone, a new boot on the same port."""
        assert self.pbx is not None
        self.pbx.reset()
        await self._close()
        await asyncio.sleep(down_seconds)
        self.pbx.boot()
        await self._listen()

    async def stop(self) -> None:
        if self.pbx is not None:
            self.pbx.reset()
        await self._close()
