"""Marshmallow fields for every input, from the API and the CLI alike: one definition per kind
of input, each bounded to what the database and the rest of the code can take. (Here, not under
app/api, because the cases layer validates intake with them too and must not import the API.)

- `Id`: ASCII digits (or a JSON integer) in 1..2**31-1, the range of the INTEGER id columns.
- `Integer`: a JSON integer or ASCII digits, within the bounds given (themselves within the
  32-bit range): no "١٢", "1_000", " 7", 2.0 or true.
- `Line` / `Text`: strings with a maximum length that fits their column; a `Line` holds no line
  breaks or tabs; neither holds other control characters.
- `Boolean`: JSON true or false only (marshmallow's default takes 0, 1, "yes", "on", ...; and
  `truthy={True}` still takes 1, because 1 == True).
- `QueryBoolean`: in a query string, "true"/"false"/"1"/"0" only.
- `DateTime`: RFC 3339 with an offset, out and in (app/timefmt.py).
- `Date`: an RFC 3339 full-date, 2026-03-02 (not 20260302 or 2026-W10-1).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from marshmallow import fields, validate

from app.ids import MAX_ID, parse_id
from app.timefmt import parse_rfc3339, to_rfc3339

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,11}")
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _validators(kwargs: dict, *first) -> list:
    extra = kwargs.pop("validate", None)
    if extra is None:
        extra = []
    elif callable(extra):
        extra = [extra]
    return [*first, *extra]


class Integer(fields.Integer):
    """An integer within [minimum, maximum], both inside the database's 32-bit range."""

    default_error_messages = {"invalid": "Not a valid integer."}

    def __init__(self, *, minimum: int = INT32_MIN, maximum: int = INT32_MAX, **kwargs) -> None:
        if not INT32_MIN <= minimum <= maximum <= INT32_MAX:
            raise ValueError("integer bounds must lie within the 32-bit range")
        super().__init__(
            strict=True, validate=_validators(kwargs, validate.Range(minimum, maximum)), **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, str):  # query strings and path segments: ASCII digits only
            if not _ASCII_INTEGER.fullmatch(value):
                raise self.make_error("invalid")
            value = int(value)
        if type(value) is not int:  # not bool (a subclass of int), not 2.0
            raise self.make_error("invalid")
        return value


class Id(Integer):
    """A row id: 1..2**31-1."""

    default_error_messages = {"invalid": f"Not a valid id (an integer from 1 to {MAX_ID})."}

    def __init__(self, **kwargs) -> None:
        super().__init__(minimum=1, maximum=MAX_ID, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, str):
            parsed = parse_id(value)
            if parsed is None:
                raise self.make_error("invalid")
            return parsed
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """A string of at most `max_length` characters (the length of the column it goes to), with
    no control characters but tab and line breaks. (The API's request guard refuses them before
    any field; the CLI has no guard, and PostgreSQL refuses a NUL with an error of its own.)"""

    default_error_messages = {"control": "Must not hold control characters."}
    _CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

    def __init__(self, max_length: int, *, min_length: int | None = None, **kwargs) -> None:
        super().__init__(
            validate=_validators(kwargs, validate.Length(min=min_length, max=max_length)),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self._CONTROL.search(text):
            raise self.make_error("control")
        return text


class Line(Text):
    """A `Text` on one line: names, phone numbers, codes, keys."""

    default_error_messages = {"line_break": "Must be a single line (no line breaks or tabs)."}
    _BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]")

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self._BREAKS.search(text):
            raise self.make_error("line_break")
        return text


class Boolean(fields.Boolean):
    """JSON true or false, nothing else."""

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value


class QueryBoolean(fields.Boolean):
    """A query-string flag: true/false or 1/0."""

    _WORDS = {"true": True, "1": True, "false": False, "0": False}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if type(value) is bool:
            return value
        if isinstance(value, str) and value in self._WORDS:
            return self._WORDS[value]
        raise self.make_error("invalid")


class DateTime(fields.DateTime):
    """RFC 3339 with the city's offset out; RFC 3339 with any offset (or Z) in, stored local."""

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return None if value is None else to_rfc3339(value)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value, obj_type="datetime")
        try:
            return parse_rfc3339(value)
        except ValueError as exc:
            raise self.make_error("invalid", input=value, obj_type="datetime") from exc


class Date(fields.Date):
    """An RFC 3339 full-date."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
            raise self.make_error("invalid", input=value, obj_type="date")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise self.make_error("invalid", input=value, obj_type="date") from exc
