"""One error shape for every status, declared as such in the OpenAPI document."""

from __future__ import annotations

import logging
import secrets

import pytest
from werkzeug.exceptions import TooManyRequests

from app import create_app
from app.errors import Conflict
from tests.api.test_bad_input_classes import assert_error
from tests.helpers import INTAKE


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """An app of its own with routes that fail on purpose (no database is touched)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('errors') / 'unused.db'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": secrets.token_urlsafe(48)}
    )

    def boom():
        raise RuntimeError("secret detail 0xdeadbeef")

    def limited():
        raise TooManyRequests(retry_after=30)

    def conflict():
        raise Conflict("concurrent_update", "冲突", "Conflict")

    app.add_url_rule("/api/v1/test/boom", view_func=boom)
    app.add_url_rule("/api/v1/test/limited", view_func=limited)
    app.add_url_rule("/api/v1/test/conflict", view_func=conflict)
    return app


def test_unexpected_exception_is_500_in_our_shape_and_logged(bare_app, caplog):
    with caplog.at_level(logging.ERROR):
        resp = bare_app.test_client().get("/api/v1/test/boom")
    body = assert_error(resp, 500, "internal_error")
    assert "deadbeef" not in resp.get_data(as_text=True)
    assert "details" not in body
    assert any(
        "secret detail 0xdeadbeef" in str(r.exc_info[1]) for r in caplog.records if r.exc_info
    )


def test_too_many_requests_keeps_retry_after(bare_app):
    resp = bare_app.test_client().get("/api/v1/test/limited")
    assert_error(resp, 429, "too_many_requests")
    assert resp.headers["Retry-After"] == "30"


def test_conflict(bare_app):
    assert_error(bare_app.test_client().get("/api/v1/test/conflict"), 409, "concurrent_update")


def test_unknown_routes_and_methods(client, auth):
    # Outside /api/ a path is a page (tests/pages): its errors are pages too.
    for path in ("/api/nope", "/api/v1/nope", "/api/v1/cases/1/2/3", "/api/v2/cases"):
        assert_error(client.get(path, headers=auth("dispatcher")), 404, "not_found")
    resp = client.delete("/api/v1/cases", headers=auth("dispatcher"))
    assert_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    resp = client.put("/api/v1/auth/token", json={})
    assert_error(resp, 405, "method_not_allowed")
    assert "POST" in resp.headers["Allow"]


def test_statuses_from_the_app(api, client, auth, dept):
    assert_error(client.get("/api/v1/cases"), 401, "no_token")
    assert_error(client.post("/api/v1/cases", json=INTAKE, headers=auth("leader")), 403)
    assert_error(
        client.post("/api/v1/cases", json={}, headers=auth("agent")), 422, "invalid_request"
    )
    resp = client.post(
        "/api/v1/cases", data="{", headers=auth("agent"), content_type="application/json"
    )
    assert_error(resp, 400, "invalid_json")
    resp = client.post(
        "/api/v1/cases", data=b"", headers=auth("agent"), content_type="application/json"
    )
    assert_error(resp, 422, "invalid_request")  # no body: every required field is missing


def test_openapi_declares_the_error_shape_for_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert set(error["properties"]) == {"code", "message", "details"}
    assert error["additionalProperties"] is False
    message = spec["components"]["schemas"]["Message"]
    assert set(message["required"]) == {"zh", "en"}
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, name
    assert "ErrorSchema" not in str(spec) and "Error name" not in str(spec)  # flask-smorest's
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert responses["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, path
            ok = [code for code in responses if code.startswith("2")]
            assert ok or path.endswith("{action}"), (method, path)  # unknown actions: 404 only
            for code in ok:
                # JSON, but for a file's bytes (an attachment's download: its type is its own;
                # a notice: a PDF).
                content = responses[code]["content"]
                files = content.get("*/*") or content.get("application/pdf")
                body = content.get("application/json") or files or {}
                assert "schema" in body, (method, path)
