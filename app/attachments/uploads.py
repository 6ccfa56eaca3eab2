"""The request-body limit of the views that take files.

Every request stops at MAX_CONTENT_LENGTH (1 MB, app/api/request_guard.py); a view marked
`accepts_upload` may receive ATTACHMENTS_PER_UPLOAD files of ATTACHMENT_MAX_BYTES each, plus
its form's fields. The limit is raised before any other before-request function reads the
body (the guard, the CSRF check); nothing here reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

FORM_FIELDS_BYTES = 256 * 1024  # the fields beside the files (a reply's text, the token)
View = TypeVar("View", bound=Callable[..., object])


def accepts_upload(view: View) -> View:
    view.minqing_accepts_upload = True  # type: ignore[attr-defined]
    return view


def request_limit() -> int:
    config = current_app.config
    per_file = int(config["ATTACHMENT_MAX_BYTES"])
    return int(config["ATTACHMENTS_PER_UPLOAD"]) * (per_file + 4096) + FORM_FIELDS_BYTES


def _raise_the_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "minqing_accepts_upload", False):
        floor = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        request.max_content_length = max(request_limit(), floor)


def init_uploads(app: Flask) -> None:
    # First of all before-request functions, ahead of the request guard that refuses a body
    # over the request's limit.
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_the_limit)
