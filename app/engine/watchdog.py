"""Stop a diagram's code that runs too long or grows the process too much.

While a script or expression runs, a `sys.settrace` tracer (installed only around that call,
the previous tracer restored after) sees the line events of the diagram's own frames (code
compiled under SCRIPT_FILENAME), so a `while True: pass`, a recursion storm or a generator fed
to `sum()` stops at its next line after the deadline. Every millisecond of script time it also
reads the process's resident size and stops the script when it grew past the memory limit.

Single C-level operations (`'x' * 10**10`, `10**10**8`) see no line event; the guards in
guards.py refuse those before they run.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from time import monotonic
from types import FrameType
from typing import TYPE_CHECKING, Any

from app.engine import limits

if TYPE_CHECKING:
    from _typeshed import TraceFunction  # what sys.settrace takes

SCRIPT_FILENAME = "<diagram script>"
SAMPLE_SECONDS = 0.001


class ScriptLimitExceeded(Exception):
    """A diagram's code went past a time, memory or size limit."""

    def __init__(self, kind: str, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.line = kind, reason, line


def _rss_reader() -> Callable[[], int]:
    """The process's resident set size in bytes: /proc/self/statm on Linux (one pread on a
    descriptor kept open, ~2 µs), else the peak RSS from getrusage."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024

        def peak() -> int:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale

        return peak
    page = os.sysconf("SC_PAGE_SIZE")

    def resident() -> int:
        return int(os.pread(fd, 64, 0).split()[1]) * page

    return resident


rss = _rss_reader()
_local = threading.local()


class Watchdog:
    """One run of a diagram's code. Use as a context manager around the call."""

    __slots__ = ("deadline", "limit", "next_sample", "baseline", "memory_bytes", "previous")

    def __init__(self) -> None:
        current = limits.current()
        self.limit = current.time_seconds
        self.memory_bytes = current.memory_bytes
        now = monotonic()
        self.deadline = now + self.limit
        self.next_sample = now + SAMPLE_SECONDS
        self.baseline = rss()
        self.previous: tuple[Any, Watchdog | None] | None = None

    def __enter__(self) -> Watchdog:
        self.previous = (sys.gettrace(), getattr(_local, "watchdog", None))
        _local.watchdog = self
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.previous is not None  # set by __enter__
        tracer, outer = self.previous
        sys.settrace(tracer)
        _local.watchdog = outer

    def _call(self, frame: FrameType, event: str, arg: object) -> TraceFunction | None:
        # Called for every new Python frame while tracing: trace only the diagram's own.
        if frame.f_code.co_filename != SCRIPT_FILENAME:
            return None
        self.check(frame)
        return self._line

    def _line(self, frame: FrameType, event: str, arg: object) -> TraceFunction | None:
        self.check(frame)
        return self._line

    def check(self, frame: FrameType | None = None) -> None:
        """`frame`: the diagram's frame running now, whose line the error names (an error
        raised in a tracer does not always leave that frame in its traceback)."""
        now = monotonic()
        if now > self.deadline:
            raise ScriptLimitExceeded(
                "time",
                f"the code ran longer than the time limit ({self.limit:g} s)",
                frame.f_lineno if frame is not None else None,
            )
        if now >= self.next_sample:
            self.next_sample = now + SAMPLE_SECONDS
            grown = rss() - self.baseline
            if grown > self.memory_bytes:
                raise ScriptLimitExceeded(
                    "memory",
                    f"the code grew the process by {grown // limits.MB:,} MB, past the memory "
                    f"limit ({self.memory_bytes // limits.MB:,} MB)",
                    frame.f_lineno if frame is not None else None,
                )


def check() -> None:
    """For the guards' own loops (not traced): stop when the running script is out of time."""
    watchdog = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.check()


def tick() -> None:
    """Called by the diagram's code at every pass of a loop (compiler._Rewrite)."""
    watchdog = getattr(_local, "watchdog", None)
    if watchdog is not None:
        caller = sys._getframe(1)
        watchdog.check(caller if caller.f_code.co_filename == SCRIPT_FILENAME else None)
