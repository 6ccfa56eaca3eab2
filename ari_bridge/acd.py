"""Queues by skill group (ACD): a first-in first-out line of waiting callers per group, kept
in this process. Only the head of a line asks the web app for an agent (POST
/queues/<code>/offer, again every second while no agent is ready), so the longest waiting
caller gets the next agent; the web app picks the agent (level, longest idle) and makes them
busy. The agent's phone rings into our app (appArgs `agent,<caller channel>`); answered, the
two are bridged and recorded; not answered, the agent is reported (they go away) and the
next agent is asked for. When the agent hangs up, the caller hears the satisfaction survey.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ari_bridge.ari import AriError
from ari_bridge.call import Call, CallerGone, channel_of, now_iso
from ari_bridge.config import Config
from ari_bridge.webapp import Unavailable, error_code

if TYPE_CHECKING:
    from ari_bridge.service import Service

log = logging.getLogger(__name__)

YOU_ARE_NUMBER = "minqing/you-are-number"  # followed by the digits of the position
PLEASE_WAIT = "minqing/please-wait"  # on entering the queue
SURVEY = "minqing/survey"  # "press 1 satisfied, 2 basically satisfied, 3 unsatisfied"
THANKS = "minqing/thanks"
TRANSFERRING = "minqing/transferring"
OFFER_EVERY = 1.0
REQUEUE = "\0requeue"  # _talk: the agent was gone before the bridge, queue again


@dataclass
class Waiting:
    call: Call
    group: str
    joined: float = field(default_factory=lambda: asyncio.get_running_loop().time())


class Acd:
    def __init__(self, service: Service) -> None:
        self.svc = service
        self.lines: dict[str, list[Waiting]] = {}

    def position(self, entry: Waiting) -> int:
        line = self.lines.get(entry.group, [])
        return line.index(entry) + 1 if entry in line else 0

    def _leave(self, entry: Waiting) -> None:
        line = self.lines.get(entry.group, [])
        if entry in line:
            line.remove(entry)

    async def queue(self, call: Call, config: Config, group: str) -> None:
        """Queue the caller to a group until an agent talks with them (or they hang up)."""
        excluded: list[str] = []  # after a transfer: not the agent who transferred
        while True:
            outcome = await self._wait_for_agent(call, config, group, excluded)
            if outcome is None:
                return
            leg, agent = outcome
            transfer_to = await self._talk(call, config, group, leg, agent)
            if transfer_to is None:
                return
            if transfer_to is not REQUEUE:
                await call.play(TRANSFERRING)
                group = transfer_to
                excluded = [agent]

    async def _wait_for_agent(self, call: Call, config: Config, group: str,
                              excluded: list[str]) -> tuple[str, str] | None:  # fmt: skip
        await call.put(queued_at=now_iso(), skill_group=group, ivr_path=call.path)
        entry = Waiting(call, group)
        line = self.lines.setdefault(group, [])
        line.append(entry)
        excluded = list(excluded)
        loop = asyncio.get_running_loop()
        try:
            await call.play(PLEASE_WAIT)
            await self._hold(call)
            announce_at = loop.time() + config.position_every_seconds
            while True:
                if line and line[0] is entry:
                    try:
                        answer = await self.svc.web.offer(group, call.id, call.caller, excluded)
                    except Unavailable:
                        log.warning("queue %s: web app down, %s goes to voicemail", group, call.id)
                        self._leave(entry)
                        await self._unhold(call)
                        await self.svc.flow.voicemail(call)
                        return None
                    body = answer.body if isinstance(answer.body, dict) else {}
                    if answer.status == 200 and body.get("agent"):
                        log.info("queue %s: %s offered to %s at %s", group, call.id,
                                 body.get("agent"), body.get("endpoint"))  # fmt: skip
                        self._leave(entry)
                        leg = await self._ring(call, config, body)
                        if leg is not None:
                            return leg, str(body["agent"])
                        excluded.append(str(body["agent"]))
                        try:
                            await self.svc.web.no_answer(str(body["agent"]), call.id)
                        except Unavailable:
                            log.warning("no-answer of %s not reported", body["agent"])
                        line.insert(0, entry)  # still the longest waiting: first again
                        await self._hold(call)
                        continue
                    if answer.status == 404 or error_code(body) == "unknown_skill_group":
                        if group == config.operator_group:
                            self._leave(entry)
                            await self._unhold(call)
                            await self.svc.flow.voicemail(call)
                            return None
                        log.error("queue %s unknown: %s to the operators", group, call.id)
                        self._leave(entry)
                        group = entry.group = config.operator_group
                        line = self.lines.setdefault(group, [])
                        line.append(entry)
                        continue
                await call.wait(
                    lambda event: False, min(OFFER_EVERY, max(0.05, announce_at - loop.time()))
                )
                if loop.time() >= announce_at:
                    await self._unhold(call)
                    await call.play(YOU_ARE_NUMBER)
                    await call.play_all([f"digits/{d}" for d in str(self.position(entry))])
                    await self._hold(call)
                    announce_at = loop.time() + config.position_every_seconds
        finally:
            self._leave(entry)

    async def _hold(self, call: Call) -> None:
        try:
            await call.req("channels", "startMoh", channelId=call.id)
        except CallerGone:
            raise
        except Exception as exc:  # noqa: BLE001 — music is a nicety; the caller still waits
            log.info("music on hold for %s: %r", call.id, exc)

    async def _unhold(self, call: Call) -> None:
        if call.gone:
            return
        try:
            await call.req("channels", "stopMoh", channelId=call.id)
        except CallerGone:
            raise
        except Exception as exc:  # noqa: BLE001
            log.info("music off for %s: %r", call.id, exc)

    async def _ring(self, call: Call, config: Config, offer: dict[str, Any]) -> str | None:
        """Ring the offered agent's phone; its channel when answered, None otherwise."""
        ring = int(offer.get("ring_seconds") or config.ring_seconds)
        leg = await call.originate(str(offer.get("endpoint")), f"agent,{call.id}", ring,
                                   caller_id=call.caller)  # fmt: skip
        try:
            if await call.answered(leg, ring):
                return leg
        except CallerGone:
            await call.hang_up(leg)
            raise
        return None

    async def _talk(self, call: Call, config: Config, group: str, leg: str,
                    agent: str) -> str | None:  # fmt: skip
        """The caller and the agent in a recorded bridge until one hangs up; the group to
        transfer the caller to when a transfer command came, else None."""
        await self._unhold(call)
        try:
            bridge = await call.new_bridge([call.id, leg])
        except AriError as exc:
            # A leg vanished before it was bridged: the caller (then this raises CallerGone)
            # or the agent, who hung up as soon as they answered: the caller waits on, first.
            log.info("bridging %s with %s: %s", call.id, leg, exc)
            await call.wait(lambda event: False, 0.3)
            await call.hang_up(leg)
            return REQUEUE
        call.bridge, call.agent_leg = bridge, leg
        recording = f"call-{call.id}"
        recorded = await call.record_bridge(bridge, recording)
        await call.put(answered_at=now_iso(), agent=agent, skill_group=group, ivr_path=call.path)
        extra: set[str] = set()  # conference legs brought in
        transfer_to: str | None = None
        try:
            while True:
                event = await call.wait(
                    lambda e: (
                        e.get("type") == "_command"
                        or channel_of(e) in ({leg} | extra)
                        and channel_of(e) in call.gone_legs
                    ),
                    None,
                )
                assert event is not None
                if event.get("type") == "_command":
                    command = event["command"]
                    if command.get("kind") == "transfer":
                        transfer_to = str(command.get("group"))
                        await self.svc.commands.result(command, "done", channel_id=call.id)
                        break
                    if command.get("kind") == "conference":
                        added = event.get("leg")
                        if added:
                            extra.add(str(added))
                            if command.get("leave"):
                                await call.hang_up(leg)
                        continue
                    continue
                live = {x for x in {leg} | extra if x not in call.gone_legs}
                if not live:
                    break
        except CallerGone:
            for x in {leg} | extra:
                await call.hang_up(x)
            raise
        finally:
            call.bridge = call.agent_leg = None
            await call.remove_from(bridge, call.id) if not call.gone else None
            for x in {leg} | extra:
                await call.hang_up(x)
            await call.destroy(bridge)
            if recorded:
                self.svc.spawn(self.svc.upload_recording(call, recording))
        if transfer_to is not None:
            return transfer_to
        if config.survey:
            await self.survey(call)
        return None

    async def survey(self, call: Call) -> None:
        """1 satisfied, 2 basically satisfied, 3 unsatisfied; one re-prompt on a wrong key."""
        call.digits.clear()  # keys pressed while talking are not survey answers
        for attempt in range(2):
            await call.play(SURVEY, interruptible=True)
            key = await call.digit(8.0)
            if key in ("1", "2", "3"):
                await call.put(satisfaction=int(key))
                await call.play(THANKS)
                return
            if attempt == 0:
                await call.play("minqing/invalid")
