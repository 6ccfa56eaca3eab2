"""Administration of the message centre: internal announcements (内部公告) to all or some
departments, and the deliveries (e-mail, SMS) that failed or wait for a retry, with their last
error and a "send again now"."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.ids import parse_id
from app.notifications import announcements
from app.notifications.delivery import outbox
from app.pages.admin.common import actor, bp, message


def _announcement_page(form: dict, errors: dict[str, str], status: int = 200):
    return (
        render_template(
            "pages/admin/announcements.html",
            form=form,
            errors=errors,
            recent=announcements.recent(50),
            title_max=announcements.TITLE_MAX,
        ),
        status,
    )


@bp.get("/announcements")
def announcements_page():
    return _announcement_page({"to": "all", "department_ids": []}, {})


@bp.post("/announcements")
def publish_announcement():
    raw_ids = request.form.getlist("department_ids")
    form = {
        "title": request.form.get("title", ""),
        "body": request.form.get("body", ""),
        "to": "some" if request.form.get("to") == "some" else "all",
        "department_ids": raw_ids,
    }
    ids = [parse_id(v) for v in raw_ids]
    if any(i is None for i in ids):
        return _announcement_page(form, {"department_ids": _("Choose from the list.")}, 422)
    who = actor()
    try:
        row = announcements.publish(
            who.user,
            form["title"],
            form["body"],
            [i for i in ids if i is not None] if form["to"] == "some" else None,
            who.client_ip,
        )
    except DomainError as exc:
        db.session.rollback()
        field = (exc.details or {}).get("field", "title")
        return _announcement_page(form, {field: message(exc)}, 422)
    flash(_("Announcement sent to %(n)d people.", n=row.recipients), "success")
    return redirect(url_for("pages_admin.announcements_page"))


@bp.get("/deliveries")
def deliveries():
    return render_template(
        "pages/admin/deliveries.html",
        rows=outbox.unsent(),
        problems=outbox.channel_problems(),
        pending=outbox.pending_count(),
    )


@bp.post("/deliveries/<int:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    try:
        row = outbox.retry_now(delivery_id)
    except DomainError as exc:
        flash(message(exc), "error")
        return redirect(url_for("pages_admin.deliveries"))
    if row.state == "sent":
        flash(_("Sent."), "success")
    else:
        flash(_("Still not sent: %(error)s", error=row.last_error), "error")
    return redirect(url_for("pages_admin.deliveries"))
