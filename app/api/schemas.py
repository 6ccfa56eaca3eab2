"""Marshmallow schemas of the JSON API (they also describe it in /api/v1/openapi.json)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.models.case import STATUSES
from app.models.catalog import CASE_TYPES, CHANNELS, PRIORITIES


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Dict()


class IntakeSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    citizen_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    citizen_phone = fields.String(
        required=True, validate=validate.Regexp(r"^\+?[0-9\-]{3,20}$", error="not a phone number")
    )
    citizen_address = fields.String(load_default="", validate=validate.Length(max=255))
    content = fields.String(required=True, validate=validate.Length(min=2, max=10000))
    case_type = fields.String(required=True, validate=validate.OneOf(list(CASE_TYPES)))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    answered = fields.Boolean(load_default=False)
    answer = fields.String(load_default="", validate=validate.Length(max=10000))
    external_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=80)
    )


class CaseListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    department_id = fields.Integer(validate=validate.Range(min=1))
    case_type = fields.String(validate=validate.OneOf(list(CASE_TYPES)))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    created_from = fields.Date()
    created_to = fields.Date()
    overdue = fields.Boolean()
    q = fields.String(validate=validate.Length(min=2, max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(
            ["created_at", "-created_at", "handle_due_at", "-handle_due_at", "number", "-number"]
        ),
    )


class InboxArgsSchema(Schema):
    task = fields.String(validate=validate.Length(max=64))
    overdue = fields.Boolean()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class StatusWordsSchema(Schema):
    status = fields.String()
    overdue = fields.Boolean()
    zh = fields.String()
    en = fields.String()


class CaseSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    channel = fields.String()
    citizen_name = fields.String()
    citizen_phone = fields.String()
    content = fields.String()
    case_type = fields.String()
    priority = fields.String()
    status = fields.Nested(StatusWordsSchema)
    current_department_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    handle_due_at = fields.DateTime(allow_none=True)


class PagingSchema(Schema):
    """What every page of a list says besides its items."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(
        metadata={
            "description": "matching items, counted up to 1000: when total_capped is true, "
            "there are more than 1000 (the total is then 1000)"
        }
    )
    total_capped = fields.Boolean(
        metadata={"description": "true: more than `total` (1000) items match; not counted further"}
    )


class PageSchema(PagingSchema):
    items = fields.List(fields.Nested(CaseSummarySchema))


class CreatedCaseSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    query_password = fields.String(
        allow_none=True, metadata={"description": "shown once; null when the intake was a replay"}
    )
    status = fields.Nested(StatusWordsSchema)
    created = fields.Boolean()


class ActionBodySchema(Schema):
    task_id = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "the open task to act on, when the case has several"},
    )
    data = fields.Dict(
        load_default=dict, metadata={"description": "form data; see the task form's JSON Schema"}
    )


class InboxItemSchema(Schema):
    task_id = fields.String()
    task_name = fields.String()
    title = fields.String()
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    case = fields.Nested(CaseSummarySchema)


class InboxPageSchema(PagingSchema):
    items = fields.List(fields.Nested(InboxItemSchema))
