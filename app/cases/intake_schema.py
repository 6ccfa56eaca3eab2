"""What an intake must be: one marshmallow schema for every door a demand comes in by.

The API loads its request body with it (app/api/cases.py, and it is the `IntakeSchema` of the
OpenAPI document); `flask cases create` loads its options with it; the agent's intake page draws
its form from the OpenAPI document's copy of it (app/pages/intake.py). So a demand the API
refuses the CLI and the page refuse too, with the same reason per field. Each field's `title`
("中文 English") and each choice's `x-labels` are what the page shows.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app import fields as f
from app.models.catalog import CASE_TYPES, CHANNEL_WORDS, CHANNELS, PRIORITIES, PRIORITY_WORDS

PHONE_PATTERN = r"^\+?[0-9\-]{3,20}$"

CHANNEL_LABELS = CHANNEL_WORDS
PRIORITY_LABELS = PRIORITY_WORDS
CASE_TYPE_LABELS = {code: {"zh": zh, "en": en} for code, (zh, en) in CASE_TYPES.items()}


def _doc(title: str, **more: object) -> dict[str, object]:
    return {"title": title, **more}


def phone_field(**kwargs: Any) -> f.Line:
    return f.Line(20, validate=validate.Regexp(PHONE_PATTERN, error="not a phone number"), **kwargs)


class IntakeSchema(Schema):
    channel = fields.String(
        required=True,
        validate=validate.OneOf(CHANNELS),
        metadata=_doc("来源渠道 Channel", **{"x-labels": CHANNEL_LABELS}),
    )
    citizen_name = f.Line(100, min_length=1, required=True, metadata=_doc("姓名 Name"))
    citizen_phone = phone_field(required=True, metadata=_doc("联系电话 Phone"))
    citizen_address = f.Line(255, load_default="", metadata=_doc("地址 Address"))
    # 保密: the citizen's name and phone are shown masked to all but agents and dispatchers.
    confidential = f.Boolean(
        load_default=False,
        metadata=_doc(
            "保密（对其他角色隐藏姓名和电话） Confidential (name and phone hidden from other roles)"
        ),
    )
    content = f.Text(10000, min_length=2, required=True, metadata=_doc("诉求内容 Content"))
    case_type = fields.String(
        required=True,
        validate=validate.OneOf(list(CASE_TYPES)),
        metadata=_doc("诉求类型 Case type", **{"x-labels": CASE_TYPE_LABELS}),
    )
    category = f.Line(40, load_default=None, allow_none=True, metadata=_doc("分类 Category"))
    priority = fields.String(
        load_default="normal",
        validate=validate.OneOf(PRIORITIES),
        metadata=_doc("紧急程度 Priority", **{"x-labels": PRIORITY_LABELS}),
    )
    answered = f.Boolean(
        load_default=False,
        metadata=_doc("即办件（当场答复并办结） Answered at intake (closes the case)"),
    )
    answer = f.Text(10000, load_default="", metadata=_doc("答复内容 Answer"))
    # Kept as the idempotency key "ext:<external_id>" (at most 100 characters); an empty one
    # would name no submission (and two of them collided in the unique index: a 500).
    external_id = f.Line(
        80, min_length=1, load_default=None, allow_none=True, metadata=_doc("外部编号 External id")
    )


def field_errors(exc: ValidationError) -> list[str]:
    """'field: reason' lines, one per refused field, in the schema's field order."""
    messages = exc.normalized_messages()  # type: ignore[no-untyped-call]  # marshmallow
    order = list(IntakeSchema._declared_fields)
    lines = []
    for name in sorted(messages, key=lambda n: order.index(n) if n in order else len(order)):
        reasons = messages[name]
        for reason in reasons if isinstance(reasons, list) else [reasons]:
            lines.append(f"{name}: {reason}")
    return lines
