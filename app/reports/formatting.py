"""How every output (page, PDF, CSV, XLSX) writes a report's numbers."""

from __future__ import annotations

import math
from typing import Any

DASH = "—"


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_cell(kind: str, value: Any) -> str:
    """A count as an integer, a rate as a percentage with one decimal, an average of seconds
    with one decimal, a count's (or an average's) change as a signed percentage, a rate's
    change in percentage points; "—" when there is no number."""
    try:
        if missing(value) or (kind != "text" and value != value):
            return DASH
    except TypeError:
        pass
    if kind == "text":
        return str(value)
    if kind == "count":
        return str(int(value))
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "seconds":  # an average duration; the label says "(秒)"
        return f"{float(value):.1f}"
    if kind in ("change_count", "change_seconds"):
        return f"{float(value) * 100:+.1f}%"
    if kind == "change_rate":
        return f"{float(value) * 100:+.1f}pp"
    return str(value)
