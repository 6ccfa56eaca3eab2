"""The ARI over HTTP: REST routes under /ari, the events WebSocket and the API description.

Parameters come from the query string, or from a JSON body's fields as Asterisk also takes
them; numbers are read as Asterisk's atoi reads them. Errors are Asterisk's: {"message": ...}
with its status codes (401 without credentials, 404 unknown objects, 409 / 422 / 400).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from ari_peer import apidocs
from ari_peer.media import FORMATS, HANGUP_REASONS, timestamp
from ari_peer.pbx import ASTERISK_ID, VERSION, AriError, Bridge, Channel, Pbx, Recording

PBX_KEY = web.AppKey("pbx", Pbx)
CREDENTIALS_KEY = web.AppKey("credentials", tuple)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _authorized(request: web.Request) -> bool:
    user, password = request.app[CREDENTIALS_KEY]
    expected = f"{user}:{password}"
    if request.query.get("api_key") == expected:
        return True
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:], validate=True).decode() == expected
        except (binascii.Error, UnicodeDecodeError):
            return False
    return False


@web.middleware
async def ari_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/ari"):
        return await handler(request)
    if not _authorized(request):
        response = _error(401, "Authentication required")
        response.headers["WWW-Authenticate"] = 'Basic realm="Asterisk REST Interface"'
        return response
    try:
        return await handler(request)
    except AriError as exc:
        return web.json_response(exc.body, status=exc.status)
    except web.HTTPMethodNotAllowed:
        return _error(405, "Invalid method")
    except web.HTTPNotFound:
        return _error(404, "Resource not found")


def _atoi(text: str) -> int:
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


async def _params(request: web.Request, resource: str, nickname: str) -> dict[str, Any]:
    """The operation's parameters with their defaults, as Asterisk reads them."""
    raw: dict[str, Any] = dict(request.query)
    raw.pop("api_key", None)
    if request.can_read_body:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
            raise AriError(400, "Malformed JSON body") from exc
        if isinstance(body, dict):
            for key, value in body.items():
                raw.setdefault(key, value)
    values: dict[str, Any] = {}
    for param in apidocs.parameters(resource, nickname):
        name = param["name"]
        if param["paramType"] == "path":
            values[name] = request.match_info[name]
            continue
        value = raw.get(name)
        if value is None:
            values[name] = param.get("defaultValue")
            continue
        data_type = param["dataType"]
        if data_type == "containers":
            values[name] = value
        elif data_type in ("int", "long"):
            values[name] = value if isinstance(value, int) else _atoi(str(value))
        elif data_type == "boolean":
            values[name] = value if isinstance(value, bool) else str(value).lower() == "true"
        elif param["allowMultiple"]:
            items = value if isinstance(value, list) else str(value).split(",")
            values[name] = [str(v).strip() for v in items if str(v).strip()]
        else:
            values[name] = str(value)
    return values


def _pbx(request: web.Request) -> Pbx:
    return request.app[PBX_KEY]


def _no_content() -> web.Response:
    return web.Response(status=204)


def _base_path(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}/ari"


# --- api-docs -------------------------------------------------------------------------------


async def resources_json(request: web.Request) -> web.Response:
    return web.json_response(apidocs.listing(_base_path(request)))


async def declaration_json(request: web.Request) -> web.Response:
    declaration = apidocs.declaration(request.match_info["resource"], _base_path(request))
    if declaration is None:
        return _error(404, "Resource not found")
    return web.json_response(declaration)


# --- asterisk, applications, endpoints, sounds ----------------------------------------------


async def asterisk_info(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "asterisk", "getInfo")
    started = timestamp(pbx.started_at)
    info = {
        "build": {
            "os": "Linux",
            "kernel": "6.1.0",
            "options": "",
            "machine": "x86_64",
            "date": "2026-11-01 00:00:00 UTC",
            "user": "minqing",
        },
        "system": {"version": VERSION, "entity_id": ASTERISK_ID},
        "config": {
            "name": "minqing-ari-peer",
            "default_language": "en",
            "setid": {"user": "asterisk", "group": "asterisk"},
        },
        "status": {"startup_time": started, "last_reload_time": started},
    }
    only = params["only"]
    if only:
        info = {k: v for k, v in info.items() if k in only}
    return web.json_response(info)


