"""The message centre's API: my notifications, marking them read, my delivery channels; and
for administrators, internal announcements and the deliveries that have not gone out."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from app import fields as f
from app.api.blueprint import Blueprint
from app.api.schemas import Out, PagingSchema
from app.auth import policy
from app.auth.tokens import current_user
from app.notifications import announcements, centre, preferences
from app.notifications.delivery import outbox

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1", description="Message centre (消息中心)"
)
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class ListArgsSchema(Schema):
    page = f.Integer(minimum=1, maximum=100000, load_default=1)
    per_page = f.Integer(minimum=1, maximum=centre.MAX_PER_PAGE, load_default=20)
    unread = f.QueryBoolean(load_default=False, metadata={"description": "only the unread"})


class WordsSchema(Out):
    zh = fields.String()
    en = fields.String()


class NotificationSchema(Out):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "app/notifications/kinds.py"})
    words = fields.Nested(WordsSchema)
    case_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    body = fields.String()
    data = fields.Dict()
    created_at = f.DateTime()
    read_at = f.DateTime(allow_none=True)


class NotificationPageSchema(PagingSchema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class UnreadSchema(Out):
    unread = fields.Integer()


class MarkedSchema(Out):
    marked = fields.Integer()
    unread = fields.Integer()


class ChannelsSchema(Schema):
    email = f.Line(preferences.EMAIL_MAX, allow_none=True, load_default=None)
    mobile = f.Line(40, allow_none=True, load_default=None)
    by_email = f.Boolean(load_default=False)
    by_sms = f.Boolean(load_default=False)


class AnnouncementInSchema(Schema):
    # Bounded for safety; the real limits (and their messages) are the service's.
    title = f.Line(1000, required=True)
    body = f.Text(20000, required=True)
    department_ids = fields.List(
        f.Id(),
        allow_none=True,
        load_default=None,
        metadata={"description": "the departments it goes to; null: all departments"},
    )


class AnnouncementSchema(Out):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    department_ids = fields.List(fields.Integer())
    created_at = f.DateTime()
    recipients = fields.Integer()


class DeliverySchema(Out):
    id = fields.Integer()
    user = fields.String()
    channel = fields.String()
    address = fields.String()
    kind = fields.String()
    case_id = fields.Integer(allow_none=True)
    state = fields.String()
    attempts = fields.Integer()
    next_attempt_at = f.DateTime(allow_none=True)
    last_error = fields.String()
    created_at = f.DateTime()


class DeliveriesSchema(Out):
    channels = fields.Dict(metadata={"description": "per channel, why it cannot send (or null)"})
    items = fields.List(fields.Nested(DeliverySchema))


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    @blp.doc(security=BEARER)
    def get(self, args):
        """My notifications, newest first."""
        found = centre.page(current_user().id, args["page"], args["per_page"], args["unread"])
        return {
            "items": [centre.as_dict(i) for i in found.items],
            "page": found.page,
            "per_page": found.per_page,
            "total": found.total,
            "total_capped": found.total_capped,
            "unread": found.unread,
        }


@blp.route("/notifications/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadSchema)
    @blp.doc(security=BEARER)
    def get(self):
        """How many of my notifications are unread."""
        return {"unread": centre.unread_count(current_user().id)}


@blp.route("/notifications/<id:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.doc(security=BEARER)
    def post(self, notification_id: int):
        """Mark one of my notifications read (another user's: 404, nothing changed)."""
        unread = centre.mark_read(current_user().id, notification_id)
        return {"marked": 1, "unread": unread}


@blp.route("/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.doc(security=BEARER)
    def post(self):
        """Mark all my notifications read."""
        marked = centre.mark_all_read(current_user().id)
        return {"marked": marked, "unread": 0}


@blp.route("/notifications/channels")
class Channels(MethodView):
    @blp.response(200, ChannelsSchema)
    @blp.doc(security=BEARER)
    def get(self):
        """Where my notifications are also sent (e-mail, SMS)."""
        return preferences.of(current_user()).__dict__

    @blp.arguments(ChannelsSchema)
    @blp.response(200, ChannelsSchema)
    @blp.doc(security=BEARER)
    def put(self, args):
        """Set my e-mail address, mobile number and which of them get my notifications."""
        return preferences.update(current_user(), preferences.Channels(**args)).__dict__


def _announcement(row) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "body": row.body,
        "department_ids": row.department_ids,
        "created_at": row.created_at,
        "recipients": row.recipients,
    }


@blp.route("/announcements")
class Announcements(MethodView):
    @blp.response(200, AnnouncementSchema(many=True))
    @blp.doc(security=BEARER)
    def get(self):
        """The newest internal announcements (administrators)."""
        policy.check_administer(current_user())
        return [_announcement(a) for a in announcements.recent()]

    @blp.arguments(AnnouncementInSchema)
    @blp.response(201, AnnouncementSchema)
    @blp.doc(security=BEARER)
    def post(self, args):
        """Send an internal announcement to all departments (department_ids null) or some."""
        row = announcements.publish(
            current_user(),
            args["title"],
            args["body"],
            args["department_ids"],
            request.remote_addr or "",
        )
        return _announcement(row)


def _delivery(row, username: str) -> dict:
    return {
        "id": row.id,
        "user": username,
        "channel": row.channel,
        "address": row.address,
        "kind": row.kind,
        "case_id": row.case_id,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "created_at": row.created_at,
    }


@blp.route("/deliveries")
class Deliveries(MethodView):
    @blp.response(200, DeliveriesSchema)
    @blp.doc(security=BEARER)
    def get(self):
        """Deliveries that failed, or are waiting for a retry, with their last error
        (administrators)."""
        policy.check_administer(current_user())
        return {
            "channels": outbox.channel_problems(),
            "items": [_delivery(d, name) for d, name in outbox.unsent()],
        }


@blp.route("/deliveries/<id:delivery_id>/retry")
class RetryDelivery(MethodView):
    @blp.response(200, DeliverySchema)
    @blp.doc(security=BEARER)
    def post(self, delivery_id: int):
        """Send a failed or waiting delivery again now (administrators)."""
        user = current_user()
        policy.check_administer(user)
        row = outbox.retry_now(delivery_id)
        return _delivery(row, "")
