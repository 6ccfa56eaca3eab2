"""`flask telephony ...`: the bridge's service account from the command line."""

from __future__ import annotations

import click
from flask import Blueprint

from app.auth.tokens import issue_token
from app.extensions import db
from app.telephony.account import service_account

bp = Blueprint("telephony_cli", __name__, cli_group="telephony")


@bp.cli.command("token")
def token_command() -> None:
    """Print a fresh API token for the bridge's account `ari_bridge` (made when missing):
    the bridge's MINQING_API_TOKEN. Valid for TOKEN_MAX_AGE_SECONDS."""
    user = service_account()
    db.session.commit()
    click.echo(issue_token(user))
