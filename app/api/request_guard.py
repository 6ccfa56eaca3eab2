"""The request guard: before any view runs, refuse what no field of ours can take.

Rules (each a 4xx in our error shape, nothing read from or written to the database):
- the path, the query string, the headers we read and every string and key of a JSON body hold
  no control characters (C0 except tab, newline and carriage return in JSON strings; DEL; C1)
  and no lone UTF-16 surrogates; path and query string are UTF-8; headers we read are
  printable ASCII and no longer than where they are kept;
- a JSON body is standard JSON, nested at most `JSON_MAX_DEPTH` deep, an object at the top,
  with integers in the database's 32-bit range;
- a body over `MAX_CONTENT_LENGTH` is refused with 413 (Flask, when it is read).
PostgreSQL refuses NUL in text and surrogates in UTF-8 (a 500 if they reach it); SQLite stores
them and hands them back to every later reader. Fields then check meaning (app/fields.py).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.json_provider import JSONRejected
from app.errors import DomainError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# Control characters and surrogates; JSON strings may also hold tab, LF and CR (multi-line text).
_BAD_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_ANYWHERE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
# The headers we read, and how long each may be (None: its owner checks the length, as
# app/cases/idempotency.py does for the Idempotency-Key, with the key's other rules).
READ_HEADERS: dict[str, int | None] = {"Authorization": 2048, "Idempotency-Key": None}


class BadRequest(DomainError):
    status = 400


def _bad_characters(where: str) -> BadRequest:
    return BadRequest(
        "invalid_characters",
        "请求中含有不允许的字符（控制字符或无效编码）",
        f"The request's {where} holds characters that are not allowed "
        "(control characters or invalid encoding)",
        where=where,
    )


def _invalid_json(exc: JSONRejected) -> BadRequest:
    return BadRequest(
        "invalid_json",
        "请求体不是有效的 JSON",
        f"The request body is not acceptable JSON: {exc}",
        reason=exc.reason,
    )


class GuardedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        # Any caller of request.get_json() gets our error, not werkzeug's HTML 400.
        if isinstance(e, JSONRejected):
            raise _invalid_json(e) from e
        return super().on_json_loading_failed(e)


def _check_path() -> None:
    raw = request.environ.get("PATH_INFO", "")
    try:  # WSGI hands the path over as latin-1; werkzeug would quietly replace bad UTF-8
        path = raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise _bad_characters("path") from None
    if _BAD_ANYWHERE.search(path):
        raise _bad_characters("path")


def _check_query() -> None:
    raw = request.environ.get("QUERY_STRING", "")
    if not raw:
        return
    try:  # latin-1 in WSGI, as the path; percent-escapes decoded, then UTF-8 strictly
        text = unquote_to_bytes(raw.encode("latin-1").replace(b"+", b" ")).decode("utf-8")
    except UnicodeError:
        raise _bad_characters("query string") from None
    if _BAD_ANYWHERE.search(text):
        raise _bad_characters("query string")


def _check_headers() -> None:
    for name, limit in READ_HEADERS.items():
        value = request.headers.get(name)
        if value is None:
            continue
        if not _PRINTABLE_ASCII.fullmatch(value):
            raise _bad_characters(f"{name} header")
        if limit is not None and len(value) > limit:
            raise BadRequest(
                "header_too_long",
                f"请求头 {name} 过长（最多 {limit} 个字符）",
                f"The {name} header is longer than {limit} characters",
                header=name,
                max_length=limit,
            )


def _check_json_value(value: Any, path: list) -> None:
    """Strings, keys and integers of a parsed body (its depth is already bounded)."""
    if isinstance(value, str):
        if _BAD_IN_TEXT.search(value):
            raise _bad_characters("JSON body at " + _pointer(path))
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not INT32_MIN <= value <= INT32_MAX:
            raise DomainError(
                "number_out_of_range",
                "数值超出允许范围",
                f"The number at {_pointer(path)} is outside {INT32_MIN}..{INT32_MAX}",
                status=422,
                where=_pointer(path),
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if _BAD_IN_TEXT.search(key):
                raise _bad_characters("JSON body at " + _pointer(path))
            _check_json_value(item, [*path, key])
    else:
        for index, item in enumerate(value):
            _check_json_value(item, [*path, index])


def _pointer(path: list) -> str:
    """An RFC 6901 JSON pointer, e.g. /data/co_department_ids/0."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def _check_body() -> None:
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()  # whatever its type: no view reads more than this
    if not request.is_json or not request.content_length and not request.get_data(cache=True):
        return
    body = request.get_json()  # parsed once (depth-limited, app/api/json_provider.py), cached
    if not isinstance(body, dict):
        raise DomainError(
            "invalid_request",
            "请求数据不符合要求",
            "The request body must be a JSON object",
            status=422,
            errors={"json": {"_schema": ["Must be a JSON object."]}},
        )
    _check_json_value(body, [])


def guard_request() -> None:
    _check_path()
    _check_query()
    _check_headers()
    _check_body()


def init_request_guard(app: Flask) -> None:
    app.request_class = GuardedRequest
    # First among the before-request functions: nothing else sees an unchecked request.
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)
