"""The simulated Asterisk: channels, bridges, playbacks and recordings, and the events they send.

Everything runs on one asyncio loop (the server's); nothing here blocks. An event goes to the
Stasis application subscribed to its object and only while that application's WebSocket is
connected: events meanwhile are lost, as on a real Asterisk. The orders of events follow what
Asterisk 22 sends (see tests/ari_peer/real_call_shapes.py for the shapes of a real call).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ari_peer.media import (
    SOFT_HANGUP_EXPLICIT,
    cause_text,
    timestamp,
    write_recording,
)

TECHNOLOGIES = {"PJSIP", "SIP", "Local", "IAX2", "DAHDI"}
DTMF_DIGITS = set("0123456789*#ABCD")
MEDIA_SCHEMES = {"sound", "recording", "number", "digits", "characters", "tone"}
ASTERISK_ID = "02:fc:00:00:00:01"
_SEQUENCE = itertools.count()
VERSION = "22.10.1"


class AriError(Exception):
    """A REST failure with Asterisk's status and message ({"message": ...})."""

    def __init__(self, status: int, message: str, *, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else {"message": message}


class Sink(Protocol):
    """One connected events WebSocket."""

    def send(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


@dataclass
class Phone:
    """How a simulated phone behaves when it is called."""

    answer_after: float | None = None
    hangup_after: float | None = None
    busy: bool = False


@dataclass
class Channel:
    id: str
    name: str
    state: str
    caller: dict[str, str]
    dialplan: dict[str, Any]
    creationtime: str
    protocol_id: str = ""
    connected: dict[str, str] = field(default_factory=lambda: {"name": "", "number": ""})
    app: str | None = None  # the Stasis application subscribed to it
    in_stasis: bool = False
    args: list[str] = field(default_factory=list)
    bridge: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    queue: list[Playback | Recording] = field(default_factory=list)
    current: Playback | Recording | None = None
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    originated: bool = False
    endpoint: str = ""
    held: bool = False
    local_half: str | None = None  # a Local channel's other half (;1 <-> ;2)

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "protocol_id": self.protocol_id,
            "caller": dict(self.caller),
            "connected": dict(self.connected),
            "accountcode": "",
            "dialplan": dict(self.dialplan),
            "creationtime": self.creationtime,
            "language": "en",
        }


@dataclass
class Bridge:
    id: str
    name: str
    bridge_type: str
    app: str
    creationtime: str
    channels: list[str] = field(default_factory=list)
    queue: list[Playback | Recording] = field(default_factory=list)
    current: Playback | Recording | None = None

    def json(self) -> dict[str, Any]:
        if self.bridge_type == "holding":
            technology = "holding_bridge"
        else:
            technology = "simple_bridge" if len(self.channels) <= 2 else "softmix"
        return {
            "id": self.id,
            "technology": technology,
            "bridge_type": self.bridge_type,
            "bridge_class": "stasis",
            "creator": "Stasis",
            "name": self.name,
            "channels": list(self.channels),
            "creationtime": self.creationtime,
            "video_mode": "talker",
        }


@dataclass
class Playback:
    id: str
    medias: list[str]
    target_uri: str
    language: str = "en"
    state: str = "queued"
    index: int = 0
    canceled: bool = False
    handle: asyncio.TimerHandle | None = None

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "media_uri": self.medias[self.index]}
        if self.index + 1 < len(self.medias):
            data["next_media_uri"] = self.medias[self.index + 1]
        data.update({"target_uri": self.target_uri, "language": self.language})
        data["state"] = self.state
        return data


@dataclass
class Recording:
    name: str
    format: str
    target_uri: str
    max_duration: int = 0
    max_silence: int = 0
    terminate_on: str = "none"
    append: bool = False
    state: str = "queued"
    started: float = 0.0
    talked: float = 0.0
    duration: int | None = None
    max_handle: asyncio.TimerHandle | None = None
    silence_handle: asyncio.TimerHandle | None = None

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "format": self.format,
            "state": self.state,
            "target_uri": self.target_uri,
        }
        if self.duration is not None:
            data["duration"] = self.duration
        return data


