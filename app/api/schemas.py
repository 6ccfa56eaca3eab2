"""Marshmallow schemas of the JSON API (they also describe it in /api/v1/openapi.json).

Inputs use the bounded fields of app/fields.py: every string fits its column, every integer
the database's range, booleans are booleans. Outputs are `Out` schemas: the fields declared
here are typed in the OpenAPI document, and a field a query adds that is not declared yet is
passed through as it is (objects allow additional properties), so adding one breaks no client
and no response check. `IntakeSchema` is the cases layer's (app/cases/intake_schema.py: the CLI
loads intake with it too), and so are `ContactSchema` (app/cases/contacts.py) and
`CaseListArgsSchema` (app/cases/list_args.py: the combined query page loads its filters with it
too); the API uses and describes them as they are (the intake page draws its forms from the
descriptions)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, post_dump

from app import fields as f
from app.cases.contacts import ContactSchema as ContactSchema  # the cases layer's rule
from app.cases.intake_schema import IntakeSchema as IntakeSchema  # the cases layer's rule
from app.cases.list_args import SORTS as SORTS  # the cases layer's rule (the page loads it too)
from app.cases.list_args import CaseListArgsSchema as CaseListArgsSchema


class Out(Schema):
    """A response schema that keeps the keys it does not declare."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    @post_dump(pass_original=True)
    def _keep_undeclared(self, data: dict, original, **kwargs) -> dict:
        if isinstance(original, dict):
            for key, value in original.items():
                data.setdefault(key, value)
        return data


class TokenRequestSchema(Schema):
    username = f.Line(64, min_length=1, required=True)
    password = f.Text(200, min_length=1, required=True)


class TokenUserSchema(Out):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    department_id = fields.Integer(allow_none=True)
    roles = fields.List(fields.String())


class TokenSchema(Out):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(TokenUserSchema)


class InboxArgsSchema(Schema):
    task = f.Line(64)
    overdue = f.QueryBoolean()
    page = f.Integer(minimum=1, maximum=100000, load_default=1)
    per_page = f.Integer(minimum=1, maximum=200, load_default=20)


class StatusWordsSchema(Out):
    status = fields.String()
    overdue = fields.Boolean()
    zh = fields.String()
    en = fields.String()


class CaseSummarySchema(Out):
    id = fields.Integer()
    number = fields.String()
    channel = fields.String()
    citizen_name = fields.String()
    citizen_phone = fields.String(
        metadata={
            "description": "masked (138****1111) on a confidential case for all but agents "
            "and dispatchers; citizen_name likewise (张*)"
        }
    )
    confidential = fields.Boolean(metadata={"description": "保密: the citizen is shown masked"})
    content = fields.String()
    case_type = fields.String(allow_none=True)
    priority = fields.String()
    status = fields.Nested(StatusWordsSchema)
    current_department_id = fields.Integer(allow_none=True)
    created_at = f.DateTime()
    handle_due_at = f.DateTime(allow_none=True)
    urge_count = fields.Integer(metadata={"description": "urges (催办) on the case: the 催 mark"})
    last_urged_at = f.DateTime(allow_none=True)


class PagingSchema(Out):
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


class CreatedCaseSchema(Out):
    id = fields.Integer()
    number = fields.String()
    query_password = fields.String(
        allow_none=True, metadata={"description": "shown once; null when the intake was a replay"}
    )
    status = fields.Nested(StatusWordsSchema)
    created = fields.Boolean()


class ActionBodySchema(Schema):
    task_id = f.Line(
        36,
        load_default=None,
        allow_none=True,
        metadata={"description": "the open task to act on, when the case has several"},
    )
    data = fields.Dict(
        load_default=dict, metadata={"description": "form data; see the task form's JSON Schema"}
    )


class OpenTaskSchema(Out):
    task_id = fields.String()
    task_name = fields.String()
    title = fields.String()
    department_id = fields.Integer()
    department = fields.String(allow_none=True)
    from_department_id = fields.Integer(allow_none=True)
    due_at = f.DateTime(allow_none=True)
    created_at = f.DateTime()


class TimelineEventSchema(Out):
    at = f.DateTime()
    action = fields.String()
    user = fields.String(allow_none=True)
    from_department = fields.String(allow_none=True)
    to_department = fields.String(allow_none=True)
    to_department_id = fields.Integer(allow_none=True)
    comment = fields.String()
    data = fields.Dict(metadata={"description": "the action's form data and what it recorded"})


class AllowedActionSchema(Out):
    action = fields.String()
    task_id = fields.String()
    title = fields.Dict(metadata={"description": '{"zh": ..., "en": ...}'})
    schema = fields.Dict(metadata={"description": "the JSON Schema the action's data must meet"})


class CaseDetailSchema(CaseSummarySchema):
    citizen_address = fields.String()
    answered = fields.Boolean()
    answer = fields.String()
    reply_text = fields.String()
    reply_result = fields.String()
    replied_at = f.DateTime(allow_none=True)
    closed_at = f.DateTime(allow_none=True)
    satisfaction = fields.String()
    sign_due_at = f.DateTime(allow_none=True)
    revisit_due_at = f.DateTime(allow_none=True)
    return_count = fields.Integer()
    extension_count = fields.Integer()
    reopen_count = fields.Integer()
    current_department = fields.String(allow_none=True)
    open_tasks = fields.List(fields.Nested(OpenTaskSchema))
    timeline = fields.List(fields.Nested(TimelineEventSchema))
    allowed_actions = fields.List(fields.Nested(AllowedActionSchema))


class InboxItemSchema(Out):
    task_id = fields.String()
    task_name = fields.String()
    title = fields.String()
    due_at = f.DateTime(allow_none=True)
    overdue = fields.Boolean()
    case = fields.Nested(CaseSummarySchema)


class InboxPageSchema(PagingSchema):
    items = fields.List(fields.Nested(InboxItemSchema))


class ContactOutSchema(Out):
    """A call merged into a case (重复诉求归并); the caller masked as the case's citizen is."""

    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.String()
    at = f.DateTime()
    channel = fields.String()
    caller_name = fields.String()
    caller_phone = fields.String()
    content = fields.String()
    user = fields.String(allow_none=True, metadata={"description": "who recorded the call"})


class ContactListSchema(Out):
    items = fields.List(fields.Nested(ContactOutSchema))
