"""The inbound call flow: blacklist, service hours, the IVR menu, and the menu's actions
(voicemail, status query, announcement, transfer; queues are in acd.py).

The sounds the bridge plays of its own (Asterisk sound names under `minqing/`, besides the
menu's prompts and `digits/0`..`digits/9`) are the constants below; the README lists them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ari_bridge.call import CAUSE_REJECTED, Call, CallerGone, now_iso
from ari_bridge.config import Config
from ari_bridge.webapp import Unavailable

if TYPE_CHECKING:
    from ari_bridge.service import Service

log = logging.getLogger(__name__)

INVALID = "minqing/invalid"  # "that key is not in the menu"
BLOCKED = "minqing/blocked"  # a blacklisted number's default message
UNAVAILABLE = "minqing/unavailable"  # no config yet / the web app cannot answer
GOODBYE = "minqing/goodbye"
VOICEMAIL = "minqing/voicemail"  # "leave your message after the beep, # to end"
YOUR_CASE_NUMBER = "minqing/your-case-number"  # followed by the digits
YOUR_QUERY_PASSWORD = "minqing/your-query-password"  # followed by the digits
VOICEMAIL_RECEIVED = "minqing/voicemail-received"  # when the number is not known in time
NOTHING_RECORDED = "minqing/nothing-recorded"
ENTER_CASE_NUMBER = "minqing/enter-case-number"  # "... then #"
ENTER_PASSWORD = "minqing/enter-password"  # 6 digits
CASE_STATUS = "minqing/case-status"  # "the case's status is", then minqing/status-<status>
CASE_NOT_FOUND = "minqing/case-not-found"
TOO_MANY_ATTEMPTS = "minqing/too-many-attempts"
TRANSFER_FAILED = "minqing/transfer-failed"

MAX_VOICEMAIL_SECONDS = 120
DIGIT_TIMEOUT = 8.0


def digits(text: str) -> list[str]:
    return [f"digits/{ch}" for ch in text if ch.isdigit()]


def status_sound(status: str) -> str:
    return "minqing/status-" + "".join(ch for ch in status if ch.isalnum() or ch in "_-")


class Flow:
    def __init__(self, service: Service) -> None:
        self.svc = service

    async def serve(self, call: Call) -> None:
        config = self.svc.keeper.current
        entry = config.blacklisted(call.caller) if config else None
        if entry is not None and entry.get("action") == "refuse":
            # Refused before it is answered: the caller hears "call rejected" (cause 21).
            call.cause = CAUSE_REJECTED
            await call.hang_up(call.id, reason="rejected")
            call.gone = True
            return
        await call.answer()
        if config is None:
            await call.play(UNAVAILABLE)
            return
        if entry is not None:
            await call.play(str(entry.get("sound") or BLOCKED))
            return
        if not config.is_open():
            schedule = config.schedule()
            await call.play(str(schedule.get("closed_prompt") or "minqing/closed"))
            if schedule.get("closed_action", "voicemail") == "voicemail":
                await self.voicemail(call)
            return
        await self.menu(call, config)

    async def menu(self, call: Call, config: Config) -> None:
        menu_id = config.root
        misses = 0
        while True:
            menu = config.menu(menu_id)
            if menu is None:
                log.error("config %s: no menu %r", config.version, menu_id)
                await self.svc.acd.queue(call, config, config.operator_group)
                return
            await call.play(str(menu.get("prompt", "")), interruptible=True)
            timeout = menu.get("timeout_seconds", 6)
            key = await call.digit(float(timeout) if isinstance(timeout, int | float) else 6.0)
            options = menu.get("options") or {}
            option = options.get(key) if key is not None else None
            if not isinstance(option, dict):
                misses += 1
                if misses >= config.max_invalid:
                    await self.svc.acd.queue(call, config, config.operator_group)
                    return
                await call.play(INVALID)
                continue
            misses = 0
            call.ivr_path.append(str(key))
            next_menu = await self.act(call, config, option)
            if next_menu is None:
                return
            menu_id = next_menu

    async def act(self, call: Call, config: Config, option: dict[str, Any]) -> str | None:
        """Carry out a menu option; the menu to go on with, or None when the call is done."""
        action = option.get("action")
        if action == "menu":
            return str(option.get("menu"))
        if action == "queue":
            await self.svc.acd.queue(call, config, str(option.get("group")))
        elif action == "voicemail":
            await self.voicemail(call)
        elif action == "status":
            await self.status(call)
        elif action == "announcement":
            await call.play(str(option.get("sound", "")))
            nxt = option.get("next")
            if nxt:
                return str(nxt)
            await call.play(GOODBYE)
        elif action == "transfer":
            await self.transfer(call, config, str(option.get("number", "")))
        else:
            log.error("config %s: unknown action %r", config.version, action)
            await self.svc.acd.queue(call, config, config.operator_group)
        return None

    async def voicemail(self, call: Call) -> None:
        """The mayor's mailbox: record, make a case through the spool, tell the number."""
        await call.play(VOICEMAIL)
        name = f"voicemail-{call.id}"
        recorded_at = now_iso()
        finished = await call.record(name, MAX_VOICEMAIL_SECONDS)
        duration = finished.get("recording", {}).get("duration") if finished else None
        try:
            wav = await self.svc.ari.stored_recording(name) if finished else None
        except Exception as exc:  # noqa: BLE001 — a lost recording is told, not a crash
            log.warning("voicemail %s: recording not fetched: %r", call.id, exc)
            wav = None
        if not wav:
            if not call.gone:
                await call.play(NOTHING_RECORDED)
            return
        fields = {"channel_id": call.id, "caller": call.caller, "recorded_at": recorded_at,
                  "duration_seconds": int(duration or 0)}  # fmt: skip
        seq = await self.svc.sender.append(
            call.id, "POST", "/voicemails", fields,
            data=wav, file_field="recording", content_type="audio/wav",
        )  # fmt: skip
        if call.gone:
            return
        answer = await self.svc.sender.outcome(seq, self.svc.settings.voicemail_wait)
        body = answer.body if answer and isinstance(answer.body, dict) else {}
        if body.get("number"):
            await call.play(YOUR_CASE_NUMBER)
            await call.play_all(digits(str(body["number"])))
            if body.get("query_password"):
                # The case's query password, for the status query by keypad later.
                await call.play(YOUR_QUERY_PASSWORD)
                await call.play_all(digits(str(body["query_password"])))
        else:
            await call.play(VOICEMAIL_RECEIVED)
        await call.play(GOODBYE)

    async def status(self, call: Call) -> None:
        """Case status by keypad: the case number then #, the 6-digit password."""
        await call.play(ENTER_CASE_NUMBER, interruptible=True)
        number = await call.collect(20, DIGIT_TIMEOUT)
        await call.play(ENTER_PASSWORD, interruptible=True)
        password = await call.collect(6, DIGIT_TIMEOUT)
        try:
            answer = await self.svc.web.status_query(number, password, call.caller)
        except Unavailable:
            await call.play(UNAVAILABLE)
            return
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status == 200 and body.get("status"):
            await call.play(CASE_STATUS)
            await call.play(status_sound(str(body["status"])))
        elif answer.status == 429:
            await call.play(TOO_MANY_ATTEMPTS)
        else:
            await call.play(CASE_NOT_FOUND)
        await call.play(GOODBYE)

    async def transfer(self, call: Call, config: Config, number: str) -> None:
        """Transfer to an outside number: ring it through dial_template, bridge the two."""
        leg = await call.originate(config.dial(number), f"transfer,{call.id}",
                                   config.ring_seconds, caller_id=call.caller)  # fmt: skip
        if not await call.answered(leg, config.ring_seconds):
            await call.play(TRANSFER_FAILED)
            return
        bridge = await call.new_bridge([call.id, leg])
        try:
            await call.wait(lambda event: leg in call.gone_legs, None)
        except CallerGone:
            await call.hang_up(leg)
            raise
        finally:
            await call.destroy(bridge)
