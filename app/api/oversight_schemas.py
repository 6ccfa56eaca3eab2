"""Schemas of the oversight API (app/api/oversight.py): urges, supervision orders, leader
instructions, the escalation ladder and the oversight overview. Inputs use the bounded fields
of app/fields.py and the one message rule (app/oversight/messages.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app import fields as f
from app.api.schemas import CaseSummarySchema, Out
from app.oversight.messages import message_field
from app.oversight.rules import LINE_MAX, MAX_LINES

URGE_MAX = 1000  # cases urged by one request (a filter matching more is refused)


class UrgeOneSchema(Schema):
    message = message_field(metadata={"title": "催办内容 Message"})


class UrgeManySchema(Schema):
    message = message_field(metadata={"title": "催办内容 Message"})
    case_ids = fields.List(
        f.Id(),
        validate=validate.Length(min=1, max=URGE_MAX),
        metadata={"description": "the cases to urge; without it, the cases the filters pick"},
    )


class RefusalSchema(Out):
    case_id = fields.Integer()
    code = fields.String()
    zh = fields.String()
    en = fields.String()


class UrgeResultSchema(Out):
    urged = fields.List(fields.Integer())
    refused = fields.List(fields.Nested(RefusalSchema))


class OrderInSchema(Schema):
    message = message_field(metadata={"title": "督办要求 Order"})
    feedback_date = f.Date(metadata={"description": "a working day, not past (or feedback_days)"})
    feedback_days = f.Integer(minimum=1, maximum=60, metadata={"description": "working days"})


class AnswerInSchema(Schema):
    answer = message_field(metadata={"title": "反馈内容 Answer"})


class OrderSchema(Out):
    id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.String()
    department_id = fields.Integer()
    department = fields.String()
    message = fields.String()
    feedback_due_at = f.DateTime()
    created_at = f.DateTime()
    answer = fields.String()
    answered_at = f.DateTime(allow_none=True)
    state = fields.String(metadata={"description": "open, answered or overdue"})


class OrderListSchema(Out):
    items = fields.List(fields.Nested(OrderSchema))


class OrderListArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf(["open", "answered", "overdue"]))


class InstructionInSchema(Schema):
    text = message_field(metadata={"title": "批示内容 Instruction"})


class ReaderSchema(Out):
    user_id = fields.Integer()
    name = fields.String()
    read_at = f.DateTime()


class InstructionSchema(Out):
    id = fields.Integer()
    text = fields.String()
    leader = fields.String()
    at = f.DateTime()
    department_id = fields.Integer()
    department = fields.String()
    readers = fields.List(fields.Nested(ReaderSchema))
    read_by_me = fields.Boolean()


class InstructionListSchema(Out):
    items = fields.List(fields.Nested(InstructionSchema))


class ReadResultSchema(Out):
    marked = fields.Integer()


class LadderInSchema(Schema):
    rules = fields.List(f.Text(LINE_MAX), required=True, validate=validate.Length(max=MAX_LINES))


class LadderRuleSchema(Out):
    step = fields.String()
    amount = fields.Integer()
    unit = fields.String()
    direction = fields.String()
    text = fields.String()


class LadderSchema(Out):
    rules = fields.List(fields.Nested(LadderRuleSchema))


class DepartmentCountSchema(Out):
    department_id = fields.Integer(allow_none=True)
    department = fields.String()
    overdue = fields.Integer()
    warning = fields.Integer()


class OverviewCaseSchema(CaseSummarySchema):
    department = fields.String()
    urge_count = fields.Integer()
    last_urged_at = f.DateTime(allow_none=True)


class OverviewSchema(Out):
    counts = fields.List(fields.Nested(DepartmentCountSchema))
    overdue = fields.List(fields.Nested(OverviewCaseSchema))
    warning = fields.List(fields.Nested(OverviewCaseSchema))
    scanned = fields.Integer()
    capped = fields.Boolean()
