"""`flask seed demo`: a demo city to click through."""

from __future__ import annotations

import time

import click
from flask import Blueprint

from app.auth import passwords
from app.clock import clock
from app.errors import DomainError
from app.seed.bulk import BULK_THRESHOLD, THROUGH_SERVICE, seed_bulk_cases
from app.seed.cases import demo_case_count, seed_demo_cases
from app.seed.city import seed_city
from app.seed.telephony import seed_telephony

bp = Blueprint("seed_cli", __name__, cli_group="seed")


@bp.cli.command("demo")
@click.option(
    "--password",
    default="demo12345",
    show_default=True,
    help="Password of every demo login; given on an existing database, it resets theirs",
)
@click.option(
    "--cases",
    "count",
    default=40,
    show_default=True,
    help="How many demo cases the database should hold: those missing are added "
    f"(more than {BULK_THRESHOLD} at once: templates cloned in bulk)",
)
def demo_command(password: str, count: int) -> None:
    """Build a demo city: departments, logins, case types, holidays, cases in every status,
    skill groups with agents and their states, and the calls of the last 60 days.

    On an existing database the demo logins keep their rows (and their passwords unless
    `--password` is given), and demo cases are added only up to `--cases` in all: a second run
    adds none.
    """
    given = click.get_current_context().get_parameter_source("password")
    reset = given is not click.core.ParameterSource.DEFAULT
    try:
        passwords.validate_new_password(password)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.en}") from exc
    started = time.perf_counter()
    depts, logins, version = seed_city(clock.now().year, password, by="seed", reset_passwords=reset)
    click.echo(f"city and {len(logins)} logins in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    there = demo_case_count()
    wanted = max(0, count - there)
    if wanted > BULK_THRESHOLD:
        made = seed_demo_cases(THROUGH_SERVICE, first=there + 1)
        bulk, _templates = seed_bulk_cases(
            wanted - made, echo=click.echo, first_key=there + made + 1
        )
        made += bulk
    else:
        made = seed_demo_cases(wanted, first=there + 1)
    if there:
        click.echo(
            f"{there} demo cases were there already; {made} added "
            f"({there + made} in all, --cases {count})"
        )
    else:
        click.echo(f"{made} cases in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    seed_telephony(password, echo=click.echo)
    click.echo(f"telephony in {time.perf_counter() - started:.1f}s")
    click.echo(
        f"departments: {len(depts)}, process {version.process_id} v{version.version}, "
        f"demo cases: {there + made}"
    )
    kept = "" if reset or not there else "; logins changed since keep theirs"
    click.echo(f"logins (password '{password}'{kept}, for a demo only):")
    for login in logins:
        click.echo(f"  {login.username:<22} {login.role:<11} {login.department}")