async def asterisk_ping(request: web.Request) -> web.Response:
    return web.json_response({"asterisk_id": ASTERISK_ID, "ping": "pong", "timestamp": timestamp()})


async def get_global_var(request: web.Request) -> web.Response:
    params = await _params(request, "asterisk", "getGlobalVar")
    if not params["variable"]:
        raise AriError(400, "Variable name is required")
    value = _pbx(request).global_vars.get(params["variable"], "")
    return web.json_response({"value": value})


async def set_global_var(request: web.Request) -> web.Response:
    params = await _params(request, "asterisk", "setGlobalVar")
    if not params["variable"]:
        raise AriError(400, "Variable name is required")
    _pbx(request).global_vars[params["variable"]] = params["value"] or ""
    return _no_content()


def _application(pbx: Pbx, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "channel_ids": [c.id for c in pbx.channels.values() if c.app == name and c.in_stasis],
        "bridge_ids": [b.id for b in pbx.bridges.values() if b.app == name],
        "endpoint_ids": [],
        "device_names": [],
        "events_allowed": [],
        "events_disallowed": [],
    }


async def applications_list(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    return web.json_response([_application(pbx, name) for name in pbx.sockets])


async def applications_get(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    name = request.match_info["applicationName"]
    if name not in pbx.sockets:
        return _error(404, "Application not found")
    return web.json_response(_application(pbx, name))


def _endpoints(pbx: Pbx) -> list[dict[str, Any]]:
    names = {"PJSIP/hotline-trunk", *pbx.phones}
    found = []
    for name in sorted(names):
        tech, _, resource = name.partition("/")
        found.append(
            {
                "technology": tech,
                "resource": resource,
                "state": "online",
                "channel_ids": [c.id for c in pbx.channels.values() if c.endpoint == name],
            }
        )
    return found


async def endpoints_list(request: web.Request) -> web.Response:
    return web.json_response(_endpoints(_pbx(request)))


async def endpoints_by_tech(request: web.Request) -> web.Response:
    tech = request.match_info["tech"]
    found = [e for e in _endpoints(_pbx(request)) if e["technology"] == tech]
    if not found:
        return _error(404, "No Endpoints found - invalid tech " + tech)
    return web.json_response(found)


async def endpoints_get(request: web.Request) -> web.Response:
    tech, resource = request.match_info["tech"], request.match_info["resource"]
    for endpoint in _endpoints(_pbx(request)):
        if endpoint["technology"] == tech and endpoint["resource"] == resource:
            return web.json_response(endpoint)
    return _error(404, "Endpoint not found")


async def sounds_list(request: web.Request) -> web.Response:
    return web.json_response([])


async def sounds_get(request: web.Request) -> web.Response:
    return _error(404, "Sound not found")


# --- channels -------------------------------------------------------------------------------


async def channels_list(request: web.Request) -> web.Response:
    return web.json_response([c.json() for c in _pbx(request).channels.values()])


async def channels_get(request: web.Request) -> web.Response:
    return web.json_response(_pbx(request).get_channel(request.match_info["channelId"]).json())


async def _originate(request: web.Request, nickname: str) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "channels", nickname)
    endpoint = params["endpoint"]
    if not endpoint:
        raise AriError(400, "Endpoint must be specified")
    if params["originator"] and params["formats"]:
        raise AriError(400, "Originator and formats can't both be specified")
    tech, _, resource = endpoint.partition("/")
    if not tech or not resource:
        raise AriError(400, "Invalid endpoint specified")
    if not params["app"] and not params["extension"]:
        raise AriError(400, "Application or extension must be specified")
    if params["originator"] and params["originator"] not in pbx.channels:
        raise AriError(400, "Provided originator channel was not found")
    variables = params["variables"] or {}
    if not isinstance(variables, dict):
        raise AriError(400, "Malformed variables")
    ch = pbx.originate(
        endpoint=endpoint,
        app=params["app"],
        app_args=params["appArgs"] or "",
        caller_id=params["callerId"] or "",
        timeout=params["timeout"],
        channel_id=params["channelId"],
        variables={str(k): str(v) for k, v in variables.items()},
    )
    return web.json_response(ch.json())


async def channels_originate(request: web.Request) -> web.Response:
    return await _originate(request, "originate")


async def channels_originate_with_id(request: web.Request) -> web.Response:
    return await _originate(request, "originateWithId")


async def channels_hangup(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "channels", "hangup")
    pbx.get_channel(params["channelId"])
    if params["reason"] and params["reason_code"]:
        raise AriError(400, "The reason and reason_code can't both be specified")
    cause = 16
    if params["reason_code"]:
        if not params["reason_code"].isdigit():
            raise AriError(400, "Invalid reason for hangup reason code provided")
        cause = int(params["reason_code"])
    elif params["reason"]:
        if params["reason"] not in HANGUP_REASONS:
            raise AriError(400, "Invalid reason for hangup reason provided")
        cause = HANGUP_REASONS[params["reason"]]
    pbx.hangup_by_app(params["channelId"], cause)
    return _no_content()


async def channels_answer(request: web.Request) -> web.Response:
    _pbx(request).answer(request.match_info["channelId"])
    return _no_content()


async def channels_ring(request: web.Request) -> web.Response:
    _pbx(request).control(request.match_info["channelId"])
    return _no_content()


async def channels_hold(request: web.Request) -> web.Response:
    _pbx(request).hold(request.match_info["channelId"], request.method == "POST")
    return _no_content()


async def channels_moh(request: web.Request) -> web.Response:
    _pbx(request).control(request.match_info["channelId"])
    return _no_content()


async def channels_continue(request: web.Request) -> web.Response:
    _pbx(request).continue_in_dialplan(request.match_info["channelId"])
    return _no_content()


async def channels_redirect(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "channels", "redirect")
    ch = pbx.control(params["channelId"])
    endpoint = params["endpoint"]
    if not endpoint:
        raise AriError(400, "Required parameter 'endpoint' not provided.")
    tech, _, resource = endpoint.partition("/")
    if not resource:
        raise AriError(422, f"Endpoint parameter '{endpoint}' does not contain tech/resource")
    if not ch.name.startswith(tech + "/"):
        channel_tech = ch.name.partition("/")[0]
        raise AriError(
            422, f"Endpoint technology '{tech}' does not match channel technology '{channel_tech}'"
        )
    # The far end is sent elsewhere (SIP 302): the call leaves this Asterisk.
    pbx.continue_in_dialplan(ch.id)
    return _no_content()


async def channels_dtmf(request: web.Request) -> web.Response:
    params = await _params(request, "channels", "sendDTMF")
    _pbx(request).control(params["channelId"])
    if not params["dtmf"]:
        raise AriError(400, "DTMF is required")
    return _no_content()


def _play_checks(params: dict[str, Any]) -> None:
    if not params["media"]:
        raise AriError(400, "Missing parameter media")
    if params["skipms"] is not None and params["skipms"] < 0:
        raise AriError(400, "skipms cannot be negative")
    if params["offsetms"] is not None and params["offsetms"] < 0:
        raise AriError(400, "offsetms cannot be negative")


async def _channel_play(request: web.Request, nickname: str) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "channels", nickname)
    ch = pbx.control(params["channelId"])
    _play_checks(params)
    pb = pbx.play(ch, params["media"], params.get("playbackId"), params["lang"] or "")
    return web.json_response(pb.json(), status=201)


