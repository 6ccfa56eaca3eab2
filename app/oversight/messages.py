"""The text of an urge, order, answer or instruction: the one check of what it may be, for the
services (the scheduler calls them without a schema) as for the API's and pages' schemas."""

from __future__ import annotations

from marshmallow import fields

from app import fields as f
from app.errors import Invalid
from app.models.oversight import MESSAGE_MAX


def message_field(**kwargs) -> fields.String:
    """A required message: one character at least, MESSAGE_MAX at most."""
    return f.Text(MESSAGE_MAX, min_length=1, required=True, **kwargs)


def clean(text: str, field: str = "message") -> str:
    """The text stripped, or a 422 naming `field` when it is empty or too long."""
    text = (text or "").strip()
    if not text:
        raise Invalid("message_empty", "内容不能为空", "The text may not be empty", field=field)
    if len(text) > MESSAGE_MAX:
        raise Invalid(
            "message_too_long",
            f"内容不能超过 {MESSAGE_MAX} 字",
            f"The text may be at most {MESSAGE_MAX} characters",
            field=field,
        )
    return text
