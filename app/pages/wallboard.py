"""The live wallboard page (大屏) for the hall: full screen, large type, Chinese first.

Routes (the oversight office, administrators, the city centre's dispatchers and agents: 403
for others, app/auth/policy.py `check_view_wallboard`):
    GET /wallboard          the page, with the current board in it (wallboard.js draws it)
    GET /wallboard/stream   server-sent events: `board` with the whole board, on every
                            recomputation (every WALLBOARD_SECONDS); a comment as heartbeat
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from app.auth import policy
from app.extensions import db
from app.models.telephony import AGENT_STATES
from app.pages.session import passive_request, signed_in
from app.wallboard import live
from app.wallboard.live import Published, Subscription

bp = Blueprint("pages_wallboard", __name__)


@bp.get("/wallboard")
@login_required
def wallboard():
    policy.check_view_wallboard(signed_in())
    current = live.hub(current_app).current()
    return render_template(
        "pages/wallboard.html", board=current.board, seq=current.seq, states=AGENT_STATES
    )


@bp.get("/wallboard/stream")
@login_required
def stream():
    """The board now and after every recomputation. The board is a state, not a log: a page
    that reconnects gets the latest board whatever it saw; its Last-Event-ID (or `?last=`)
    only spares it a board it already shows (a malformed one is ignored)."""
    policy.check_view_wallboard(signed_in())
    passive_request()  # an open board is not activity: the idle timeout still applies
    db.session.remove()  # the stream holds no connection of the pool, now or while it waits
    hub = live.hub(current_app)
    sub = hub.subscribe()
    config = current_app.config
    last = request.headers.get("Last-Event-ID") or request.args.get("last", "")
    seen = int(last) if last.isascii() and last.isdigit() and len(last) < 12 else None
    body = _events(sub, seen, config["SSE_HEARTBEAT_SECONDS"], config["SSE_MAX_SECONDS"])
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    response.call_on_close(lambda: hub.unsubscribe(sub))
    return response


def _events(
    sub: Subscription, seen: int | None, heartbeat: float, lifetime: float
) -> Iterator[str]:
    yield "retry: 3000\n\n"
    ends = time.monotonic() + lifetime
    while time.monotonic() < ends:
        try:
            update: Published | None = sub.latest(
                timeout=min(heartbeat, max(0.0, ends - time.monotonic()))
            )
        except queue.Empty:
            yield ": keepalive\n\n"
            continue
        if update is None:  # the hub ended the streams (the worker is stopping)
            return
        if update.seq == seen:
            # The board the page shows already (an id of another worker that happens to be
            # equal costs the page one interval, never a wrong number).
            continue
        seen = update.seq
        yield update.text
