"""One call's channels as its task sees them: an inbox of the ARI events about them (the
router fills it), the keys the caller pressed, and the media operations (answer, play,
collect digits, record, originate, bridge, hang up), each awaiting the event that says it is
done. Everything here runs in the call's own task, never in the event loop's dispatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ari_bridge.ari import Ari, AriError, AriUnavailable, Event

if TYPE_CHECKING:
    from ari_bridge.service import Service

log = logging.getLogger(__name__)

GONE_EVENTS = {"ChannelHangupRequest", "StasisEnd", "ChannelDestroyed", "_gone"}
CAUSE_NORMAL = 16
CAUSE_REJECTED = 21
_ids = itertools.count(1)


class CallerGone(Exception):
    """The caller hung up (or their channel vanished): the flow stops where it is."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def ari_time(text: str | None) -> str:
    """Asterisk's `2026-11-22T21:07:16.020+0000` as RFC 3339 (`...+00:00`)."""
    if not text:
        return now_iso()
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").isoformat(timespec="milliseconds")
    except ValueError:
        try:
            return datetime.fromisoformat(text).isoformat(timespec="milliseconds")
        except ValueError:
            return now_iso()


def channel_of(event: Event) -> str | None:
    channel = event.get("channel")
    return channel.get("id") if isinstance(channel, dict) else None


