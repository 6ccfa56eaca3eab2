"""Forms generated from JSON Schema: a task action's form (forms/*.json, as the API checks it)
or the intake's schema (the OpenAPI document's). One rule, the schema: the page reads it to
draw the fields and to mark the refused ones, and the service checks it again on submit.

Fields of these shapes are drawn: strings (a line, or a text box past 200 characters), strings
with an `enum` (a select, labelled by `x-labels`), integers, booleans, and arrays of integers.
A field named `*department_id` is a department picker, `*department_ids` a multiple one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from werkzeug.datastructures import MultiDict

from app.ids import parse_id

LONG_TEXT = 200  # characters from which a string is a text box


@dataclass
class Field:
    name: str
    label: str
    kind: str  # line, text, select, integer, checkbox, department, departments
    required: bool
    value: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    errors: list[str] = field(default_factory=list)


def label_of(title: str | Mapping[str, str] | None, fallback: str) -> str:
    """A schema's title in the page's language: {"zh", "en"}, or "中文 English" in one string."""
    zh = str(get_locale()).startswith("zh")
    if isinstance(title, Mapping):
        return str(title.get("zh" if zh else "en") or fallback)
    if not title:
        return fallback
    for i, ch in enumerate(title):  # "答复内容 Reply": the Chinese, then the first Latin word on
        if ch.isascii() and ch.isalpha() and i > 0 and title[i - 1] == " ":
            return title[: i - 1] if zh else title[i:]
    return title


def fields_of(
    schema: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    skip: Iterable[str] = (),
) -> list[Field]:
    values, errors, required = values or {}, errors or {}, set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        if name in skip or prop.get("readOnly"):
            continue
        kind, choices = _kind(name, prop)
        out.append(
            Field(
                name=name,
                label=label_of(prop.get("title"), name),
                kind=kind,
                required=name in required,
                value=values.get(name, prop.get("default")),
                choices=choices,
                max_length=prop.get("maxLength"),
                errors=list(errors.get(name, ())),
            )
        )
    return out


def _kind(name: str, prop: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    kind = prop.get("type")
    if isinstance(kind, list):  # ["string", "null"]: a nullable string
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        return ("departments" if name.endswith("department_ids") else "integers"), []
    if kind == "integer":
        return ("department" if name.endswith("department_id") else "integer"), []
    if kind == "boolean":
        return "checkbox", []
    if "enum" in prop:
        labels = prop.get("x-labels", {})
        return "select", [
            (str(v), label_of(labels.get(v), str(v))) for v in prop["enum"] if v is not None
        ]
    if (prop.get("maxLength") or 0) > LONG_TEXT:
        return "text", []
    return "line", []


def read_form(
    schema: Mapping[str, Any], form: MultiDict[str, str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The submitted fields as the schema's types, and what could not be read per field. An
    empty optional field is left out (the schema's default applies)."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, prop in schema.get("properties", {}).items():
        kind, _choices = _kind(name, prop)
        if kind in ("departments", "integers"):
            raw = [v for v in form.getlist(name) if v.strip()]
            if not raw:
                continue
            ids = [parse_id(v.strip()) for v in raw]
            if None in ids:
                errors[name] = [_("Choose from the list.")]
            else:
                data[name] = ids
        elif kind == "checkbox":
            data[name] = form.get(name) in ("1", "on", "true", "y")
        else:
            raw_value = form.get(name, "")
            if raw_value == "" or raw_value is None:
                continue
            if kind == "department":
                dept_id = parse_id(raw_value.strip())
                if dept_id is None:
                    errors[name] = [_("Choose from the list.")]
                else:
                    data[name] = dept_id
            elif kind == "integer":
                number = _int32(raw_value)
                if number is None:
                    errors[name] = [_("Enter a whole number.")]
                else:
                    data[name] = number
            else:
                data[name] = raw_value
    return data, errors


def _int32(text: str) -> int | None:
    """A whole number a 32-bit column holds (the database refuses larger ones: a 500)."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,10}", text):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def check(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The schema's refusals of `data`, per field, in the page's language."""
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        if error.validator == "required":
            # One error per missing property, each naming the whole list: mark every one.
            for missing in error.validator_value:
                if missing not in (error.instance or {}):
                    errors[missing] = [_("Required.")]
            continue
        name, message = _explain(error)
        errors.setdefault(name, []).append(message)
    return errors


def errors_by_field(details: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """A service's refusal (DomainError details: `errors` as a list of {field, message} or a
    marshmallow dict) as messages per field; `_form` holds those of no field."""
    out: dict[str, list[str]] = {}
    errors = (details or {}).get("errors")
    if isinstance(errors, Mapping):
        for name, messages in errors.items():
            items = messages if isinstance(messages, list) else [messages]
            out.setdefault(str(name), []).extend(str(m) for m in items)
    elif isinstance(errors, list):
        for item in errors:
            out.setdefault(item.get("field") or "_form", []).append(str(item.get("message")))
    return out


def _explain(error: ValidationError) -> tuple[str, str]:
    path = [str(p) for p in error.absolute_path]
    validator, value = error.validator, error.validator_value
    if validator == "required":
        missing = next((n for n in value if n not in (error.instance or {})), "")
        return missing or "_form", _("Required.")
    name = path[0] if path else "_form"
    if validator == "maxLength":
        return name, _("At most %(n)d characters.", n=value)
    if validator == "minLength":
        return name, _("At least %(n)d characters.", n=value)
    if validator in ("enum", "const"):
        return name, _("Choose from the list.")
    if validator == "minimum":
        return name, _("At least %(n)s.", n=value)
    if validator == "maximum":
        return name, _("At most %(n)s.", n=value)
    if validator == "minItems":
        return name, _("Choose at least %(n)d.", n=value)
    if validator == "maxItems":
        return name, _("Choose at most %(n)d.", n=value)
    if validator == "uniqueItems":
        return name, _("Each may be chosen once.")
    if validator == "type":
        return name, _("Not a valid value.")
    return name, _("Not a valid value.")
