"""How the app reads and writes JSON.

Out: UTF-8 with Chinese as it is (no \\u escapes), datetimes in RFC 3339 with the city's offset.
In: standard JSON only — no NaN or Infinity, no number that overflows to infinity — nested at
most `JSON_MAX_DEPTH` deep, so that a hostile body cannot exhaust the parser's stack (Python's
parser is recursive: 100,000 "[" raise RecursionError, a 500). `request.get_json()` goes through
here; app/api/request_guard.py parses every JSON body this way before any view runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context
from flask.json.provider import DefaultJSONProvider

from app.config import Config
from app.timefmt import to_rfc3339


class JSONRejected(ValueError):
    """A body that is not the JSON we take; `reason` says which rule it broke."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _refuse_constant(name: str):
    raise JSONRejected("non_finite_number", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRejected("non_finite_number", f"{text} does not fit a double")
    return value


def _depth(value: Any, limit: int) -> bool:
    """Whether `value` nests no deeper than `limit` (an object or array counts one level)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return False
        stack.extend((child, level + 1) for child in children)
    return True


def loads_strict(data: str | bytes, max_depth: int) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = data.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8
        except UnicodeDecodeError as exc:
            raise JSONRejected("not_utf8", "the body is not UTF-8") from exc
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise JSONRejected("too_deep", f"nested deeper than {max_depth} levels") from exc
    except JSONRejected:
        raise
    except json.JSONDecodeError as exc:
        raise JSONRejected("malformed", f"not valid JSON: {exc}") from exc
    if not _depth(value, max_depth):
        raise JSONRejected("too_deep", f"nested deeper than {max_depth} levels")
    return value


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # 张伟, not \u5f20\u4f1f
    sort_keys = False  # fields in the order the schemas and queries give them

    @staticmethod
    def default(o):
        # Flask's default is an HTTP date labelled "GMT": wrong for the naive local times stored.
        if isinstance(o, datetime):
            return to_rfc3339(o)
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        limit = current_app.config["JSON_MAX_DEPTH"] if has_app_context() else None
        return loads_strict(s, limit or Config.JSON_MAX_DEPTH)
