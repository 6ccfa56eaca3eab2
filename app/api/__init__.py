"""The JSON API at /api/v1, described by /api/v1/openapi.json."""

from __future__ import annotations

from datetime import date

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import api


class _JSONProvider(DefaultJSONProvider):
    """Dates as ISO 8601, as the marshmallow schemas write them. Flask's default is an HTTP
    date labelled "GMT", wrong for the naive local times the hotline stores."""

    @staticmethod
    def default(o):
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def init_api(app: Flask) -> None:
    from app.api import auth, cases, inbox

    app.json = _JSONProvider(app)
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "signed token"}
    )
    api.register_blueprint(auth.blp)
    api.register_blueprint(cases.blp)
    api.register_blueprint(inbox.blp)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(422)
    def invalid_request(exc: HTTPException):
        messages = getattr(exc, "data", {}).get("messages", {})
        body = {
            "code": "invalid_request",
            "message": {"zh": "请求数据不符合要求", "en": "The request data is not valid"},
            "details": {"errors": messages},
        }
        return jsonify(body), 422
