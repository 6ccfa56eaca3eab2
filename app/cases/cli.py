"""`flask cases ...`: drive a case from the command line, as a named user."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime

import click
from flask import Blueprint
from marshmallow import ValidationError
from sqlalchemy import select

from app.cases import queries, service
from app.cases.intake_schema import IntakeSchema, field_errors
from app.errors import DomainError
from app.extensions import db
from app.models import Department, User
from app.timefmt import to_rfc3339

bp = Blueprint("cases_cli", __name__, cli_group="cases")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"no user '{username}'")
    return user


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return to_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _echo(body: Mapping[str, object]) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2, default=_json_value))


# `flask cases create` options and the intake fields they fill, to name a refused field the way
# the user typed it.
OPTION_OF_FIELD = {
    "channel": "--channel",
    "citizen_name": "--name",
    "citizen_phone": "--phone",
    "citizen_address": "--address",
    "content": "--content",
    "case_type": "--type",
    "category": "--category",
    "priority": "--priority",
    "answer": "--answer",
    "external_id": "--external-id",
}


def _refusal(exc: DomainError) -> click.ClickException:
    lines = [f"{exc.code}: {exc.en}"]
    lines += [f"  {key}: {value}" for key, value in exc.details.items()]
    return click.ClickException("\n".join(lines))


def _intake(options: Mapping[str, str | None]) -> service.Intake:
    """The options loaded by the intake schema the API loads its body with: same rules, same
    reasons."""
    raw: dict[str, object] = {key: value for key, value in options.items() if value is not None}
    raw["answered"] = bool(raw.get("answer"))
    try:
        return service.Intake(**IntakeSchema().load(raw))
    except ValidationError as exc:
        lines = ["invalid_request: The request data is not valid"]
        for line in field_errors(exc):
            name, _, reason = line.partition(": ")
            option = OPTION_OF_FIELD.get(name)
            lines.append(f"  {name} ({option}): {reason}" if option else f"  {line}")
        raise click.ClickException("\n".join(lines)) from exc


@bp.cli.command("create")
@click.option("--as", "username", required=True)
@click.option("--phone", "citizen_phone", required=True)
@click.option("--name", "citizen_name", required=True)
@click.option("--content", required=True)
@click.option("--type", "case_type", default="help", show_default=True)
@click.option("--priority", default="normal", show_default=True)
@click.option("--channel", default="phone", show_default=True)
@click.option("--address", "citizen_address", default=None)
@click.option("--category", default=None)
@click.option("--external-id", "external_id", default=None, help="Makes a repeat a replay")
@click.option("--answer", default=None, help="Answer given at intake: closes the case at once")
def create_command(username: str, **options: str | None) -> None:
    """Accept a demand and print the case number and query password.

    The options are checked by the same rules as the API's intake (app/cases/intake_schema.py).
    """
    intake = _intake(options)
    try:
        case, password, created = service.accept(intake, _user(username))
    except DomainError as exc:
        raise _refusal(exc) from exc
    if not created:
        click.echo(f"{case.number} status {case.status} (replayed: the case made before)")
        return
    click.echo(f"{case.number} password {password} status {case.status}")


@bp.cli.command("departments")
def departments_command() -> None:
    """List the departments: id (what a transfer's target_department_id names), code, kind,
    name; indented under the centre they belong to."""
    rows = db.session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.id)
    )
    click.echo(f"{'id':>5}  {'code':<24} {'kind':<10} name")
    for dept in rows:
        depth = dept.path.count("/") - 2  # "/1/" is the top
        click.echo(
            f"{dept.id:>5}  {'  ' * depth}{dept.code:<{24 - 2 * depth}} {dept.kind:<10} "
            f"{dept.name} ({dept.name_en})"
        )


@bp.cli.command("act")
@click.argument("ref")
@click.argument("action")
@click.option("--as", "username", required=True)
@click.option("--data", default="{}", help="Form data as JSON")
def act_command(ref: str, action: str, username: str, data: str) -> None:
    """Take ACTION (transfer, sign, reply, ...) on case REF (id or number)."""
    user = _user(username)
    try:
        case = queries.get_visible_case(user, ref)
        case = service.act(case.id, action.replace("-", "_"), json.loads(data), user)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--data is not JSON: {exc}") from exc
    except DomainError as exc:
        raise _refusal(exc) from exc
    click.echo(f"{case.number} status {case.status}")


@bp.cli.command("show")
@click.argument("ref")
@click.option("--as", "username", required=True)
def show_command(ref: str, username: str) -> None:
    """Print a case: status, open tasks, timeline and the actions open to USER."""
    user = _user(username)
    try:
        _echo(queries.detail(user, queries.get_visible_case(user, ref)))
    except DomainError as exc:
        raise _refusal(exc) from exc
