"""`flask seed demo`: a demo city to click through."""

from __future__ import annotations

import time

import click
from flask import Blueprint

from app.auth import passwords
from app.clock import clock
from app.errors import DomainError
from app.seed.bulk import BULK_THRESHOLD, THROUGH_SERVICE, seed_bulk_cases
from app.seed.cases import seed_demo_cases
from app.seed.city import seed_city

bp = Blueprint("seed_cli", __name__, cli_group="seed")


@bp.cli.command("demo")
@click.option(
    "--password", default="demo12345", show_default=True, help="Password of every demo login"
)
@click.option(
    "--cases",
    "count",
    default=40,
    show_default=True,
    help=f"How many demo cases (above {BULK_THRESHOLD}: templates cloned in bulk)",
)
def demo_command(password: str, count: int) -> None:
    """Build a demo city: departments, logins, case types, holidays, cases in every status.

    On an existing database the demo logins keep their rows and get `--password`.
    """
    try:
        passwords.validate_new_password(password)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.en}") from exc
    started = time.perf_counter()
    depts, logins, version = seed_city(clock.now().year, password, by="seed")
    click.echo(f"city and {len(logins)} logins in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    if count > BULK_THRESHOLD:
        made = seed_demo_cases(THROUGH_SERVICE)
        bulk, _templates = seed_bulk_cases(count - made, echo=click.echo)
        made += bulk
    else:
        made = seed_demo_cases(count)
    click.echo(f"{made} cases in {time.perf_counter() - started:.1f}s")
    click.echo(
        f"departments: {len(depts)}, process {version.process_id} v{version.version}, cases: {made}"
    )
    click.echo(f"logins (password '{password}', for a demo only):")
    for login in logins:
        click.echo(f"  {login.username:<22} {login.role:<11} {login.department}")
