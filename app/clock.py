"""The one clock deadlines, the scheduler and the engine read; tests move it."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        # Naive local time: the hotline runs in one city's time zone.
        return self._frozen if self._frozen is not None else datetime.now().replace(microsecond=0)

    def freeze(self, at: datetime) -> None:
        self._frozen = at

    def advance(self, **delta: float) -> datetime:
        self._frozen = self.now() + timedelta(**delta)
        return self._frozen

    def unfreeze(self) -> None:
        self._frozen = None


clock = Clock()
