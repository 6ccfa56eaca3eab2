"""`flask scheduler run`: the background scheduler, its own process (not in web workers).

Start as many as you like: one is active (app/scheduler/leader.py), the others stand by and
poll every ``SCHEDULER_POLL_SECONDS``; the first to find the active one gone takes over and
catches up at once (app/scheduler/deadline_scan.py stamps what it writes with when it was due).
"""

from __future__ import annotations

import signal

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Blueprint, current_app

from app.clock import clock
from app.scheduler import jobs
from app.scheduler.leader import Leadership

bp = Blueprint("scheduler_cli", __name__, cli_group="scheduler")


@bp.cli.command("run")
@click.option("--interval", default=60, show_default=True, help="Seconds between scans")
def run_command(interval: int) -> None:
    """Scan deadlines every INTERVAL seconds while this process is the active one."""
    # The app itself, for the jobs' threads: LocalProxy's method, which Flask's type of
    # current_app (Flask) does not declare.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    leadership = Leadership(app)
    scheduler = BlockingScheduler()

    def scan() -> None:
        if leadership.active:
            jobs.run_all(app)

    def poll() -> None:
        was = leadership.active
        if leadership.poll() and not was:
            click.echo(f"scheduler {leadership.holder}: active at {clock.now()}", err=True)
            scheduler.modify_job("scan", next_run_time=_real_now())  # catch up at once

    def stop(_signum: int, _frame: object) -> None:
        scheduler.shutdown(wait=False)

    scheduler.add_job(scan, "interval", seconds=interval, id="scan", max_instances=1, coalesce=True)
    scheduler.add_job(
        poll,
        "interval",
        seconds=float(app.config["SCHEDULER_POLL_SECONDS"]),
        id="poll",
        max_instances=1,
        coalesce=True,
        next_run_time=_real_now(),
    )
    signal.signal(signal.SIGTERM, stop)
    click.echo(f"scheduler {leadership.holder}: scans every {interval}s when active", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        leadership.release()


def _real_now():  # APScheduler runs on wall-clock time, not the app's clock
    from datetime import datetime

    return datetime.now().astimezone()
