"""ECharts options from a chart spec and its table: a pure function, so that the page (ECharts
in the browser) and the PDF (the same option rendered server-side as SVG) draw the same chart."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from app.reports.engine import TOTAL_KEY
from app.reports.result import ChartSpec

# The hotline's palette, readable in print as well as on screen.
PALETTE = ["#1f5fa8", "#e07b24", "#2e8b57", "#b03a48", "#6b4fa0", "#4d8fa6"]


def _value(kind: str, v: Any) -> float | int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return None  # a gap, never a zero
    if kind == "rate":
        return round(float(v) * 100, 1)
    if kind == "seconds":
        return round(float(v), 1)
    return int(v)


def chart_option(spec: ChartSpec, frame: pd.DataFrame, locale: str = "zh") -> dict[str, Any]:
    """The ECharts option (plain JSON data) of the chart over its table's rows, the total row
    left out; rates in percent. Only data: no functions, so it survives JSON and SVG alike."""
    en = locale.startswith("en")
    keys = frame[f"{spec.dimension}_key"]
    rows = frame.loc[
        keys.map(lambda k: not (isinstance(k, str) and k == TOTAL_KEY)).astype(bool).to_numpy()
    ]
    categories = [str(x) for x in rows[spec.dimension]]
    has_rate = any(spec.kinds[m] == "rate" for m in spec.measures)
    has_count = any(spec.kinds[m] != "rate" for m in spec.measures)
    y_axes: list[dict[str, Any]] = []
    if has_count:
        y_axes.append({"type": "value", "minInterval": 1})
    if has_rate:
        y_axes.append({"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}})
    series = []
    for m in spec.measures:
        kind = spec.kinds[m]
        label = spec.labels[m]
        series.append(
            {
                "name": label.en if en else label.zh,
                "type": spec.type,
                "data": [_value(kind, v) for v in rows[m]],
                "yAxisIndex": 1 if (kind == "rate" and has_count) else 0,
                **({"connectNulls": False} if spec.type == "line" else {}),
            }
        )
    return {
        "animation": False,
        "color": PALETTE,
        "title": {"text": spec.title.en if en else spec.title.zh, "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 48, "top": 48, "bottom": 64, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": categories,
            "axisLabel": {
                "interval": 0 if len(categories) <= 12 else "auto",
                "rotate": 30 if len(categories) > 6 else 0,
            },
        },
        "yAxis": y_axes if len(y_axes) > 1 else y_axes[0],
        "series": series,
    }