def parse_caller_id(text: str) -> dict[str, str]:
    """'"Name" <number>', 'Name <number>' or 'number', as Asterisk's callerId parameter."""
    match = re.fullmatch(r'\s*"?([^"<]*?)"?\s*<([^>]*)>\s*', text)
    if match:
        return {"name": match.group(1).strip(), "number": match.group(2).strip()}
    return {"name": "", "number": text.strip()}


def dial_status(cause: int) -> str:
    """The Dial event's status for a dialled channel that hung up with `cause` (as ast_dial)."""
    return {17: "BUSY", 34: "CONGESTION", 3: "CHANUNAVAIL", 20: "CHANUNAVAIL"}.get(
        cause, "NOANSWER"
    )


class Pbx:
    """The in-memory PBX. Create it inside the running loop."""

    def __init__(
        self,
        *,
        app: str,
        recordings_dir: Path,
        default_answer_after: float | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.app = app
        self.recordings_dir = recordings_dir
        self.default_answer_after = default_answer_after
        self.sound_seconds = 0.05
        self.sound_durations: dict[str, float] = {}
        self.phones: dict[str, Phone] = {}
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.playbacks: dict[str, Playback] = {}
        self.live: dict[str, Recording] = {}
        self.stored: dict[str, str] = {}  # name -> format; files survive a restart
        self.sockets: dict[str, Sink] = {}
        self.events: list[dict[str, Any]] = []
        self.heard: dict[str, list[str]] = {}
        self.global_vars: dict[str, str] = {}
        self._index: dict[str, itertools.count[int]] = {}
        # Timers of an earlier boot never fire into a later one (see later()).
        self.generation = 0
        self.boot()

    # --- life --------------------------------------------------------------------------

    def boot(self) -> None:
        self.started_at = datetime.now(UTC)

    def reset(self) -> None:
        """Asterisk stops: every socket closes, every call is gone without an event."""
        self.generation += 1
        for sink in list(self.sockets.values()):
            sink.close()
        self.sockets.clear()
        for ch in self.channels.values():
            for handle in ch.timers:
                handle.cancel()
        ops: list[Playback | Recording] = [*self.playbacks.values(), *self.live.values()]
        for op in ops:
            self._cancel_timers(op)
        self.channels.clear()
        self.bridges.clear()
        self.playbacks.clear()
        self.live.clear()

    def later(self, delay: float, fn: Callable[..., None], *args: Any) -> asyncio.TimerHandle:
        generation = self.generation

        def run() -> None:
            if generation == self.generation:
                fn(*args)

        return self.loop.call_later(max(delay, 0), run)

    def soon(self, fn: Callable[..., None], *args: Any) -> None:
        self.later(0, fn, *args)

    # --- events ------------------------------------------------------------------------

    def connect(self, app: str, sink: Sink) -> None:
        old = self.sockets.get(app)
        self.sockets[app] = sink
        if old is not None and old is not sink:
            self.emit_to(old, app, "ApplicationReplaced", {})

    def disconnect(self, app: str, sink: Sink) -> None:
        if self.sockets.get(app) is sink:
            del self.sockets[app]

    def drop_websockets(self) -> None:
        for sink in list(self.sockets.values()):
            sink.close()
        self.sockets.clear()

    def emit_to(
        self, sink: Sink, app: str, kind: str, fields: dict[str, Any], at: str | None = None
    ) -> None:
        event = {"type": kind, "timestamp": at or timestamp(), **fields}
        event["asterisk_id"] = ASTERISK_ID
        event["application"] = app
        self.events.append(event)
        sink.send(event)

    def emit(
        self, app: str | None, kind: str, fields: dict[str, Any], at: str | None = None
    ) -> None:
        if app is None:
            return
        sink = self.sockets.get(app)
        if sink is not None:
            self.emit_to(sink, app, kind, fields, at)

    def channel_event(self, ch: Channel, kind: str, at: str | None = None, **fields: Any) -> None:
        self.emit(ch.app, kind, {**fields, "channel": ch.json()}, at)

    def varset(self, ch: Channel, variable: str, value: str) -> None:
        fields = {"variable": variable, "value": value, "channel": ch.json()}
        self.emit(ch.app, "ChannelVarset", fields)

    # --- ids ---------------------------------------------------------------------------

    def new_channel_id(self) -> str:
        # Asterisk's uniqueid: creation epoch and a sequence. The sequence is shared by every
        # peer in the process and survives restarts: a client library that caches objects by
        # id (asyncari does, process-wide) never meets an id twice within one test run.
        return f"{int(time.time())}.{next(_SEQUENCE)}"

    def channel_index(self, tech: str) -> int:
        return next(self._index.setdefault(tech, itertools.count()))

    def get_channel(self, channel_id: str) -> Channel:
        ch = self.channels.get(channel_id)
        if ch is None:
            raise AriError(404, "Channel not found")
        return ch

    def control(self, channel_id: str) -> Channel:
        """A channel the app may command (in Stasis), else Asterisk's 404 / 409."""
        ch = self.get_channel(channel_id)
        if not ch.in_stasis:
            raise AriError(409, "Channel not in Stasis application")
        return ch

    # --- inbound calls -----------------------------------------------------------------

    def place_call(self, caller: str, called: str, caller_name: str = "") -> str:
        channel_id = self.new_channel_id()
        ch = Channel(
            id=channel_id,
            name=f"PJSIP/{caller}-{self.channel_index('PJSIP'):08x}",
            state="Ring",
            caller={"name": caller_name, "number": caller},
            dialplan={
                "context": "hotline-in",
                "exten": called,
                "priority": 1,
                "app_name": "Stasis",
                "app_data": f"{self.app},inbound,{called}",
            },
            creationtime=timestamp(),
            protocol_id=f"{uuid.uuid4().hex[:12]}@127.0.0.1",
        )
        self.heard[channel_id] = []
        if self.app not in self.sockets:
            # Stasis() fails when the application is not connected: the dialplan goes on
            # and hangs up; nobody is subscribed, so no event is sent.
            return channel_id
        self.channels[channel_id] = ch
        ch.app = self.app
        ch.in_stasis = True
        ch.args = ["inbound", called]
        # A dialplan that goes straight to Stasis() starts it in the channel's first millisecond.
        self.channel_event(ch, "StasisStart", at=ch.creationtime, args=list(ch.args))
        return channel_id

    def press(self, channel_id: str, digits: str) -> None:
        ch = self.get_channel(channel_id)
        for digit in digits:
            if digit not in DTMF_DIGITS:
                raise ValueError(f"not a DTMF digit: {digit!r}")
        for digit in digits:
            self.channel_event(ch, "ChannelDtmfReceived", digit=digit, duration_ms=120)
            for rec in self._recordings_hearing(ch):
                if rec.terminate_on == "any" or rec.terminate_on == digit:
                    self.finish_recording(rec, "dtmf")

    def talk(self, channel_id: str, seconds: float) -> None:
        ch = self.get_channel(channel_id)
        for rec in self._recordings_hearing(ch):
            rec.talked += seconds
            self._arm_silence(rec)

    def _recordings_hearing(self, ch: Channel) -> list[Recording]:
        found: list[Recording] = []
        if isinstance(ch.current, Recording) and ch.current.state == "recording":
            found.append(ch.current)
        bridge = self.bridges.get(ch.bridge or "")
        if bridge and isinstance(bridge.current, Recording) and bridge.current.state == "recording":
            found.append(bridge.current)
        return found

    # --- answer, hangup ----------------------------------------------------------------

    def answer(self, channel_id: str) -> None:
        ch = self.control(channel_id)
        if ch.state != "Up":
            ch.state = "Up"
            self.channel_event(ch, "ChannelStateChange")

    def hangup_by_app(self, channel_id: str, cause: int) -> None:
        ch = self.get_channel(channel_id)
        if not ch.in_stasis and ch.originated and ch.state != "Up":
            # Cancelling a dial still ringing: the dialler reads the hangup and reports it.
            self.channel_event(ch, "ChannelHangupRequest", cause=SOFT_HANGUP_EXPLICIT, soft=True)
            self.emit(ch.app, "Dial", self._dial_fields(ch, dial_status(cause)))
            self._destroy(ch, cause)
            return
        self._rtp_stats(ch)
        self.channel_event(ch, "ChannelHangupRequest", cause=SOFT_HANGUP_EXPLICIT, soft=True)
        self._teardown(ch, cause)

    def hangup_by_phone(self, channel_id: str, cause: int = 16) -> None:
        """The far end hangs up (the caller, or an agent's phone)."""
        ch = self.get_channel(channel_id)
        if ch.originated and not ch.in_stasis and ch.state != "Up":
            # A ringing phone that hangs up declines the call (SIP 603: Call Rejected).
            declined = 21 if cause == 16 else cause
            self.emit(ch.app, "Dial", self._dial_fields(ch, dial_status(declined)))
            self._destroy(ch, declined)
            return
        self.channel_event(ch, "ChannelHangupRequest", cause=cause)
        self._rtp_stats(ch)
        self._teardown(ch, cause)

    def _rtp_stats(self, ch: Channel) -> None:
        if not ch.name.startswith("PJSIP/") or ch.state != "Up":
            return
        self.varset(ch, "RTPAUDIOQOS", "ssrc=1;themssrc=2;lp=0;rxjitter=0.000000;rxcount=100")
        self.varset(ch, "RTPAUDIOQOSJITTER", "minrxjitter=000.000000;maxrxjitter=000.000500;")
        self.varset(ch, "RTPAUDIOQOSLOSS", "minrxlost=000.000000;maxrxlost=000.000000;")
        self.varset(ch, "RTPAUDIOQOSRTT", "minrtt=000.000000;maxrtt=000.000000;")

    def _teardown(self, ch: Channel, cause: int) -> None:
        for handle in ch.timers:
            handle.cancel()
        ch.timers.clear()
        self._leave_stasis(ch)
        self._destroy(ch, cause)

    def _leave_stasis(self, ch: Channel) -> None:
        """Media stop, the bridge is left, StasisEnd: a hangup's or a continue's first steps."""
        for op in ch.queue:
            if isinstance(op, Playback):
                self.playbacks.pop(op.id, None)
            else:
                self.live.pop(op.name, None)
        ch.queue.clear()
        current = ch.current
        if isinstance(current, Playback):
            self._end_playback(current, ch, "done")
        elif isinstance(current, Recording):
            self.finish_recording(current, "hangup")
        if ch.bridge and ch.bridge in self.bridges:
            self._leave_bridge(self.bridges[ch.bridge], ch)
        if ch.in_stasis:
            ch.in_stasis = False
            self.channel_event(ch, "StasisEnd")
            self.varset(ch, "STASISSTATUS", "SUCCESS")

    def _destroy(self, ch: Channel, cause: int) -> None:
        for handle in ch.timers:
            handle.cancel()
        self.channel_event(ch, "ChannelDestroyed", cause=cause, cause_txt=cause_text(cause))
        self.channels.pop(ch.id, None)
        half = self.channels.get(ch.local_half or "")
        if half is not None:
            # One half of a Local channel going takes the other with it.
            half.local_half = None
            if half.in_stasis:
                self.hangup_by_phone(half.id, cause)
            else:
                self.channel_event(half, "ChannelHangupRequest", cause=cause)
                self._destroy(half, cause)

    def continue_in_dialplan(self, channel_id: str) -> None:
        ch = self.control(channel_id)
        self._leave_stasis(ch)
        # The dialplan ends the call; the app is no longer subscribed and hears nothing.
        ch.app = None
        self.later(0.01, self._destroy, ch, 16)

    def set_variable(self, channel_id: str, name: str, value: str) -> None:
        ch = self.control(channel_id)
        ch.variables[name] = value
        self.varset(ch, name, value)

    def get_variable(self, channel_id: str, name: str) -> str:
        ch = self.control(channel_id)
        builtins = {
            "CALLERID(num)": ch.caller["number"],
            "CALLERID(name)": ch.caller["name"],
            "CHANNEL(name)": ch.name,
            "UNIQUEID": ch.id,
        }
        if name in ch.variables:
            return ch.variables[name]
        if name in builtins:
            return builtins[name]
        raise AriError(404, "Provided variable was not found")

    def hold(self, channel_id: str, on: bool) -> None:
        ch = self.control(channel_id)
        ch.held = on
        if on:
            self.channel_event(ch, "ChannelHold")
        else:
            self.channel_event(ch, "ChannelUnhold")

    # --- originate ---------------------------------------------------------------------

    def phone_for(self, endpoint: str) -> Phone:
        phone = self.phones.get(endpoint)
        if phone is None:
            phone = Phone(answer_after=self.default_answer_after)
        return phone

    def originate(
        self,
        *,
        endpoint: str,
        app: str | None,
        app_args: str,
        caller_id: str,
        timeout: int,
        channel_id: str | None,
        variables: dict[str, str],
    ) -> Channel:
        tech, _, resource = endpoint.partition("/")
        if tech not in TECHNOLOGIES:
            # ast_dial_prerun fails for an unknown technology; Asterisk answers with its
            # generic allocation failure.
            raise AriError(500, "Allocation failed", body={"error": "Allocation failed"})
        new_id = channel_id or self.new_channel_id()
        if new_id in self.channels:
            raise AriError(409, "Channel with given unique ID already exists")
        device = resource.split("@", 1)[1] if "@" in resource else resource
        context, exten = "default", "s"
        if tech == "Local":
            local_index = self.channel_index("Local")
            name = f"Local/{resource}-{local_index:08x};1"
            exten, _, context = resource.partition("@")
            context = context or "default"
        else:
            name = f"{tech}/{device}-{self.channel_index(tech):08x}"
        ch = Channel(
            id=new_id,
            name=name,
            state="Down",
            caller=parse_caller_id(caller_id) if caller_id else {"name": "", "number": ""},
            dialplan={
                "context": context,
                "exten": exten,
                "priority": 1,
                "app_name": "AppDial2",
                "app_data": "(Outgoing Line)",
            },
            creationtime=timestamp(),
            protocol_id=f"{uuid.uuid4().hex[:12]}@127.0.0.1" if tech in ("PJSIP", "SIP") else "",
            app=app,
            args=[a for a in app_args.split(",")] if app_args else [],
            originated=True,
            endpoint=endpoint,
            variables=dict(variables),
        )
        self.channels[new_id] = ch
        self.heard[new_id] = []
        if tech == "Local":
            # The ;2 half runs the dialplan at context/exten; Asterisk reports its steps too.
            half = Channel(
                id=self.new_channel_id(),
                name=name[:-1] + "2",
                state="Ring",
                caller={"name": "", "number": ""},
                dialplan={
                    "context": context,
                    "exten": exten,
                    "priority": 1,
                    "app_name": "",
                    "app_data": "",
                },
                creationtime=ch.creationtime,
                app=app,
                local_half=ch.id,
            )
            ch.local_half = half.id
            self.channels[half.id] = half
        phone = self.phone_for(endpoint)
        self.soon(self._dial_begin, ch, phone, timeout)
        return ch

    def _dial_fields(self, ch: Channel, status: str) -> dict[str, Any]:
        dialstring = ch.endpoint.partition("/")[2]
        return {"dialstatus": status, "forward": "", "dialstring": dialstring, "peer": ch.json()}

    def _dial_begin(self, ch: Channel, phone: Phone, timeout: int) -> None:
        if ch.id not in self.channels:
            return
        self.emit(ch.app, "Dial", self._dial_fields(ch, ""))
        half = self.channels.get(ch.local_half or "")
        if half is not None:
            # A Local channel is answered by its dialplan (Answer()) at once.
            half.dialplan = {**half.dialplan, "app_name": "Answer", "app_data": ""}
            self.channel_event(half, "ChannelDialplan", dialplan_app="Answer", dialplan_app_data="")
            half.state = "Up"
            self.channel_event(half, "ChannelStateChange")
            self._phone_answers(ch, phone)
            return
        if phone.busy:
            self.emit(ch.app, "Dial", self._dial_fields(ch, "BUSY"))
            self._destroy(ch, 17)
            return
        ch.state = "Ringing"
        self.channel_event(ch, "ChannelStateChange")
        self.emit(ch.app, "Dial", self._dial_fields(ch, "RINGING"))
        if phone.answer_after is not None:
            ch.timers.append(self.later(phone.answer_after, self._phone_answers, ch, phone))
        if timeout > 0:
            ch.timers.append(self.later(timeout, self._no_answer, ch))

    def _phone_answers(self, ch: Channel, phone: Phone) -> None:
        if ch.id not in self.channels:
            return
        for handle in ch.timers:
            handle.cancel()
        ch.timers.clear()
        ch.state = "Up"
        self.channel_event(ch, "ChannelStateChange")
        self.emit(ch.app, "Dial", self._dial_fields(ch, "ANSWER"))
        if ch.app is None:
            return  # into the dialplan: nothing the peer simulates further
        if ch.app not in self.sockets:
            self._destroy(ch, 16)  # Stasis() fails: the app is gone
            return
        self.varset(ch, "STASISSTATUS", "")
        ch.dialplan = {
            "context": "default",
            "exten": "s",
            "priority": 1,
            "app_name": "Stasis",
            "app_data": ",".join([ch.app, *ch.args]),
        }
        ch.in_stasis = True
        self.channel_event(ch, "StasisStart", args=list(ch.args))
        if phone.hangup_after is not None:
            ch.timers.append(self.later(phone.hangup_after, self._phone_hangs_up, ch))

    def _phone_hangs_up(self, ch: Channel) -> None:
        if ch.id in self.channels:
            self.hangup_by_phone(ch.id)

    def _no_answer(self, ch: Channel) -> None:
        if ch.id not in self.channels or ch.state == "Up":
            return
        # ast_dial's timeout hangs the channel up with cause 19 and publishes no Dial status
        # (main/dial.c handle_timeout_trip): the app sees ChannelDestroyed, cause 19.
        self._destroy(ch, 19)

    # --- media: playbacks and recordings, one at a time per channel or bridge ----------

    def _target(self, uri: str) -> Channel | Bridge | None:
        kind, _, ident = uri.partition(":")
        if kind == "channel":
            return self.channels.get(ident)
        return self.bridges.get(ident)

    def play(
        self, target: Channel | Bridge, medias: list[str], playback_id: str | None, lang: str
    ) -> Playback:
        kind = "channel" if isinstance(target, Channel) else "bridge"
        pb = Playback(
            id=playback_id or str(uuid.uuid4()),
            medias=medias,
            target_uri=f"{kind}:{target.id}",
            language=lang or "en",
        )
        self.playbacks[pb.id] = pb
        target.queue.append(pb)
        self.soon(self._advance, target)
        return pb

    def record(self, target: Channel | Bridge, rec: Recording) -> Recording:
        self.live[rec.name] = rec
        target.queue.append(rec)
        self.soon(self._advance, target)
        return rec

    def _advance(self, target: Channel | Bridge) -> None:
        if target.current is not None or not target.queue:
            return
        if isinstance(target, Channel) and target.id not in self.channels:
            return
        op = target.queue.pop(0)
        target.current = op
        if isinstance(op, Playback):
            if op.canceled:
                self._end_playback(op, target, "done")
            else:
                self._start_media(op, target)
        else:
            self._start_recording(op, target)

    def _listeners(self, target: Channel | Bridge) -> list[str]:
        return [target.id] if isinstance(target, Channel) else list(target.channels)

    def _media_ok(self, uri: str) -> bool:
        scheme, _, rest = uri.partition(":")
        if scheme not in MEDIA_SCHEMES or not rest:
            return False
        return scheme != "recording" or rest in self.stored

    def _start_media(self, pb: Playback, target: Channel | Bridge) -> None:
        pb.state = "playing"
        self.emit(target.app, "PlaybackStarted", {"playback": pb.json()})
        uri = pb.medias[pb.index]
        if not self._media_ok(uri):
            self.soon(self._media_failed, pb, target)
            return
        for listener in self._listeners(target):
            self.heard.setdefault(listener, []).append(uri)
        name = uri.partition(":")[2]
        seconds = self.sound_durations.get(uri, self.sound_durations.get(name, self.sound_seconds))
        pb.handle = self.later(seconds, self._media_done, pb, target)

    def _media_failed(self, pb: Playback, target: Channel | Bridge) -> None:
        if target.current is pb:
            if pb.index + 1 < len(pb.medias):
                self._next_media(pb, target)
            else:
                self._end_playback(pb, target, "failed")

    def _media_done(self, pb: Playback, target: Channel | Bridge) -> None:
        if target.current is not pb:
            return
        if pb.index + 1 < len(pb.medias):
            self._next_media(pb, target)
        else:
            self._end_playback(pb, target, "done")

    def _next_media(self, pb: Playback, target: Channel | Bridge) -> None:
        pb.state = "continuing"
        self.emit(target.app, "PlaybackContinuing", {"playback": pb.json()})
        pb.index += 1
        self._start_media(pb, target)

    def _end_playback(self, pb: Playback, target: Channel | Bridge, state: str) -> None:
        if pb.handle is not None:
            pb.handle.cancel()
        pb.state = state
        self.emit(target.app, "PlaybackFinished", {"playback": pb.json()})
        self.playbacks.pop(pb.id, None)
        if target.current is pb:
            target.current = None
            self.soon(self._advance, target)

    def stop_playback(self, playback_id: str) -> None:
        pb = self.playbacks.get(playback_id)
        if pb is None:
            raise AriError(404, "Playback not found")
        target = self._target(pb.target_uri)
        if target is None:
            raise AriError(404, "Playback not found")
        if target.current is pb:
            self._end_playback(pb, target, "done")
        else:
            pb.canceled = True  # reported done when its turn comes, as Asterisk does

    def _start_recording(self, rec: Recording, target: Channel | Bridge) -> None:
        rec.state = "recording"
        rec.started = self.loop.time()
        self.emit(target.app, "RecordingStarted", {"recording": rec.json()})
        if rec.max_duration > 0:
            rec.max_handle = self.later(rec.max_duration, self.finish_recording, rec, "max")
        self._arm_silence(rec)

    def _arm_silence(self, rec: Recording) -> None:
        if rec.max_silence > 0:
            if rec.silence_handle is not None:
                rec.silence_handle.cancel()
            rec.silence_handle = self.later(rec.max_silence, self.finish_recording, rec, "silence")

    def _cancel_timers(self, op: Playback | Recording) -> None:
        if isinstance(op, Playback):
            if op.handle is not None:
                op.handle.cancel()
        else:
            for handle in (op.max_handle, op.silence_handle):
                if handle is not None:
                    handle.cancel()

    def finish_recording(self, rec: Recording, reason: str, *, state: str = "done") -> None:
        """End a live recording: by key, max duration, silence, hangup, stop or cancel."""
        if rec.state != "recording":
            return
        self._cancel_timers(rec)
        elapsed = self.loop.time() - rec.started
        # Silence detection trims the trailing silence: a silent message is 0 s long.
        seconds = rec.talked if reason == "silence" else max(rec.talked, elapsed)
        if rec.max_duration > 0:
            seconds = min(seconds, rec.max_duration)
        rec.duration = int(round(seconds))
        rec.state = state
        path = self.recording_path(rec.name, rec.format)
        if state == "canceled":
            path.unlink(missing_ok=True)
        else:
            previous = self._wav_seconds(path) if rec.append else 0.0
            write_recording(path, previous + seconds, previous + min(rec.talked, seconds))
            self.stored[rec.name] = rec.format
        target = self._target(rec.target_uri)
        app = target.app if target is not None else self.app
        self.emit(app, "RecordingFinished", {"recording": rec.json()})
        self.live.pop(rec.name, None)
        if target is not None and target.current is rec:
            target.current = None
            self.soon(self._advance, target)

    def _wav_seconds(self, path: Path) -> float:
        try:
            with wave.open(str(path), "rb") as wav:
                return wav.getnframes() / wav.getframerate()
        except (OSError, EOFError, wave.Error):
            return 0.0

    def recording_path(self, name: str, fmt: str) -> Path:
        return self.recordings_dir / f"{name}.{fmt}"

    # --- bridges -----------------------------------------------------------------------

    def create_bridge(self, bridge_id: str | None, types: str, name: str, app: str) -> Bridge:
        new_id = bridge_id or str(uuid.uuid4())
        if new_id in self.bridges:
            raise AriError(409, f"Bridge with id '{new_id}' already exists")
        kinds = [t.strip() for t in types.split(",") if t.strip()] or ["mixing"]
        known = {"mixing", "holding", "dtmf_events", "proxy_media", "video_sfu", "video_single"}
        if any(k not in known for k in kinds):
            raise AriError(400, "Invalid bridge type")
        bridge = Bridge(
            id=new_id,
            name=name,
            bridge_type="holding" if "holding" in kinds else "mixing",
            app=app,
            creationtime=timestamp(),
        )
        self.bridges[new_id] = bridge
        return bridge

    def get_bridge(self, bridge_id: str) -> Bridge:
        bridge = self.bridges.get(bridge_id)
        if bridge is None:
            raise AriError(404, "Bridge not found")
        return bridge

    def add_to_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        bridge = self.get_bridge(bridge_id)
        members: list[Channel] = []
        for channel_id in channel_ids:
            ch = self.channels.get(channel_id)
            if ch is None:
                raise AriError(400, "Channel not found")
            if not ch.in_stasis:
                raise AriError(422, "Channel not in Stasis application")
            members.append(ch)
        for ch in members:
            if ch.bridge == bridge.id:
                continue
            if ch.bridge and ch.bridge in self.bridges:
                self._leave_bridge(self.bridges[ch.bridge], ch)
            bridge.channels.append(ch.id)
            ch.bridge = bridge.id
            fields = {"bridge": bridge.json(), "channel": ch.json()}
            self.emit(bridge.app, "ChannelEnteredBridge", fields)
        others = [self.channels[c] for c in bridge.channels if c in self.channels]
        if len(others) >= 2:
            for ch in others:
                peers = ",".join(o.name for o in others if o is not ch)
                self.varset(ch, "BRIDGEPEER", peers)
            for ch in members:
                first = next(o for o in others if o is not ch)
                if first.protocol_id:
                    self.varset(ch, "BRIDGEPVTCALLID", first.protocol_id)
                if ch.connected != first.caller:
                    ch.connected = dict(first.caller)
                    self.channel_event(ch, "ChannelConnectedLine")

    def remove_from_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        bridge = self.get_bridge(bridge_id)
        members: list[Channel] = []
        for channel_id in channel_ids:
            ch = self.channels.get(channel_id)
            if ch is None:
                raise AriError(400, "Channel not found")
            if not ch.in_stasis:
                raise AriError(422, "Channel not in Stasis application")
            if ch.bridge != bridge.id:
                raise AriError(422, "Channel not in this bridge")
            members.append(ch)
        for ch in members:
            self._leave_bridge(bridge, ch)

    def _leave_bridge(self, bridge: Bridge, ch: Channel) -> None:
        if ch.id in bridge.channels:
            bridge.channels.remove(ch.id)
        ch.bridge = None
        self.varset(ch, "BRIDGEPEER", "")
        self.emit(bridge.app, "ChannelLeftBridge", {"bridge": bridge.json(), "channel": ch.json()})

    def destroy_bridge(self, bridge_id: str) -> None:
        bridge = self.get_bridge(bridge_id)
        for channel_id in list(bridge.channels):
            ch = self.channels.get(channel_id)
            if ch is not None:
                self._leave_bridge(bridge, ch)
        for op in bridge.queue:
            if isinstance(op, Playback):
                self.playbacks.pop(op.id, None)
            else:
                self.live.pop(op.name, None)
        bridge.queue.clear()
        if isinstance(bridge.current, Playback):
            self._end_playback(bridge.current, bridge, "done")
        elif isinstance(bridge.current, Recording):
            self.finish_recording(bridge.current, "hangup")
        self.emit(bridge.app, "BridgeDestroyed", {"bridge": bridge.json()})
        del self.bridges[bridge_id]

    # --- views for the tests and the demo ----------------------------------------------

    def describe(self, channel_id: str) -> dict[str, Any] | None:
        ch = self.channels.get(channel_id)
        if ch is None:
            return None
        playing = None
        if isinstance(ch.current, Playback) and ch.current.state in ("playing", "continuing"):
            playing = ch.current.medias[ch.current.index]
        bridge = self.bridges.get(ch.bridge or "")
        if bridge and isinstance(bridge.current, Playback):
            playing = playing or bridge.current.medias[bridge.current.index]
        recording = ch.current.name if isinstance(ch.current, Recording) else None
        return {
            **ch.json(),
            "bridge": ch.bridge,
            "playing": playing,
            "recording": recording,
            "in_stasis": ch.in_stasis,
            "args": list(ch.args),
            "variables": dict(ch.variables),
            "held": ch.held,
            "heard": list(self.heard.get(ch.id, [])),
        }