async def channels_play(request: web.Request) -> web.Response:
    return await _channel_play(request, "play")


async def channels_play_with_id(request: web.Request) -> web.Response:
    return await _channel_play(request, "playWithId")


def _recording(params: dict[str, Any], pbx: Pbx, target_uri: str) -> Recording:
    if params["maxDurationSeconds"] < 0:
        raise AriError(400, "max_duration_seconds cannot be negative")
    if params["maxSilenceSeconds"] < 0:
        raise AriError(400, "max_silence_seconds cannot be negative")
    if params["terminateOn"] not in ("none", "any", "*", "#"):
        raise AriError(400, "terminateOn invalid")
    if params["ifExists"] not in ("fail", "overwrite", "append"):
        raise AriError(400, "ifExists invalid")
    if params["format"] not in FORMATS:
        raise AriError(422, "specified format is unknown on this system")
    name = params["name"] or ""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*", name) or ".." in name:
        raise AriError(400, "Recording name invalid")
    exists = name in pbx.live or name in pbx.stored
    if exists and (params["ifExists"] == "fail" or name in pbx.live):
        raise AriError(409, f"Recording '{name}' already exists and can not be overwritten")
    return Recording(
        name=name,
        format=params["format"],
        target_uri=target_uri,
        max_duration=params["maxDurationSeconds"],
        max_silence=params["maxSilenceSeconds"],
        terminate_on=params["terminateOn"],
        append=params["ifExists"] == "append",
    )


