"""The web app's telephony API (`/api/v1/telephony`), as the bridge calls it.

Reads (config, offer, status query, commands) are direct and raise `Unavailable` when the web
app cannot answer (connection refused, timeout, 5xx): the call flow then falls back (the kept
config; queue → voicemail). Writes go through the spool; `send` delivers one spooled op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from ari_bridge.spool import Op

PREFIX = "/api/v1/telephony"


class Unavailable(Exception):
    """The web app did not answer (down, overloaded, or answered 5xx)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the decoded JSON, or None


def error_code(body: Any) -> str | None:
    """The `error.code` of our JSON error shape, if the body is one."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        return code if isinstance(code, str) else None
    return None


class WebApp:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + PREFIX,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    async def close(self) -> None:
        await self.http.aclose()

    def use_token(self, token: str) -> None:
        self.http.headers["Authorization"] = f"Bearer {token}"

    async def renew_token(self) -> tuple[str, int] | None:
        """A fresh token for the bridge (POST /token): (token, seconds it lives), or None
        when the web app refused (the token in use is no longer valid)."""
        answer = await self._request("POST", "/token")
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status != 200 or not body.get("access_token"):
            return None
        return str(body["access_token"]), int(body.get("expires_in") or 3600)

    async def _request(self, method: str, path: str, **kw: Any) -> Answer:
        try:
            resp = await self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise Unavailable(f"{method} {path}: {exc!r}") from exc
        if resp.status_code >= 500:
            raise Unavailable(f"{method} {path}: {resp.status_code}")
        try:
            body = resp.json() if resp.content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        return Answer(resp.status_code, body)

    async def config(self, etag: str | None) -> tuple[int, str | None, Any]:
        """(200, etag, config) or (304, etag, None)."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            resp = await self.http.get("/config", headers=headers)
        except httpx.HTTPError as exc:
            raise Unavailable(f"GET /config: {exc!r}") from exc
        if resp.status_code >= 500:
            raise Unavailable(f"GET /config: {resp.status_code}")
        if resp.status_code == 304:
            return 304, etag, None
        if resp.status_code != 200:
            raise Unavailable(f"GET /config: {resp.status_code} {resp.text[:200]}")
        return 200, resp.headers.get("ETag"), resp.json()

    async def offer(self, group: str, channel_id: str, caller: str, exclude: list[str]) -> Answer:
        return await self._request(
            "POST", f"/queues/{group}/offer",
            json={"channel_id": channel_id, "caller": caller, "exclude": exclude},
        )  # fmt: skip

    async def no_answer(self, agent: str, channel_id: str) -> Answer:
        return await self._request(
            "POST", f"/agents/{agent}/no-answer", json={"channel_id": channel_id}
        )

    async def status_query(self, number: str, password: str, caller: str) -> Answer:
        return await self._request(
            "POST", "/status-query",
            json={"number": number, "password": password, "caller": caller},
        )  # fmt: skip

    async def commands(self, wait: int) -> list[dict[str, Any]]:
        answer = await self._request("GET", "/commands", params={"wait": wait}, timeout=wait + 10)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise Unavailable(f"GET /commands: {answer.status}")
        commands = answer.body.get("commands") or []
        return [c for c in commands if isinstance(c, dict)]

    async def send(self, op: Op) -> Answer:
        """Deliver one spooled op: JSON, a raw file body, or multipart fields + a file."""
        kw: dict[str, Any] = {}
        if op.file is not None and op.file_field is None:
            kw["content"] = op.file.read_bytes()
            kw["headers"] = {"Content-Type": op.content_type or "application/octet-stream"}
        elif op.file is not None:
            kw["data"] = {k: str(v) for k, v in (op.body or {}).items()}
            kw["files"] = {
                op.file_field: ("recording.wav", op.file.read_bytes(), op.content_type or "")
            }
        elif op.body is not None:
            kw["json"] = op.body
        return await self._request(op.method, op.path, **kw)
