"""`flask processes validate|deploy`."""

from __future__ import annotations

import click
from flask import Blueprint

from app.engine import ProcessError
from app.processes import service

bp = Blueprint("processes_cli", __name__, cli_group="processes")


@bp.cli.command("validate")
@click.option("--dir", "directory", default=None, help="Folder of .bpmn files (default processes/)")
def validate_command(directory: str | None) -> None:
    """Parse and check every BPMN file without deploying."""
    files = service.read_files(directory)
    try:
        compiled = service.validate(files)
    except ProcessError as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    click.echo(f"ok: {len(files)} file(s), {len(compiled.user_tasks)} user tasks")


@bp.cli.command("deploy")
@click.option("--dir", "directory", default=None, help="Folder of .bpmn files (default processes/)")
@click.option("--by", default="cli", help="Who deploys (recorded)")
def deploy_command(directory: str | None, by: str) -> None:
    """Validate and store a new process version if any file changed."""
    files = service.read_files(directory)
    try:
        version, created = service.deploy(files, by=by)
    except ProcessError as exc:
        raise click.ClickException(f"refused, nothing deployed: {exc}") from exc
    state = "deployed" if created else "unchanged"
    click.echo(
        f"{state}: {version.process_id} version {version.version} ({version.content_hash[:12]})"
    )