async def channels_record(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "channels", "record")
    ch = pbx.control(params["channelId"])
    if isinstance(ch.current, Recording):
        raise AriError(409, f"Channel {ch.id} currently recording")
    rec = pbx.record(ch, _recording(params, pbx, f"channel:{ch.id}"))
    return web.json_response(rec.json(), status=201)


async def channels_get_var(request: web.Request) -> web.Response:
    params = await _params(request, "channels", "getChannelVar")
    if not params["variable"]:
        raise AriError(400, "Variable name is required")
    value = _pbx(request).get_variable(params["channelId"], params["variable"])
    return web.json_response({"value": value})


async def channels_set_var(request: web.Request) -> web.Response:
    params = await _params(request, "channels", "setChannelVar")
    if not params["variable"]:
        raise AriError(400, "Variable name is required")
    _pbx(request).set_variable(params["channelId"], params["variable"], params["value"] or "")
    return _no_content()


# --- bridges --------------------------------------------------------------------------------


async def bridges_list(request: web.Request) -> web.Response:
    return web.json_response([b.json() for b in _pbx(request).bridges.values()])


async def _bridge_create(request: web.Request, nickname: str) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "bridges", nickname)
    bridge = pbx.create_bridge(
        params["bridgeId"], params["type"] or "mixing", params["name"] or "", pbx.app
    )
    return web.json_response(bridge.json())


async def bridges_create(request: web.Request) -> web.Response:
    return await _bridge_create(request, "create")


async def bridges_create_with_id(request: web.Request) -> web.Response:
    return await _bridge_create(request, "createWithId")


async def bridges_get(request: web.Request) -> web.Response:
    return web.json_response(_pbx(request).get_bridge(request.match_info["bridgeId"]).json())


async def bridges_destroy(request: web.Request) -> web.Response:
    _pbx(request).destroy_bridge(request.match_info["bridgeId"])
    return _no_content()


async def bridges_add(request: web.Request) -> web.Response:
    params = await _params(request, "bridges", "addChannel")
    if not params["channel"]:
        raise AriError(400, "Missing parameter channel")
    _pbx(request).add_to_bridge(params["bridgeId"], params["channel"])
    return _no_content()


async def bridges_remove(request: web.Request) -> web.Response:
    params = await _params(request, "bridges", "removeChannel")
    if not params["channel"]:
        raise AriError(400, "Missing parameter channel")
    _pbx(request).remove_from_bridge(params["bridgeId"], params["channel"])
    return _no_content()


async def bridges_moh(request: web.Request) -> web.Response:
    _pbx(request).get_bridge(request.match_info["bridgeId"])
    return _no_content()


async def _bridge_play(request: web.Request, nickname: str) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "bridges", nickname)
    bridge = pbx.get_bridge(params["bridgeId"])
    _play_checks(params)
    pb = pbx.play(bridge, params["media"], params.get("playbackId"), params["lang"] or "")
    return web.json_response(pb.json(), status=201)


async def bridges_play(request: web.Request) -> web.Response:
    return await _bridge_play(request, "play")


async def bridges_play_with_id(request: web.Request) -> web.Response:
    return await _bridge_play(request, "playWithId")


