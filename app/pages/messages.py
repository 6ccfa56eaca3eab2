"""The message centre page (消息中心): my notifications newest first, marking them read, my
delivery channels; the unread badge in every page's top bar and its live stream (server-sent
events from app/notifications/feed.py)."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError
from app.extensions import db
from app.notifications import centre, feed, preferences
from app.notifications.feed import Subscription, Update
from app.pages.inbox_query import read_page
from app.pages.schema_form import label_of
from app.pages.session import passive_request, signed_in

bp = Blueprint("pages_messages", __name__)
PER_PAGE = 20


def init_messages(app: Flask) -> None:
    @app.context_processor
    def _badge() -> dict:
        def badge() -> centre.Badge:
            if not current_user.is_authenticated:
                return centre.Badge(unread=0, newest_id=0)
            return centre.badge(current_user.id)

        return {"message_badge": badge}

    app.register_blueprint(bp)


def _words(item: centre.Item) -> str:
    return item.words(str(get_locale()))


@bp.get("/messages")
@login_required
def messages():
    notices: list[str] = []
    number = read_page(request.args, "page", notices)
    unread_only = request.args.get("unread") == "1"
    user = signed_in()
    found = centre.page(user.id, number, PER_PAGE, unread_only)

    def page_link(n: int) -> str:
        return url_for(
            "pages_messages.messages",
            page=n if n != 1 else None,
            unread="1" if unread_only else None,
        )

    return _page(found, notices, page_link, unread_only, preferences.of(user), {})


def _page(found, notices, page_link, unread_only, channels, channel_errors, status=200):
    html = render_template(
        "pages/messages.html",
        found=found,
        notices=notices,
        words=_words,
        label=label_of,
        page_link=page_link,
        unread_only=unread_only,
        channels=channels,
        channel_errors=channel_errors,
    )
    return html, status


@bp.post("/messages/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    # Another user's notification (or none): the 404 page, nothing changed.
    centre.mark_read(signed_in().id, notification_id)
    return redirect(_back())


@bp.post("/messages/read-all")
@login_required
def mark_all_read():
    centre.mark_all_read(signed_in().id)
    return redirect(_back())


def _back() -> str:
    """Back to the list page the form was on (only a path of this site)."""
    target = request.form.get("next", "")
    if target.startswith("/messages") and not target.startswith("//"):
        return target
    return url_for("pages_messages.messages")


@bp.post("/messages/channels")
@login_required
def channels():
    user = signed_in()
    wanted = preferences.Channels(
        email=request.form.get("email", ""),
        mobile=request.form.get("mobile", ""),
        by_email=request.form.get("by_email") == "1",
        by_sms=request.form.get("by_sms") == "1",
    )
    try:
        preferences.update(user, wanted)
    except DomainError as exc:
        db.session.rollback()
        field = (exc.details or {}).get("field", "email")
        return _page(
            centre.page(user.id, 1, PER_PAGE),
            [],
            lambda n: url_for("pages_messages.messages", page=n),
            False,
            wanted,
            {field: label_of({"zh": exc.zh, "en": exc.en}, exc.code)},
            422,
        )
    flash(_("Saved."), "success")
    return redirect(url_for("pages_messages.messages"))


@bp.get("/messages/stream")
@login_required
def stream():
    """Server-sent events: `unread` with the count and the newest notification, now and on
    every change; a comment line as heartbeat. The page's EventSource reconnects by itself
    (after SSE_MAX_SECONDS, or a lost connection) and says the last id it saw in Last-Event-ID;
    messages.js, starting a new EventSource after a refused one, says it in `?last=`."""
    user_id = signed_in().id
    passive_request()  # an open page is not activity: the idle timeout still ends the session
    db.session.remove()  # the stream holds no connection of the pool, now or while it waits
    last = request.headers.get("Last-Event-ID") or request.args.get("last", "")
    seen = int(last) if last.isascii() and last.isdigit() and len(last) < 12 else None
    hub = feed.hub(current_app)
    sub = hub.subscribe(user_id)
    config = current_app.config
    body = _events(sub, seen, config["SSE_HEARTBEAT_SECONDS"], config["SSE_MAX_SECONDS"])
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    response.call_on_close(lambda: hub.unsubscribe(sub))
    return response


def _events(
    sub: Subscription, seen: int | None, heartbeat: float, lifetime: float
) -> Iterator[str]:
    """The stream's text. `seen`: the newest id the page has shown (None: a new page, which
    shows what is there now without a toast)."""
    yield "retry: 3000\n\n"
    sent: tuple[int, int] | None = None
    ends = time.monotonic() + lifetime
    while time.monotonic() < ends:
        try:
            update = sub.latest(timeout=min(heartbeat, max(0.0, ends - time.monotonic())))
        except queue.Empty:
            yield ": keepalive\n\n"
            continue
        if update is None:  # the hub ended the streams (the worker is stopping)
            return
        state = (update.unread, update.newest_id)
        if state == sent:
            continue  # nothing new (a refresh after the listener reconnected, say)
        sent = state
        if seen is None:
            seen = update.newest_id
        yield _event(update, seen)
        seen = max(seen, update.newest_id)


def _event(update: Update, seen: int) -> str:
    """One `unread` event; `newest` only when the page has not seen it (its toast)."""
    newest = update.newest if update.newest_id > seen else None
    data = json.dumps({"unread": update.unread, "newest": newest}, default=str, ensure_ascii=False)
    return f"id: {max(seen, update.newest_id)}\nevent: unread\ndata: {data}\n\n"
