"""Login tests start and end with no failed attempts counted."""

from __future__ import annotations

import pytest

from app.extensions import limiter


@pytest.fixture(autouse=True)
def _no_attempts_counted(app):
    with app.app_context():
        limiter().reset()
    yield
    with app.app_context():
        limiter().reset()
