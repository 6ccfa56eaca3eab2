"""URL converters: `<id:case_id>` matches ASCII digits naming an id in the database's range.

werkzeug's `int` converter matches any Unicode decimal digit (`\\d`) and any size, so that
"/cases/١٢/sign" or "/cases/99999999999/sign" reached the database; here they match no route
(a 404 in our error shape)."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

from app.ids import ID_PATTERN, MAX_ID, parse_id


class IdConverter(BaseConverter):
    regex = ID_PATTERN
    weight = 50  # as werkzeug's number converters: tried before string segments

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: int) -> str:
        return str(int(value))


def id_parameter_schema(_converter: IdConverter) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
