"""Charts as SVG on the server: the ECharts options the report page draws in the browser, drawn
by ECharts itself in Node (ssr/render_svg.mjs), so a PDF needs no browser and shows the same
chart as the page.

One Node process per call, for all the charts of a report: starting Node and importing echarts
is most of the cost (about half a second), each chart a few milliseconds more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from flask import current_app

SCRIPT = Path(__file__).with_name("ssr") / "render_svg.mjs"
# The font the charts' text asks for: the CJK font the PDF embeds (fonts-noto-cjk).
FONT_FAMILY = "Noto Sans CJK SC"


class ChartRenderError(RuntimeError):
    """Node or echarts missing, or the renderer failed: the PDF cannot be drawn."""


def node_binary() -> str:
    configured = current_app.config.get("NODE_BINARY") or ""
    found = configured or shutil.which("node")
    if not found:
        raise ChartRenderError("Node.js not found (system package nodejs; or set NODE_BINARY)")
    return found


def with_font(option: dict[str, Any]) -> dict[str, Any]:
    """The option with the CJK font as its default text style (the page's keeps the browser's)."""
    style = {"fontFamily": FONT_FAMILY, **option.get("textStyle", {})}
    return {**option, "textStyle": style}


def render(options: list[dict[str, Any]], width: int = 720, height: int = 320) -> list[str]:
    """One SVG document per ECharts option, in order."""
    if not options:
        return []
    request = {
        "charts": [{"option": with_font(o), "width": width, "height": height} for o in options]
    }
    timeout = float(current_app.config.get("CHART_RENDER_TIMEOUT_SECONDS", 60))
    try:
        done = subprocess.run(  # noqa: S603 - our own script, the options as data on stdin
            [node_binary(), str(SCRIPT)],
            input=json.dumps(request, ensure_ascii=False, default=str).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
            cwd=str(SCRIPT.parent),
        )
    except subprocess.TimeoutExpired as exc:
        raise ChartRenderError(f"chart renderer took over {timeout:.0f} s") from exc
    except OSError as exc:  # NODE_BINARY names nothing runnable
        raise ChartRenderError(f"cannot run Node.js: {exc.strerror}") from exc
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise ChartRenderError("chart renderer failed: " + " / ".join(tail))
    svgs = json.loads(done.stdout)["svgs"]
    if len(svgs) != len(options):
        raise ChartRenderError("chart renderer returned a wrong number of charts")
    return [str(s) for s in svgs]
