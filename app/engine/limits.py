"""The limits a diagram's code runs under, set by the app from its settings.

The engine does not read Flask's config: `app/processes/service.py` calls `configure` with the
app's settings before it hands a process to the engine, so a changed setting (or a test's) takes
effect at the next step.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    # Wall-clock time one script or expression may run.
    time_seconds: float = 1.0
    # How much the process may grow while one script or expression runs.
    memory_bytes: int = 64 * MB
    # A .bpmn file larger than this is refused at validate and deploy.
    process_file_max_bytes: int = 1 * MB

    @property
    def max_value_bytes(self) -> int:
        """The largest string or bytes value one operation may build: 1/64 of the memory limit
        (1 MB at 64 MB), so that what one uninterruptible C call builds from it (a list of
        its characters, a tuple per item, its repr) stays within about the memory limit."""
        return self.memory_bytes // 64

    @property
    def max_items(self) -> int:
        """The most items one operation may put in a list, tuple, set or range (1/64 of the
        memory limit: 1,048,576 at 64 MB), for the same reason."""
        return self.memory_bytes // 64


# Integers: CPU, not memory, is the cost (multiplying huge integers is one uninterruptible C
# call), and no routing value needs more than a few dozen digits. 100,000 bits is ~30,000 digits.
MAX_INT_BITS = 100_000

_current = Limits()


def current() -> Limits:
    return _current


def configure(
    time_seconds: float | None = None,
    memory_mb: float | None = None,
    process_file_max_bytes: int | None = None,
) -> Limits:
    """Set the limits (None keeps a value). Cheap when nothing changes: called once per step."""
    global _current
    new = Limits(
        time_seconds=_current.time_seconds if time_seconds is None else float(time_seconds),
        memory_bytes=_current.memory_bytes if memory_mb is None else int(memory_mb * MB),
        process_file_max_bytes=(
            _current.process_file_max_bytes
            if process_file_max_bytes is None
            else int(process_file_max_bytes)
        ),
    )
    if new != _current:
        _current = new
    return _current
