"""Every error the app answers, in one shape:

    {"code": "machine_readable", "message": {"zh": "...", "en": "..."}, "details": {...}?}

- `DomainError` (app/errors.py): its own code, status and details.
- Any werkzeug `HTTPException` — unknown routes (404), wrong methods (405, `Allow` kept), bodies
  too large (413), rate limits (429, `Retry-After` kept), flask-smorest's 422 — a code per
  status from `HTTP_ERRORS`, the exception's own headers kept.
- Anything else: logged with its traceback, answered 500 `internal_error` (no detail leaks).
Outside /api/ the same error is answered as a page, by the pages' renderer when they are there.

To answer another exception class in this shape (e.g. a database outage as 503), register a
handler for it that returns `error_response(...)`: Flask picks the most specific class, so it
wins over the last-resort handler here.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from app.errors import DomainError

API_PREFIX = "/api/"
# The pages' renderer of an error, for paths outside the API (app/pages/errors.py registers it
# under this key: the API knows nothing of the pages).
PAGE_ERRORS = "minqing.page_errors"

# status -> (code, zh, en), for HTTP errors raised by the framework rather than our code.
HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式错误", "The request is malformed"),
    401: ("unauthorized", "请先登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You may not do this"),
    404: ("not_found", "请求的地址不存在", "No such resource"),
    405: ("method_not_allowed", "该地址不支持此请求方法", "This method is not allowed here"),
    406: ("not_acceptable", "无法提供所要求的格式", "Cannot answer in the format asked for"),
    409: ("conflict", "与当前状态冲突", "The request conflicts with the current state"),
    411: ("length_required", "请求需提供长度", "The request needs a Content-Length"),
    413: ("payload_too_large", "请求内容过大", "The request body is too large"),
    414: ("uri_too_long", "请求地址过长", "The request URI is too long"),
    415: ("unsupported_media_type", "不支持的请求格式", "The request body's type is not supported"),
    422: ("invalid_request", "请求数据不符合要求", "The request data is not valid"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试", "Too many requests; try again later"),
    431: ("headers_too_large", "请求头过大", "The request headers are too large"),
    500: ("internal_error", "服务器内部错误，请稍后再试", "Internal error; please try again later"),
    503: ("service_unavailable", "服务暂不可用，请稍后再试", "Service unavailable; retry later"),
}
# Headers of an HTTPException's own (HTML) response that ours replaces.
_BODY_HEADERS = {"content-type", "content-length"}


class MessageSchema(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class ErrorSchema(Schema):
    """The body of every error response."""

    code = fields.String(required=True, metadata={"description": "machine-readable error code"})
    message = fields.Nested(MessageSchema, required=True)
    details = fields.Dict(metadata={"description": "what was refused, where a code needs it"})


def error_body(code: str, zh: str, en: str, details: dict | None = None) -> dict:
    body: dict = {"code": code, "message": {"zh": zh, "en": en}}
    if details:
        body["details"] = details
    return body


def error_response(
    status: int,
    code: str,
    zh: str,
    en: str,
    details: dict | None = None,
    headers: dict | list | None = None,
) -> Response:
    page_errors = current_app.extensions.get(PAGE_ERRORS)
    if page_errors is not None and not request.path.startswith(API_PREFIX):
        return page_errors(status, code, zh, en, details, headers)  # a page, for a browser
    response = jsonify(error_body(code, zh, en, details))
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


def _domain_error(exc: DomainError) -> Response:
    return error_response(exc.status, exc.code, exc.zh, exc.en, exc.details or None)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, zh, en = HTTP_ERRORS.get(
        status, ("http_" + str(status), "请求无法处理", exc.name or "Error")
    )
    details = None
    data = getattr(exc, "data", None) or {}  # webargs' abort puts validation messages here
    if "messages" in data:
        details = {"errors": data["messages"]}
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() not in _BODY_HEADERS]
    if exc.response is not None:  # e.g. Flask-Limiter's breach response: keep its headers
        headers += [(k, v) for k, v in exc.response.headers if k.lower() not in _BODY_HEADERS]
    return error_response(status, code, zh, en, details, headers)


def _unexpected(exc: Exception) -> Response:
    # Logged here: a handled exception is not logged by Flask. The client learns nothing of it.
    current_app.logger.exception("unhandled exception", exc_info=exc)
    code, zh, en = HTTP_ERRORS[500]
    return error_response(500, code, zh, en)


def init_errors(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    # Replaces flask-smorest's handler (registered by api.init_app for the same class).
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
