"""Errors on pages are pages: the API's handlers (app/api/errors.py) answer in our JSON shape
under /api/ and hand every other path to `render_error` here."""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_babel import get_locale

PAGE_ERRORS = "minqing.page_errors"


def render_error(
    status: int, code: str, zh: str, en: str, details: dict | None, headers: list | None
) -> Response:
    message = zh if str(get_locale()).startswith("zh") else en
    html = render_template("pages/error.html", status=status, code=code, message=message)
    response = Response(html, status=status, mimetype="text/html")
    if headers:
        response.headers.extend(headers)
    return response


def init_page_errors(app: Flask) -> None:
    app.extensions[PAGE_ERRORS] = render_error
