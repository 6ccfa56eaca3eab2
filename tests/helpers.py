"""Small helpers for driving cases through the HTTP API in tests."""

from __future__ import annotations

from typing import Any

INTAKE: dict[str, Any] = {
    "channel": "phone",
    "citizen_name": "张伟",
    "citizen_phone": "13800001111",
    "citizen_address": "东城区和平路1号",
    "content": "小区门口路灯不亮已经一周",
    "case_type": "help",
    "priority": "normal",
}


class Api:
    """A thin client: `api.create(...)`, `api.act(case, "sign", "east_urban_handler")`."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth

    def create(self, as_user: str = "agent", headers: dict | None = None, **fields) -> dict:
        resp = self.client.post(
            "/api/v1/cases",
            json={**INTAKE, **fields},
            headers={**self.auth(as_user), **(headers or {})},
        )
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()

    def act(self, case_id: int, action: str, as_user: str, expect: int = 200, **data):
        task_id = data.pop("task_id", None)
        resp = self.client.post(
            f"/api/v1/cases/{case_id}/{action.replace('_', '-')}",
            json={"data": data, "task_id": task_id},
            headers=self.auth(as_user),
        )
        assert resp.status_code == expect, resp.get_json()
        return resp.get_json()

    def get(self, case_id: int, as_user: str = "dispatcher") -> dict:
        resp = self.client.get(f"/api/v1/cases/{case_id}", headers=self.auth(as_user))
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()
