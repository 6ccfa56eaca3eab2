"""The web app's telephony config as the bridge uses it: the IVR menu tree, the service
hours and calendar, the blacklist, the queue settings. Polled with its ETag every few seconds
(a changed menu reaches the next call without a restart) and kept in the spool, so calls are
served from the last known config while the web app is down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ari_bridge.spool import Spool
from ari_bridge.webapp import Unavailable, WebApp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Config:
    doc: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.doc.get("version", ""))

    @property
    def root(self) -> str:
        return str(self.doc.get("menu", {}).get("root", "main"))

    def menu(self, menu_id: str) -> dict[str, Any] | None:
        menus = self.doc.get("menu", {}).get("menus", {})
        found = menus.get(menu_id)
        return found if isinstance(found, dict) else None

    def _int(self, name: str, default: int) -> int:
        value = self.doc.get(name, default)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    @property
    def max_invalid(self) -> int:
        return max(1, self._int("max_invalid", 3))

    @property
    def operator_group(self) -> str:
        return str(self.doc.get("operator_group") or "general")

    @property
    def ring_seconds(self) -> int:
        return max(1, self._int("ring_seconds", 15))

    @property
    def position_every_seconds(self) -> int:
        return max(1, self._int("position_every_seconds", 30))

    @property
    def dial_template(self) -> str:
        return str(self.doc.get("dial_template") or "PJSIP/{number}@hotline-trunk")

    @property
    def survey(self) -> bool:
        return bool(self.doc.get("survey", True))

    def dial(self, number: str) -> str:
        return self.dial_template.replace("{number}", number)

    def blacklisted(self, number: str) -> dict[str, Any] | None:
        for entry in self.doc.get("blacklist") or []:
            if isinstance(entry, dict) and entry.get("number") == number:
                return entry
        return None

    def schedule(self) -> dict[str, Any]:
        found = self.doc.get("schedule")
        return found if isinstance(found, dict) else {}

    def local_now(self, now_utc: datetime | None = None) -> datetime:
        now_utc = now_utc or datetime.now(UTC)
        offset = timedelta(minutes=self._int("utc_offset_minutes", 480))
        return (now_utc.astimezone(UTC) + offset).replace(tzinfo=None)

    def day_kind(self, day: date) -> str:
        kind = (self.doc.get("calendar") or {}).get(day.isoformat())
        if kind in ("working", "rest"):
            return str(kind)
        return "rest" if day.weekday() >= 5 else "working"

    def is_open(self, now_utc: datetime | None = None) -> bool:
        """Within service hours: the local time falls in one of the day kind's ranges. A
        config without a schedule is open all the time."""
        schedule = self.schedule()
        if not schedule:
            return True
        local = self.local_now(now_utc)
        ranges = schedule.get("working_days" if self.day_kind(local.date()) == "working"
                              else "rest_days") or []  # fmt: skip
        minute = local.hour * 60 + local.minute
        for pair in ranges:
            try:
                start, end = _minutes(pair[0]), _minutes(pair[1])  # "24:00" is the day's end
            except (TypeError, ValueError, IndexError, AttributeError):
                continue
            if start <= minute < end:
                return True
        return False


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class ConfigKeeper:
    """The current config: the last one the web app sent, else the one kept in the spool."""

    def __init__(self, web: WebApp, spool: Spool, every: float) -> None:
        self.web = web
        self.spool = spool
        self.every = every
        self.current: Config | None = None
        self.etag: str | None = None
        self.reachable = False
        self.loaded = asyncio.Event()

    async def load_kept(self) -> None:
        kept = await self.spool.kept("config")
        if isinstance(kept, dict) and isinstance(kept.get("doc"), dict):
            self.current = Config(kept["doc"])
            self.etag = kept.get("etag")
            self.loaded.set()

    async def refresh(self) -> bool:
        """One poll; True when a new config was taken."""
        try:
            status, etag, doc = await self.web.config(self.etag)
        except Unavailable as exc:
            if self.reachable:
                log.warning("config: web app unreachable, keeping version %s: %s",
                            self.current.version if self.current else None, exc)  # fmt: skip
            self.reachable = False
            return False
        self.reachable = True
        if status == 304 or not isinstance(doc, dict):
            return False
        self.current = Config(doc)
        self.etag = etag
        await self.spool.keep("config", {"doc": doc, "etag": etag})
        self.loaded.set()
        log.info("config: version %s", self.current.version)
        return True

    async def run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.every)
