"""Security headers on every response.

- `X-Content-Type-Options: nosniff`: a JSON answer is never sniffed into HTML or script.
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page of ours inside a frame.
- `Referrer-Policy: no-referrer`: case numbers and ids in our URLs do not leak to other sites.
- `Cache-Control: no-store` on API answers: they carry citizens' names, phones and addresses,
  and tokens; no browser or proxy keeps them. The OpenAPI document alone may be cached.
"""

from __future__ import annotations

from flask import Flask, Response, request

API_PREFIX = "/api/"
CACHEABLE = frozenset({"/api/v1/openapi.json"})


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(API_PREFIX) and request.path not in CACHEABLE:
        headers["Cache-Control"] = "no-store"
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
