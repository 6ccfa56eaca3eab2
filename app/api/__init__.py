"""The JSON API at /api/v1, described by /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from app.api.converters import IdConverter, id_parameter_schema
from app.api.errors import ErrorSchema, init_errors
from app.api.json_provider import JSONProvider
from app.api.request_guard import init_request_guard
from app.extensions import api


def init_api(app: Flask) -> None:
    from app.api import (
        attachments,
        auth,
        cases,
        inbox,
        notifications,
        oversight,
        reference,
        telephony,
    )
    from app.attachments.uploads import init_uploads

    app.json = JSONProvider(app)
    app.url_map.converters["id"] = IdConverter
    init_request_guard(app)
    init_uploads(app)  # ahead of the guard: the views that take files take larger bodies
    # The OpenAPI document declares our error shape for every operation's error responses
    # (flask-smorest's default responses and its 422 use ERROR_SCHEMA).
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    api.register_converter(IdConverter, id_parameter_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "signed token"}
    )
    api.register_blueprint(auth.blp)
    api.register_blueprint(cases.blp)
    api.register_blueprint(inbox.blp)
    api.register_blueprint(reference.blp)
    api.register_blueprint(attachments.blp)
    api.register_blueprint(oversight.blp)
    api.register_blueprint(notifications.blp)
    api.register_blueprint(telephony.blp)
    init_errors(app)  # after api.init_app: replaces flask-smorest's HTTPException handler
