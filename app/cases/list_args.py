"""What a case list accepts: one marshmallow schema for the API's list and the combined query
page (app/pages/query.py), so that both take and refuse the same filters.

The API loads its query string with it (`CaseListArgsSchema` of the OpenAPI document, from
app/api/schemas.py); the page loads its form's GET arguments with it and the export its link.
What it loads is a `queries.CaseListArgs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import cast
from urllib.parse import urlencode

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app import fields as f
from app.cases.queries import CaseListArgs
from app.models.case import STATUSES
from app.models.catalog import CASE_TYPES, CHANNELS

SORTS = ["created_at", "-created_at", "handle_due_at", "-handle_due_at", "number", "-number"]


class CaseListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    department_id = f.Id()
    case_type = fields.String(validate=validate.OneOf(list(CASE_TYPES)))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    created_from = f.Date()
    created_to = f.Date()
    overdue = f.QueryBoolean()
    q = f.Text(100, min_length=2)
    page = f.Integer(minimum=1, maximum=100000, load_default=1)
    per_page = f.Integer(minimum=1, maximum=200, load_default=20)
    sort = fields.String(load_default="-created_at", validate=validate.OneOf(SORTS))


# The arguments that choose which cases (not which page of them, nor their order).
FILTERS = (
    "status",
    "department_id",
    "case_type",
    "channel",
    "created_from",
    "created_to",
    "overdue",
    "q",
)
# What a saved query keeps: the filters and the order (not the page, nor its size).
SAVED = (*FILTERS, "sort")


def load(raw: Mapping[str, str]) -> tuple[CaseListArgs | None, dict[str, list[str]]]:
    """A list's arguments from a query string, as the API loads them (unknown keys ignored), or
    the refusals per field. An empty value is a field left blank in a form: not given."""
    given = {key: value for key, value in raw.items() if value != ""}
    try:
        loaded = CaseListArgsSchema(unknown=EXCLUDE).load(given)
    except ValidationError as exc:
        messages = exc.normalized_messages()  # type: ignore[no-untyped-call]  # marshmallow
        return None, {str(k): [str(m) for m in v] for k, v in messages.items()}
    return cast(CaseListArgs, loaded), {}


def query_string(args: Mapping[str, object], keys: Iterable[str] = SAVED) -> str:
    """Loaded arguments back as a URL query string, in the schema's order and without the
    defaults: the shortest link that gives the same list again."""
    wanted = set(keys)
    pairs = []
    for key, field in CaseListArgsSchema._declared_fields.items():
        if key not in wanted or key not in args:
            continue
        value = args[key]
        if value == field.load_default:  # the default needs no saying (page 1, newest first)
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, date):
            text = value.isoformat()
        else:
            text = str(value)
        pairs.append((key, text))
    return urlencode(pairs)
