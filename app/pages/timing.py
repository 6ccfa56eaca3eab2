"""`Server-Timing: app;dur=<ms>` on every answer when SERVER_TIMING is on: the time the app took
from receiving the request to starting its answer (everything Flask does: session, CSRF, the
view, the template, the cookie; a streamed body's bytes are not included). The page benchmark
(bench/pages.py) reads it. Off by default: it tells any client how long the server worked."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from flask import Flask


class ServerTiming:
    """WSGI middleware around the app: adds the header when the app starts its response."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            took = (time.perf_counter() - started) * 1000
            headers.append(("Server-Timing", f"app;dur={took:.1f}"))
            return start_response(status, headers, exc_info)

        result: Iterable[bytes] = self.wsgi_app(environ, timed)
        return result


def init_timing(app: Flask) -> None:
    if app.config.get("SERVER_TIMING"):
        # Flask's documented way to wrap its WSGI callable (the attribute shadows the method).
        app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]
