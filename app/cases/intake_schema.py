"""What an intake must be: one marshmallow schema for every door a demand comes in by.

The API loads its request body with it (app/api/cases.py, and it is the `IntakeSchema` of the
OpenAPI document); `flask cases create` loads its options with it. So a demand the API refuses
the CLI refuses too, with the same reason per field.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from app import fields as f
from app.models.catalog import CASE_TYPES, CHANNELS, PRIORITIES

PHONE_PATTERN = r"^\+?[0-9\-]{3,20}$"


class IntakeSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    citizen_name = f.Line(100, min_length=1, required=True)
    citizen_phone = f.Line(
        20, required=True, validate=validate.Regexp(PHONE_PATTERN, error="not a phone number")
    )
    citizen_address = f.Line(255, load_default="")
    content = f.Text(10000, min_length=2, required=True)
    case_type = fields.String(required=True, validate=validate.OneOf(list(CASE_TYPES)))
    category = f.Line(40, load_default=None, allow_none=True)
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    answered = f.Boolean(load_default=False)
    answer = f.Text(10000, load_default="")
    # Kept as the idempotency key "ext:<external_id>" (at most 100 characters); an empty one
    # would name no submission (and two of them collided in the unique index: a 500).
    external_id = f.Line(80, min_length=1, load_default=None, allow_none=True)


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
