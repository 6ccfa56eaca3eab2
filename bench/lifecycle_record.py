"""Lifecycle benchmark: what a run records, per action, and its percentiles."""

from __future__ import annotations

from collections import defaultdict


class Recorder:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.steps = 0
        self.retries = 0

    def add(self, action: str, seconds: float) -> None:
        self.lat[action].append(seconds)
        self.steps += 1

    def merge(self, other: dict) -> None:
        for k, v in other["lat"].items():
            self.lat[k].extend(v)
        self.steps += other["steps"]
        self.retries += other["retries"]

    def dump(self) -> dict:
        return {"lat": dict(self.lat), "steps": self.steps, "retries": self.retries}

    def all(self) -> list[float]:
        return [x for v in self.lat.values() for x in v]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]
