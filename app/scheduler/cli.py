"""`flask scheduler run`: the background scheduler, its own process (not in web workers)."""

from __future__ import annotations

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Blueprint, current_app

from app.scheduler import jobs

bp = Blueprint("scheduler_cli", __name__, cli_group="scheduler")


@bp.cli.command("run")
@click.option("--interval", default=60, show_default=True, help="Seconds between overdue scans")
def run_command(interval: int) -> None:
    """Mark overdue cases every INTERVAL seconds until stopped."""
    # The app itself, for the jobs' threads: LocalProxy's method, which Flask's type of
    # current_app (Flask) does not declare.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler()
    scheduler.add_job(
        jobs.mark_overdue,
        "interval",
        seconds=interval,
        args=[app],
        id="mark_overdue",
        max_instances=1,
        coalesce=True,
    )
    click.echo(f"scheduler: marking overdue cases every {interval}s")
    jobs.mark_overdue(app)
    scheduler.start()
