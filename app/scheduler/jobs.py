"""Scheduled jobs. Each is idempotent: running it twice changes nothing the second time.

`run_all` is what the active scheduler process runs every interval (app/scheduler/cli.py):
the overdue flag (app/cases/overdue_scan.py), the deadline marks with their events and
notifications (deadline_scan.py), and the daily digest (digest.py). Another part's periodic
job joins JOBS: a function of (app, now), idempotent, exactly once by its own guard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask

from app.cases import overdue_scan
from app.clock import clock
from app.notifications.delivery import outbox
from app.oversight import ladder, supervision
from app.reports import monthly
from app.scheduler import deadline_scan, digest

log = logging.getLogger(__name__)


def mark_overdue(app: Flask) -> int:
    with app.app_context():
        changed = overdue_scan.mark_overdue(clock.now())
        if changed:
            log.info("marked %d case(s) overdue", changed)
        return changed


def mark_deadlines(app: Flask, now: datetime | None = None) -> dict[str, int]:
    with app.app_context():
        return deadline_scan.scan(now or clock.now())


def send_digests(app: Flask, now: datetime | None = None) -> int:
    with app.app_context():
        return digest.run(now or clock.now())


JOBS: dict[str, Callable[..., Any]] = {
    "mark_overdue": lambda app, now: mark_overdue(app),
    "mark_deadlines": mark_deadlines,
    "send_digests": send_digests,
    # The oversight office's (app/oversight): the escalation ladder's steps, and supervision
    # orders whose feedback date has passed.
    "ladder": lambda app, now: _in_context(app, ladder.run, now),
    "supervision_overdue": lambda app, now: _in_context(app, supervision.run, now),
    # The reports' (app/reports/monthly.py): each department's PDF of the month before, from
    # the first working day of a month on.
    "monthly_reports": lambda app, now: _in_context(app, monthly.run, now),
    # Last: the e-mail and SMS outbox (app/notifications/delivery), after the jobs that fill it.
    "deliver": lambda app, now: _in_context(app, outbox.deliver_due, now),
}


def _in_context(app: Flask, job: Callable[[datetime], Any], now: datetime) -> Any:
    with app.app_context():
        return job(now)


def run_all(app: Flask) -> dict[str, Any]:
    """Every job once, at one instant of the clock; a failing job does not stop the others."""
    with app.app_context():
        now = clock.now()
    out: dict[str, Any] = {}
    for name, job in JOBS.items():
        try:
            out[name] = job(app, now)
        except Exception:
            log.exception("scheduler job %s failed", name)
            out[name] = None
    return out
