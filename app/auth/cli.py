"""`flask users ...`: manage logins from the command line."""

from __future__ import annotations

import click
from flask import Blueprint
from sqlalchemy import select

from app.auth import passwords
from app.errors import DomainError
from app.extensions import db
from app.models import User

bp = Blueprint("users_cli", __name__, cli_group="users")


@bp.cli.command("set-password")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (asked for, hidden, when not given)",
)
def set_password_command(username: str, password: str) -> None:
    """Set USERNAME's password (hashed as at login: scrypt, a salt of its own)."""
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"no user '{username}'")
    try:
        passwords.set_password(user, password)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.en}") from exc
    db.session.commit()
    click.echo(f"password of '{username}' set")