class Legs:
    """A set of channels (and bridges) worked by one task, with their shared inbox."""

    def __init__(self, service: Service, tag: str) -> None:
        self.svc = service
        self.ari: Ari = service.ari
        self.tag = tag  # the prefix of the ids this task makes
        self.inbox: asyncio.Queue[Event] = asyncio.Queue()
        self.owned: set[str] = set()
        self.gone_legs: dict[str, int | None] = {}  # channel id -> hangup cause (if known)
        self.answered_legs: set[str] = set()
        self.recordings_done: set[str] = set()  # names of recordings Asterisk has finished

    def new_id(self, kind: str) -> str:
        return f"{self.tag}-{kind}{next(_ids)}"[:150]

    def own(self, key: str) -> None:
        self.owned.add(key)
        self.ari.own(key, self.inbox)

    def release(self) -> None:
        for key in self.owned:
            self.ari.disown(key)
        self.owned.clear()

    def note(self, event: Event) -> None:
        """Bookkeeping for every event taken from the inbox (a subclass adds the caller's)."""
        kind = event.get("type")
        if kind in ("RecordingFinished", "RecordingFailed"):
            self.recordings_done.add(str((event.get("recording") or {}).get("name")))
        channel = channel_of(event)
        if channel is None:
            return
        if kind in GONE_EVENTS:
            # The first word on a leg's end wins, unless it had no cause and a later one has.
            if channel not in self.gone_legs or self.gone_legs[channel] is None:
                self.gone_legs[channel] = event.get("cause")
        elif kind == "StasisStart":
            self.answered_legs.add(channel)

    def check(self) -> None:
        """Raise when the flow must stop (the caller is gone); nothing for a bare set of legs."""

    async def next_event(self, timeout: float | None) -> Event | None:
        self.check()
        try:
            event = await asyncio.wait_for(self.inbox.get(), timeout)
        except TimeoutError:
            return None
        self.note(event)
        return event

    async def wait(self, match: Any, timeout: float | None) -> Event | None:
        """The first event `match(event)` accepts within `timeout` seconds (None: none came).
        Raises CallerGone as soon as the caller hangs up."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            if left == 0.0:
                self.check()
                return None
            event = await self.next_event(left)
            if event is None:
                self.check()
                return None
            if match(event):
                return event
            self.check()

    async def req(self, resource: str, operation: str, **params: Any) -> Any:
        """One ARI operation. While Asterisk is unreachable, wait for the reconnect and try
        once more (the reconnect tells the task whether its channels survived)."""
        try:
            return await self.ari.request(resource, operation, **params)
        except AriUnavailable:
            try:
                await asyncio.wait_for(self.ari.connected.wait(), 60)
            except TimeoutError as exc:
                raise CallerGone("Asterisk unreachable") from exc
            await asyncio.sleep(0)
            self.check()
            return await self.ari.request(resource, operation, **params)

    # -- channels -------------------------------------------------------------------------

    async def hang_up(self, channel: str, reason: str = "normal") -> None:
        if channel in self.gone_legs:
            return
        try:
            await self.ari.request("channels", "hangup", channelId=channel, reason=reason)
        except (AriError, AriUnavailable) as exc:
            log.info("hang up %s: %s", channel, exc)

    async def play_on(self, channel: str, sound: str) -> str:
        playback = self.new_id("pb")
        await self.req("channels", "play", channelId=channel, media=_media(sound),
                       playbackId=playback)  # fmt: skip
        return playback

    async def originate(self, endpoint: str, app_args: str, timeout: int,
                        caller_id: str | None = None) -> str:  # fmt: skip
        """Ring an endpoint into our Stasis app; its channel id (its events come here)."""
        leg = self.new_id("leg")
        self.own(leg)
        params: dict[str, Any] = dict(endpoint=endpoint, app=self.ari.app, appArgs=app_args,
                                      timeout=timeout, channelId=leg)  # fmt: skip
        if caller_id:
            params["callerId"] = caller_id
        try:
            await self.req("channels", "originate", **params)
        except AriError as exc:
            log.warning("originate %s: %s", endpoint, exc)
            self.gone_legs[leg] = None
        return leg

    async def answered(self, leg: str, timeout: float) -> bool:
        """Wait until the originated leg answers (enters Stasis) or gives up ringing."""
        if leg in self.gone_legs:
            return False
        if leg in self.answered_legs:
            return True

        def settled(event: Event) -> bool:
            return channel_of(event) == leg and (
                event.get("type") == "StasisStart" or event.get("type") in GONE_EVENTS
            )

        event = await self.wait(settled, timeout + 2)
        if event is not None and event.get("type") == "StasisStart":
            return True
        await self.hang_up(leg)
        return False

    # -- bridges ----------------------------------------------------------------------------

    async def new_bridge(self, channels: list[str]) -> str:
        bridge = self.new_id("br")
        self.own("bridge:" + bridge)
        await self.req("bridges", "create", type="mixing", bridgeId=bridge, name=bridge)
        for channel in channels:  # one by one: a list is refused whole if one is gone
            await self.req("bridges", "addChannel", bridgeId=bridge, channel=channel)
        return bridge

    async def add_to(self, bridge: str, channel: str) -> None:
        await self.req("bridges", "addChannel", bridgeId=bridge, channel=channel)

    async def remove_from(self, bridge: str, channel: str) -> None:
        try:
            await self.ari.request("bridges", "removeChannel", bridgeId=bridge, channel=channel)
        except (AriError, AriUnavailable) as exc:
            log.info("remove %s from %s: %s", channel, bridge, exc)

    async def record_bridge(self, bridge: str, name: str) -> bool:
        try:
            await self.req("bridges", "record", bridgeId=bridge, name=name, format="wav",
                           ifExists="overwrite")  # fmt: skip
            return True
        except AriError as exc:
            log.warning("record bridge %s: %s", bridge, exc)
            return False

    async def destroy(self, bridge: str) -> None:
        try:
            await self.ari.request("bridges", "destroy", bridgeId=bridge)
        except (AriError, AriUnavailable) as exc:
            log.info("destroy %s: %s", bridge, exc)


def _media(sound: str) -> str:
    return sound if ":" in sound else f"sound:{sound}"


class Call(Legs):
    """An inbound call: the caller's channel and whatever the flow brings in."""

    def __init__(self, service: Service, event: Event) -> None:
        channel = event["channel"]
        super().__init__(service, channel["id"])
        self.id: str = channel["id"]
        args = event.get("args") or []
        caller = channel.get("caller") or {}
        self.caller: str = str(caller.get("number") or "")[:40]
        dialplan = channel.get("dialplan") or {}
        self.called: str = str(args[1] if len(args) > 1 else dialplan.get("exten", ""))[:40]
        self.started_at = ari_time(event.get("timestamp") or channel.get("creationtime"))
        self.digits: deque[str] = deque()
        self.gone = False
        self.cause: int | None = None
        self.ivr_path: list[str] = []
        self.bridge: str | None = None  # the live bridge with an agent, while talking
        self.agent_leg: str | None = None
        self.own(self.id)

    # -- the record ----------------------------------------------------------------------

    def record_body(self, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"direction": "inbound", "caller": self.caller,
                                "called": self.called, "started_at": self.started_at}  # fmt: skip
        body.update({k: v for k, v in fields.items() if v is not None})
        return body

    async def put(self, **fields: Any) -> None:
        """Record what happened on the call (spooled; the web app merges it)."""
        await self.svc.sender.append(
            self.id, "PUT", f"/calls/{self.id}", self.record_body(**fields)
        )

    @property
    def path(self) -> str | None:
        return "/".join(self.ivr_path) or None

    # -- events --------------------------------------------------------------------------

    def note(self, event: Event) -> None:
        super().note(event)
        if channel_of(event) != self.id:
            return
        kind = event.get("type")
        if kind == "ChannelDtmfReceived":
            self.digits.append(str(event.get("digit", "")))
        elif kind in GONE_EVENTS:
            self.gone = True
            if self.cause is None and isinstance(event.get("cause"), int):
                self.cause = event["cause"]

    def check(self) -> None:
        if self.gone:
            raise CallerGone(self.id)

    async def req(self, resource: str, operation: str, **params: Any) -> Any:
        try:
            return await super().req(resource, operation, **params)
        except AriError as exc:
            if exc.status == 404 and params.get("channelId") == self.id:
                self.gone = True  # Asterisk no longer knows the caller's channel
                raise CallerGone(self.id) from exc
            raise

    # -- media on the caller's channel ----------------------------------------------------

    async def answer(self) -> None:
        await self.req("channels", "answer", channelId=self.id)

    async def play(self, sound: str, interruptible: bool = False) -> None:
        """Play one sound to the caller and wait until it ends; a key pressed meanwhile
        stops it when `interruptible` (the key stays for the next `digit`)."""
        if interruptible and self.digits:
            return
        playback = await self.play_on(self.id, sound)

        def ended(event: Event) -> bool:
            if interruptible and self.digits:
                return True
            pb = event.get("playback")
            return (
                event.get("type") == "PlaybackFinished"
                and isinstance(pb, dict)
                and pb.get("id") == playback
            )

        await self.wait(ended, 300)
        if interruptible and self.digits:
            with contextlib.suppress(AriError, AriUnavailable):  # it may have ended already
                await self.ari.request("playbacks", "stop", playbackId=playback)

    async def play_all(self, sounds: list[str]) -> None:
        for sound in sounds:
            await self.play(sound)

    async def digit(self, timeout: float) -> str | None:
        """The next key the caller presses within `timeout` seconds."""
        if self.digits:
            return self.digits.popleft()
        await self.wait(lambda event: bool(self.digits), timeout)
        return self.digits.popleft() if self.digits else None

    async def collect(self, max_len: int, timeout: float, end: str = "#") -> str:
        """Keys until `end`, `max_len` of them, or `timeout` seconds without a key."""
        got = ""
        while len(got) < max_len:
            key = await self.digit(timeout)
            if key is None or key == end:
                break
            got += key
        return got

    async def record(self, name: str, max_seconds: int, terminate: str = "#") -> Event | None:
        """Record the caller after a beep until the terminate key, max_seconds or hangup;
        the RecordingFinished event (None when the recording failed). A hangup ends the
        recording, and Asterisk still reports it: the caller's words are kept."""
        await self.req("channels", "record", channelId=self.id, name=name, format="wav",
                       maxDurationSeconds=max_seconds, beep=True, terminateOn=terminate,
                       ifExists="overwrite")  # fmt: skip

        def finished(event: Event) -> bool:
            rec = event.get("recording")
            return (
                event.get("type") in ("RecordingFinished", "RecordingFailed")
                and isinstance(rec, dict)
                and rec.get("name") == name
            )

        gone_at: float | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds + 10
        while loop.time() < deadline:
            if self.gone and gone_at is None:
                gone_at = loop.time()
            left = deadline - loop.time()
            if gone_at is not None:
                left = min(left, gone_at + 3 - loop.time())
                if left <= 0:
                    break
            try:
                event = await asyncio.wait_for(self.inbox.get(), left)
            except TimeoutError:
                break
            self.note(event)
            if finished(event):
                return event if event.get("type") == "RecordingFinished" else None
        return None