async def bridges_record(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    params = await _params(request, "bridges", "record")
    bridge: Bridge = pbx.get_bridge(params["bridgeId"])
    rec = pbx.record(bridge, _recording(params, pbx, f"bridge:{bridge.id}"))
    return web.json_response(rec.json(), status=201)


# --- playbacks, recordings ------------------------------------------------------------------


async def playbacks_get(request: web.Request) -> web.Response:
    pb = _pbx(request).playbacks.get(request.match_info["playbackId"])
    if pb is None:
        return _error(404, "Playback not found")
    return web.json_response(pb.json())


async def playbacks_stop(request: web.Request) -> web.Response:
    _pbx(request).stop_playback(request.match_info["playbackId"])
    return _no_content()


async def playbacks_control(request: web.Request) -> web.Response:
    params = await _params(request, "playbacks", "control")
    if not params["operation"]:
        raise AriError(400, "Missing operation")
    if params["operation"] not in ("restart", "pause", "unpause", "reverse", "forward"):
        raise AriError(400, f"Invalid operation {params['operation']}")
    pb = _pbx(request).playbacks.get(params["playbackId"])
    if pb is None:
        return _error(404, "Playback not found")
    if pb.state != "playing":
        raise AriError(409, f"Can only {params['operation']} while media is playing")
    return _no_content()


def _stored(pbx: Pbx, name: str) -> str:
    fmt = pbx.stored.get(name)
    if fmt is None or not pbx.recording_path(name, fmt).exists():
        raise AriError(404, "Recording not found")
    return fmt


async def recordings_list(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    return web.json_response([{"name": n, "format": f} for n, f in sorted(pbx.stored.items())])


async def recordings_get(request: web.Request) -> web.Response:
    name = request.match_info["recordingName"]
    fmt = _stored(_pbx(request), name)
    return web.json_response({"name": name, "format": fmt})


async def recordings_delete(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    name = request.match_info["recordingName"]
    fmt = _stored(pbx, name)
    pbx.recording_path(name, fmt).unlink(missing_ok=True)
    del pbx.stored[name]
    return _no_content()


async def recordings_file(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    name = request.match_info["recordingName"]
    fmt = _stored(pbx, name)
    body = pbx.recording_path(name, fmt).read_bytes()
    return web.Response(body=body, headers={"Content-Type": f"audio/{fmt}"})


def _live(pbx: Pbx, name: str) -> Recording:
    rec = pbx.live.get(name)
    if rec is None:
        raise AriError(404, "Recording not found")
    return rec


async def recordings_live_get(request: web.Request) -> web.Response:
    return web.json_response(_live(_pbx(request), request.match_info["recordingName"]).json())


async def recordings_live_stop(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    rec = _live(pbx, request.match_info["recordingName"])
    _finish_live(pbx, rec, "done")
    return _no_content()


async def recordings_live_cancel(request: web.Request) -> web.Response:
    pbx = _pbx(request)
    rec = _live(pbx, request.match_info["recordingName"])
    _finish_live(pbx, rec, "canceled")
    return _no_content()


def _finish_live(pbx: Pbx, rec: Recording, state: str) -> None:
    if rec.state == "recording":
        pbx.finish_recording(rec, "stop", state=state)
        return
    # Still queued behind a playback: it never starts.
    pbx.live.pop(rec.name, None)
    kind, _, ident = rec.target_uri.partition(":")
    target: Channel | Bridge | None = (
        pbx.channels.get(ident) if kind == "channel" else pbx.bridges.get(ident)
    )
    if target is not None and rec in target.queue:
        target.queue.remove(rec)


# --- the events WebSocket -------------------------------------------------------------------


class SocketSink:
    """Sends events in order through one WebSocket; close() drops the connection."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.closed = asyncio.Event()

    def send(self, event: dict[str, Any]) -> None:
        self.queue.put_nowait(event)

    def close(self) -> None:
        self.queue.put_nowait(None)

    async def run(self) -> None:
        while True:
            event = await self.queue.get()
            if event is None or self.ws.closed:
                break
            try:
                await self.ws.send_str(json.dumps(event))
            except (ConnectionError, RuntimeError):
                break
        self.closed.set()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close()


async def events_socket(request: web.Request) -> web.StreamResponse:
    pbx = _pbx(request)
    apps = [a for a in request.query.get("app", "").split(",") if a]
    if not apps:
        return _error(400, "HTTP request is missing param: [app]")
    ws = web.WebSocketResponse(heartbeat=None)
    await ws.prepare(request)
    sink = SocketSink(ws)
    for app in apps:
        pbx.connect(app, sink)
    writer = asyncio.create_task(sink.run())
    try:
        async for message in ws:
            if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
    finally:
        for app in apps:
            pbx.disconnect(app, sink)
        sink.close()
        await writer
    return ws


# --- the routes -----------------------------------------------------------------------------

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/asterisk/info", asterisk_info),
    ("GET", "/asterisk/ping", asterisk_ping),
    ("GET", "/asterisk/variable", get_global_var),
    ("POST", "/asterisk/variable", set_global_var),
    ("GET", "/applications", applications_list),
    ("GET", "/applications/{applicationName}", applications_get),
    ("GET", "/endpoints", endpoints_list),
    ("GET", "/endpoints/{tech}", endpoints_by_tech),
    ("GET", "/endpoints/{tech}/{resource}", endpoints_get),
    ("GET", "/sounds", sounds_list),
    ("GET", "/sounds/{soundId}", sounds_get),
    ("GET", "/channels", channels_list),
    ("POST", "/channels", channels_originate),
    ("GET", "/channels/{channelId}", channels_get),
    ("POST", "/channels/{channelId}", channels_originate_with_id),
    ("DELETE", "/channels/{channelId}", channels_hangup),
    ("POST", "/channels/{channelId}/answer", channels_answer),
    ("POST", "/channels/{channelId}/ring", channels_ring),
    ("DELETE", "/channels/{channelId}/ring", channels_ring),
    ("POST", "/channels/{channelId}/hold", channels_hold),
    ("DELETE", "/channels/{channelId}/hold", channels_hold),
    ("POST", "/channels/{channelId}/moh", channels_moh),
    ("DELETE", "/channels/{channelId}/moh", channels_moh),
    ("POST", "/channels/{channelId}/continue", channels_continue),
    ("POST", "/channels/{channelId}/redirect", channels_redirect),
    ("POST", "/channels/{channelId}/dtmf", channels_dtmf),
    ("POST", "/channels/{channelId}/play", channels_play),
    ("POST", "/channels/{channelId}/play/{playbackId}", channels_play_with_id),
    ("POST", "/channels/{channelId}/record", channels_record),
    ("GET", "/channels/{channelId}/variable", channels_get_var),
    ("POST", "/channels/{channelId}/variable", channels_set_var),
    ("GET", "/bridges", bridges_list),
    ("POST", "/bridges", bridges_create),
    ("POST", "/bridges/{bridgeId}", bridges_create_with_id),
    ("GET", "/bridges/{bridgeId}", bridges_get),
    ("DELETE", "/bridges/{bridgeId}", bridges_destroy),
    ("POST", "/bridges/{bridgeId}/addChannel", bridges_add),
    ("POST", "/bridges/{bridgeId}/removeChannel", bridges_remove),
    ("POST", "/bridges/{bridgeId}/moh", bridges_moh),
    ("DELETE", "/bridges/{bridgeId}/moh", bridges_moh),
    ("POST", "/bridges/{bridgeId}/play", bridges_play),
    ("POST", "/bridges/{bridgeId}/play/{playbackId}", bridges_play_with_id),
    ("POST", "/bridges/{bridgeId}/record", bridges_record),
    ("GET", "/playbacks/{playbackId}", playbacks_get),
    ("DELETE", "/playbacks/{playbackId}", playbacks_stop),
    ("POST", "/playbacks/{playbackId}/control", playbacks_control),
    ("GET", "/recordings/stored", recordings_list),
    ("GET", "/recordings/stored/{recordingName}", recordings_get),
    ("DELETE", "/recordings/stored/{recordingName}", recordings_delete),
    ("GET", "/recordings/stored/{recordingName}/file", recordings_file),
    ("GET", "/recordings/live/{recordingName}", recordings_live_get),
    ("DELETE", "/recordings/live/{recordingName}", recordings_live_cancel),
    ("POST", "/recordings/live/{recordingName}/stop", recordings_live_stop),
    ("GET", "/events", events_socket),
    ("GET", "/api-docs/resources.json", resources_json),
    ("GET", "/api-docs/{resource}.json", declaration_json),
]


def add_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, "/ari" + path, handler)
