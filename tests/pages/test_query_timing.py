"""The Server-Timing header the page benchmark reads (bench/pages.py): on with SERVER_TIMING,
absent by default."""

from __future__ import annotations

import re

from app import create_app


def test_server_timing_only_when_the_setting_is_on(app):
    assert "Server-Timing" not in app.test_client().get("/login").headers
    timed = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "TESTING": True,
            "SERVER_TIMING": True,
        }
    )
    with timed.app_context():
        resp = timed.test_client().get("/login")
    assert resp.status_code == 200
    assert re.fullmatch(r"app;dur=\d+\.\d", resp.headers["Server-Timing"])
