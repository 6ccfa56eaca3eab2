"""What every answer looks like on the wire: UTF-8 JSON with Chinese as it is, datetimes in
RFC 3339 with the city's offset (API, CLI, event data), and the security headers."""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import CaseEvent

MONDAY = datetime(2026, 3, 2, 10, 0)
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}")


def _datetimes(value, path=""):
    """(path, value) of every datetime-looking string in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _datetimes(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _datetimes(v, f"{path}[{i}]")
    elif isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:", value):
        yield path, value


def _signed_case(api, dept) -> int:
    clock.freeze(MONDAY)
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    return case_id


def test_json_is_utf8_without_escapes(api, client, auth):
    created = api.create()
    resp = client.get(f"/api/v1/cases/{created['id']}", headers=auth("dispatcher"))
    assert resp.mimetype == "application/json"
    raw = resp.get_data()
    assert "张伟".encode() in raw and b"\\u" not in raw
    error = client.get("/api/v1/cases/no-such", headers=auth("dispatcher")).get_data()
    assert "工单不存在".encode() in error and b"\\u" not in error
    spec = client.get("/api/v1/openapi.json").get_data()
    assert "签收".encode() in spec


def test_api_datetimes_are_rfc3339_with_the_city_offset(api, dept, client, auth):
    case_id = _signed_case(api, dept)
    detail = api.get(case_id)
    found = dict(_datetimes(detail))
    assert {".created_at", ".sign_due_at", ".timeline[0].at", ".open_tasks[0].due_at"} <= set(
        found
    ) or ".handle_due_at" in found
    for path, value in found.items():
        assert RFC3339.fullmatch(value), (path, value)
    assert detail["created_at"] == "2026-03-02T10:00:00+08:00"
    for body in (
        client.get("/api/v1/cases", headers=auth("dispatcher")).get_json(),
        client.get("/api/v1/inbox", headers=auth("urban_handler")).get_json(),
    ):
        for path, value in _datetimes(body):
            assert RFC3339.fullmatch(value), (path, value)


def test_the_timezone_setting_sets_the_offset(api, app):
    clock.freeze(MONDAY)
    case_id = api.create()["id"]
    app.config["TIMEZONE"] = "Europe/Berlin"
    assert api.get(case_id)["created_at"] == "2026-03-02T10:00:00+01:00"


def test_event_data_datetimes_are_rfc3339(api, dept):
    case_id = _signed_case(api, dept)
    sign = db.session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "sign")
    )
    assert sign.data["due"] == "2026-03-02T14:00:00+08:00"


def test_cli_prints_rfc3339(api, dept, app):
    case_id = _signed_case(api, dept)
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["cases", "show", str(case_id), "--as", "dispatcher"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["created_at"] == "2026-03-02T10:00:00+08:00"
    for path, value in _datetimes(body):
        assert RFC3339.fullmatch(value), (path, value)


def test_security_headers(api, client, auth):
    case_id = api.create()["id"]
    for resp in (
        client.get(f"/api/v1/cases/{case_id}", headers=auth("dispatcher")),
        client.post("/api/v1/auth/token", json={"username": "agent", "password": "test-pass"}),
        client.get("/api/v1/cases/no-such", headers=auth("dispatcher")),
        client.get("/api/v1/cases"),
    ):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Cache-Control"] == "no-store"
    spec = client.get("/api/v1/openapi.json")
    assert spec.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in spec.headers.get("Cache-Control", "")
