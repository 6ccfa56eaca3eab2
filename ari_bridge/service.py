"""The bridge as one object: the ARI connection, the web app client, the spool and its
sender, the config keeper, the call flow, the queues and the commands, and the live calls.

`Service.run()` runs until cancelled. The ARI dispatch calls `_stasis_start` for a channel no
call owns: an inbound one (args `inbound,<called>`) becomes a call with its own task; a
replayed StasisStart of a channel this bridge has taken before makes nothing (the seen table
in the spool, and the web app's upsert by channel id, make that so even across restarts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from ari_bridge.acd import Acd
from ari_bridge.ari import Ari, Event
from ari_bridge.call import CAUSE_NORMAL, Call, CallerGone, Legs, now_iso
from ari_bridge.commands import Commands
from ari_bridge.config import ConfigKeeper
from ari_bridge.flow import Flow
from ari_bridge.sender import Sender
from ari_bridge.settings import Settings
from ari_bridge.spool import Spool
from ari_bridge.webapp import Unavailable, WebApp

# How often the records of an earlier run's calls still up after a restart are looked at.
ORPHAN_SWEEP_SECONDS = 30

log = logging.getLogger(__name__)


class Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spool = Spool(settings.spool)
        self.web = WebApp(settings.web_url, settings.api_token)
        self.sender = Sender(self.spool, self.web, settings.backoff_min, settings.backoff_max)
        self.keeper = ConfigKeeper(self.web, self.spool, settings.config_every)
        self.ari = Ari(settings.ari_url, settings.ari_user, settings.ari_password,
                       settings.app, settings.backoff_min, settings.backoff_max)  # fmt: skip
        self.ari.on_stasis_start = self._stasis_start
        self.ari.on_reconnect = self._reconnected
        self.flow = Flow(self)
        self.acd = Acd(self)
        self.commands = Commands(self)
        self.calls: dict[str, Call] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.finished = 0
        self.replays_ignored = 0

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _tokens(self) -> None:
        """Renew the bridge's API token well before it expires (tokens live 12 h): on start,
        then every third of its life. The renewed token is kept in the spool, for a restart
        with the same MINQING_API_TOKEN after that one has expired."""
        while True:
            try:
                renewed = await self.web.renew_token()
            except Unavailable:
                renewed = None
                await asyncio.sleep(self.settings.config_every * 5)
                continue
            if renewed is None:
                log.error("the web app refused the bridge's token: set MINQING_API_TOKEN "
                          "(flask telephony token)")  # fmt: skip
                await asyncio.sleep(60)
                continue
            token, lifetime = renewed
            self.web.use_token(token)
            await self.spool.keep("token", {"from": self.settings.api_token, "token": token})
            await asyncio.sleep(max(60.0, lifetime / 3))

    async def _prune(self) -> None:
        while True:
            removed = await self.spool.prune()
            if removed:
                log.info("spool: %d delivered ops forgotten", removed)
            await asyncio.sleep(3600)

    async def run(self) -> None:
        kept = await self.spool.kept("token")
        if isinstance(kept, dict) and kept.get("from") == self.settings.api_token:
            self.web.use_token(str(kept["token"]))  # renewed since MINQING_API_TOKEN was set
        await self.keeper.load_kept()
        await self.keeper.refresh()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._tokens())
                group.create_task(self._prune())
                group.create_task(self._sweep_orphans())
                group.create_task(self.sender.run())
                group.create_task(self.keeper.run())
                group.create_task(self.commands.run())
                group.create_task(self.ari.run())
        finally:
            tasks = list(self.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.web.close()
            await self.ari.close()
            self.spool.close()

    # -- calls ---------------------------------------------------------------------------

    def _stasis_start(self, event: Event) -> None:
        args = event.get("args") or []
        channel = event.get("channel") or {}
        cid = channel.get("id")
        if not cid or not args or args[0] != "inbound":
            log.info("StasisStart of %s (%s) that no call owns: left alone", cid, args)
            return
        if cid in self.calls:
            self.replays_ignored += 1
            return
        call = Call(self, event)
        self.calls[cid] = call
        self.spawn(self._serve(call))

    async def _serve(self, call: Call) -> None:
        first = await self.spool.start_call(call.id, "PUT", f"/calls/{call.id}", call.record_body())
        if first is None:
            # Taken before (this process or an earlier one): a replayed StasisStart.
            self.replays_ignored += 1
            call.release()
            self.calls.pop(call.id, None)
            return
        self.sender.wake()
        stopping = False
        try:
            await self.flow.serve(call)
        except CallerGone:
            pass
        except asyncio.CancelledError:
            # The bridge is stopping, not the call: its record stays open (the channel is
            # Asterisk's; a restarted bridge leaves it alone, as its seen table says).
            stopping = True
            raise
        except Exception:
            log.exception("call %s failed", call.id)
        finally:
            try:
                if not stopping:
                    if not call.gone:
                        await call.hang_up(call.id)
                        call.cause = call.cause or CAUSE_NORMAL
                    await call.put(ended_at=now_iso(), hangup_cause=call.cause, ivr_path=call.path)
            finally:
                call.release()
                self.calls.pop(call.id, None)
                self.finished += 1

    async def _reconnected(self, live: set[str]) -> None:
        """After a reconnect: every channel we follow that Asterisk no longer has ended while
        we were away; its call closes its record (ended now, cause unknown)."""
        gone = [key for key in list(self.ari.routes) if not key.startswith("bridge:")
                and key not in live]  # fmt: skip
        for key in gone:
            queue = self.ari.routes.get(key)
            if queue is not None:
                queue.put_nowait({"type": "_gone", "channel": {"id": key}})
        if gone:
            log.warning("after reconnect: %d channels ended meanwhile", len(gone))
        await self._close_orphans(live)

    async def _close_orphans(self, live: set[str]) -> None:
        """Close the records of calls an earlier run of the bridge took and never finished
        (it stopped mid-call) once Asterisk no longer has their channel: ended when noticed,
        cause unknown. A call still up is left to go on (an agent may be talking on it in
        its bridge) and closed by a later sweep when it has ended."""
        closed = 0
        for channel_id, first in await self.spool.unfinished_calls():
            if channel_id in self.calls or channel_id in live:
                continue
            body = {k: first[k] for k in ("direction", "caller", "called", "started_at")
                    if k in first}  # fmt: skip
            await self.sender.append(
                channel_id, "PUT", f"/calls/{channel_id}", {**body, "ended_at": now_iso()}
            )
            closed += 1
        if closed:
            log.warning("%d calls of an earlier run ended without their record: closed", closed)

    async def _sweep_orphans(self) -> None:
        while True:
            await asyncio.sleep(ORPHAN_SWEEP_SECONDS)
            with contextlib.suppress(Exception):  # no ARI now: the next sweep tries again
                live = await self.ari.request("channels", "list")
                await self._close_orphans({ch.id for ch in live or []})

    # -- recordings -------------------------------------------------------------------------

    async def fetch_recording(self, legs: Legs, name: str, channel_id: str,
                              own_inbox: bool) -> None:  # fmt: skip
        """Wait (≤ 3 s) for the recording to finish, fetch its WAV, spool its upload. Only the
        task that owns `legs` reads its inbox; another task just watches for the name."""

        def finished(event: Event) -> bool:
            return name in legs.recordings_done

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 3
        if own_inbox:
            with contextlib.suppress(CallerGone):
                await Legs.wait(legs, finished, 3)
        while name not in legs.recordings_done and loop.time() < deadline:
            await asyncio.sleep(0.05)
        try:
            wav = await self.ari.stored_recording(name)
        except Exception as exc:  # noqa: BLE001 — a missing recording is logged
            log.warning("recording %s not fetched: %r", name, exc)
            return
        if wav:
            await self.sender.append(channel_id, "PUT", f"/calls/{channel_id}/recording",
                                     data=wav, content_type="audio/wav")  # fmt: skip

    async def upload_recording(self, call: Call, name: str) -> None:
        """The recording of a call's talk with an agent, beside the call's own task."""
        await self.fetch_recording(call, name, call.id, own_inbox=False)
