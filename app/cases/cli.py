"""`flask cases ...`: drive a case from the command line, as a named user."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
from flask import Blueprint
from sqlalchemy import select

from app.cases import queries, service
from app.errors import DomainError
from app.extensions import db
from app.models import User
from app.timefmt import to_rfc3339

bp = Blueprint("cases_cli", __name__, cli_group="cases")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"no user '{username}'")
    return user


def _json_value(value):
    if isinstance(value, datetime):
        return to_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _echo(body: dict) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2, default=_json_value))


@bp.cli.command("create")
@click.option("--as", "username", required=True)
@click.option("--phone", required=True)
@click.option("--name", "citizen_name", required=True)
@click.option("--content", required=True)
@click.option("--type", "case_type", default="help", show_default=True)
@click.option("--priority", default="normal", show_default=True)
@click.option("--channel", default="phone", show_default=True)
@click.option("--answer", default="", help="Answer given at intake: closes the case at once")
def create_command(username, phone, citizen_name, content, case_type, priority, channel, answer):
    """Accept a demand and print the case number and query password."""
    intake = service.Intake(
        channel=channel,
        citizen_name=citizen_name,
        citizen_phone=phone,
        content=content,
        case_type=case_type,
        priority=priority,
        answered=bool(answer),
        answer=answer,
    )
    try:
        case, password, _ = service.accept(intake, _user(username))
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.en}") from exc
    click.echo(f"{case.number} password {password} status {case.status}")


@bp.cli.command("act")
@click.argument("ref")
@click.argument("action")
@click.option("--as", "username", required=True)
@click.option("--data", default="{}", help="Form data as JSON")
def act_command(ref, action, username, data):
    """Take ACTION (transfer, sign, reply, ...) on case REF (id or number)."""
    user = _user(username)
    try:
        case = queries.get_visible_case(user, ref)
        case = service.act(case.id, action.replace("-", "_"), json.loads(data), user)
    except (DomainError, json.JSONDecodeError) as exc:
        message = f"{exc.code}: {exc.en}" if isinstance(exc, DomainError) else str(exc)
        raise click.ClickException(message) from exc
    click.echo(f"{case.number} status {case.status}")


@bp.cli.command("show")
@click.argument("ref")
@click.option("--as", "username", required=True)
def show_command(ref, username):
    """Print a case: status, open tasks, timeline and the actions open to USER."""
    user = _user(username)
    try:
        _echo(queries.detail(user, queries.get_visible_case(user, ref)))
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.en}") from exc
