"""Commands from the web pages (GET /commands long poll): callback (回访电话), conference
(三方通话) and transfer (转接). Each runs in its own task; its result goes through the spool
(POST /commands/<id>/result, idempotent by command id)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ari_bridge.call import Legs, channel_of, now_iso
from ari_bridge.webapp import Unavailable

if TYPE_CHECKING:
    from ari_bridge.service import Service

log = logging.getLogger(__name__)

CALLBACK_CONNECTING = "minqing/callback-connecting"  # the clerk hears it while the citizen rings
CALLBACK_NO_ANSWER = "minqing/callback-no-answer"  # to the clerk: no answer


class Commands:
    def __init__(self, service: Service) -> None:
        self.svc = service
        self.running: set[str] = set()

    async def run(self) -> None:
        delay = self.svc.settings.backoff_min
        while True:
            try:
                commands = await self.svc.web.commands(self.svc.settings.command_wait)
                delay = self.svc.settings.backoff_min
            except Unavailable as exc:
                log.info("commands: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.svc.settings.backoff_max)
                continue
            if not commands and self.svc.settings.command_wait < 1:
                await asyncio.sleep(0.2)  # a short poll (tests): not a busy loop
            for command in commands:
                cid = str(command.get("id"))
                if cid in self.running:
                    continue  # offered again while we still carry it out
                self.running.add(cid)
                self.svc.spawn(self._carry_out(command))

    async def _carry_out(self, command: dict[str, Any]) -> None:
        try:
            kind = command.get("kind")
            if kind == "callback":
                await self.callback(command)
            elif kind in ("conference", "transfer"):
                await self.into_call(command)
            else:
                await self.result(command, "failed")
        except Exception:
            log.exception("command %s failed", command.get("id"))
            await self.result(command, "failed")
        finally:
            self.running.discard(str(command.get("id")))

    async def result(self, command: dict[str, Any], outcome: str, **extra: Any) -> None:
        body: dict[str, Any] = {"outcome": outcome}
        body.update({k: v for k, v in extra.items() if v is not None})
        cid = command.get("id")
        await self.svc.sender.append(f"command:{cid}", "POST", f"/commands/{cid}/result", body)

    async def into_call(self, command: dict[str, Any]) -> None:
        call = self.svc.calls.get(str(command.get("channel_id")))
        if call is None or call.bridge is None:
            await self.result(command, "failed", channel_id=command.get("channel_id"))
            return
        if command.get("kind") == "transfer":
            call.inbox.put_nowait({"type": "_command", "command": command})
            return
        config = self.svc.keeper.current
        if config is None:
            await self.result(command, "failed")
            return
        legs = Legs(self.svc, f"conf{command.get('id')}")
        try:
            leg = await legs.originate(config.dial(str(command.get("target_number"))),
                                       f"conference,{command.get('id')}",
                                       config.ring_seconds)  # fmt: skip
            if not await legs.answered(leg, config.ring_seconds):
                await self.result(command, "no_answer", channel_id=call.id)
                return
            bridge = call.bridge
            if bridge is None or call.gone:
                await legs.hang_up(leg)
                await self.result(command, "failed", channel_id=call.id)
                return
            # The call's task follows the new leg from here (it hangs up with the call).
            legs.owned.discard(leg)
            call.own(leg)
            await legs.add_to(bridge, leg)
            call.inbox.put_nowait({"type": "_command", "command": command, "leg": leg})
            await self.result(command, "done", channel_id=call.id)
        finally:
            legs.release()

    async def callback(self, command: dict[str, Any]) -> None:
        """Ring the clerk's phone, then the citizen; bridge them; record the call."""
        config = self.svc.keeper.current
        if config is None:
            await self.result(command, "failed")
            return
        cid = command.get("id")
        legs = Legs(self.svc, f"cb{cid}")
        clerk_endpoint = str(command.get("clerk_endpoint"))
        citizen = str(command.get("citizen_number"))
        try:
            clerk = await legs.originate(clerk_endpoint, f"callback,{cid}", config.ring_seconds)
            if not await legs.answered(clerk, config.ring_seconds):
                await self.result(command, "no_answer")
                return
            started = now_iso()
            await legs.play_on(clerk, CALLBACK_CONNECTING)
            other = await legs.originate(config.dial(citizen), f"callback-citizen,{cid}",
                                         config.ring_seconds)  # fmt: skip
            # No caller: the clerk's phone is an endpoint, not a calling number.
            record = {"direction": "callback", "called": citizen[:40], "started_at": started,
                      "case_id": command.get("case_id")}  # fmt: skip
            if command.get("clerk"):
                record["agent"] = str(command["clerk"])  # who placed the call
            if not await legs.answered(other, config.ring_seconds):
                await self.svc.sender.append(other, "PUT", f"/calls/{other}",
                                             {**record, "ended_at": now_iso()})  # fmt: skip
                if clerk not in legs.gone_legs:
                    await legs.play_on(clerk, CALLBACK_NO_ANSWER)
                    await asyncio.sleep(1)
                await self.result(command, "no_answer", channel_id=other)
                return
            answered_at = asyncio.get_running_loop().time()
            record["answered_at"] = now_iso()
            await self.svc.sender.append(other, "PUT", f"/calls/{other}", record)
            bridge = await legs.new_bridge([clerk, other])
            recording = f"callback-{other}"
            recorded = await legs.record_bridge(bridge, recording)
            await legs.wait(lambda e: channel_of(e) in legs.gone_legs, None)
            talk = int(asyncio.get_running_loop().time() - answered_at)
            for leg in (clerk, other):
                await legs.hang_up(leg)
            await legs.destroy(bridge)
            await self.svc.sender.append(other, "PUT", f"/calls/{other}",
                                         {**record, "ended_at": now_iso(),
                                          "hangup_cause": 16})  # fmt: skip
            if recorded:
                await self.svc.fetch_recording(legs, recording, other, own_inbox=True)
            await self.result(command, "answered", talk_seconds=talk, channel_id=other)
        finally:
            for leg in list(legs.owned):
                if not leg.startswith("bridge:"):
                    await legs.hang_up(leg)
            legs.release()
