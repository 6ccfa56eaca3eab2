"""Scheduled jobs. Each is idempotent: running it twice changes nothing the second time."""

from __future__ import annotations

import logging

from flask import Flask

from app.cases import overdue_scan
from app.clock import clock

log = logging.getLogger(__name__)


def mark_overdue(app: Flask) -> int:
    with app.app_context():
        changed = overdue_scan.mark_overdue(clock.now())
        if changed:
            log.info("marked %d case(s) overdue", changed)
        return changed
