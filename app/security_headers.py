"""Security headers on every response.

- `X-Content-Type-Options: nosniff`: a JSON answer is never sniffed into HTML or script.
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page of ours inside a frame.
- `Referrer-Policy`: case numbers and ids in our URLs do not leak to other sites. Pages say
  `same-origin`: over HTTPS the CSRF check (Flask-WTF) wants the Referer of our own form posts.
  Everything else says `no-referrer`.
- On pages (HTML), a Content-Security-Policy that lets only our own scripts, styles, fonts and
  images load (every asset is served by the app: app/pages/assets.py) and forms post only here.
  Inline styles are allowed: bpmn-js draws with them. Inline scripts are not.
- `Cache-Control: no-store` on API answers: they carry citizens' names, phones and addresses,
  and tokens; no browser or proxy keeps them. The OpenAPI document alone may be cached.
"""

from __future__ import annotations

from flask import Flask, Response, request

API_PREFIX = "/api/"
CACHEABLE = frozenset({"/api/v1/openapi.json"})
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    page = response.mimetype == "text/html"
    headers.setdefault("Referrer-Policy", "same-origin" if page else "no-referrer")
    headers.setdefault("Content-Security-Policy", PAGE_CSP if page else "frame-ancestors 'none'")

    if page or request.path.startswith(API_PREFIX) and request.path not in CACHEABLE:
        headers["Cache-Control"] = "no-store"  # pages show citizens' data too
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
