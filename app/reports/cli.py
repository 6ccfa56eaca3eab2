"""`flask reports ...`: the reports from the command line, for scheduled use.

    flask reports list
    flask reports render NAME --month 2026-11 --format csv|xlsx|pdf --out FILE
                         [--department ID|CODE] [--table KEY] [--locale zh|en]

A command sees every department (no reader's scope); `--department` narrows the report to a
department's subtree, as the page's filter does. A CSV holds one table (`--table`), or every
table one after another, each under its title. `RENDERERS` maps a format to its writer: the
PDF adds itself there.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import click
from flask import Blueprint
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.ids import parse_id
from app.models import Department
from app.reports import exports, pdf
from app.reports.definitions import all_reports
from app.reports.engine import Filters
from app.reports.periods import Period
from app.reports.result import ReportResult, run

bp = Blueprint("reports_cli", __name__, cli_group="reports")

# (result, locale, table or None) -> the file's bytes.
Renderer = Callable[[ReportResult, str, str | None], bytes]


def _csv(result: ReportResult, locale: str, table: str | None) -> bytes:
    if table is not None:
        return exports.to_csv(result.tables[table], locale)
    buf = io.StringIO()
    writer = csv.writer(buf)
    for i, t in enumerate(result.tables.values()):
        if i:
            writer.writerow([])
        writer.writerow([t.title.en if locale == "en" else t.title.zh])
        # Each table's own CSV, without its byte-order mark (one mark opens the file).
        buf.write(exports.to_csv(t, locale).decode("utf-8-sig"))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _pdf(result: ReportResult, locale: str, table: str | None) -> bytes:
    """The whole report (charts drawn on the server, app/reports/pdf.py); said, not a
    traceback, when it cannot be drawn."""
    try:
        return pdf.report_pdf(result, locale=locale, subject=pdf.subject_of(result, locale))
    except DomainError as exc:
        raise click.ClickException(exc.en if locale == "en" else exc.zh) from None


RENDERERS: dict[str, Renderer] = {
    "csv": _csv,
    "xlsx": lambda result, locale, table: exports.to_xlsx(result, locale),
    "pdf": _pdf,
}


def _department(value: str | None) -> int | None:
    if not value:
        return None
    found = parse_id(value)
    if found is None:
        found = db.session.scalar(select(Department.id).where(Department.code == value))
    if found is None or db.session.get(Department, found) is None:
        raise click.BadParameter(f"no department '{value}'", param_hint="--department")
    return found


@bp.cli.command("list")
def list_reports() -> None:
    """The reports: name, title, tables."""
    for name, definition in all_reports().items():
        tables = ", ".join(t.key for t in definition.tables)
        click.echo(f"{name}\t{definition.title.zh} {definition.title.en}\t{tables}")


@bp.cli.command("render")
@click.argument("name")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--format", "fmt", required=True, type=click.Choice(sorted(RENDERERS)))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--department", default=None, help="a department's id or code: its subtree")
@click.option("--table", default=None, help="one table of the report (CSV)")
@click.option("--locale", default="zh", type=click.Choice(["zh", "en"]))
def render(
    name: str,
    month: str,
    fmt: str,
    out: Path,
    department: str | None,
    table: str | None,
    locale: str,
) -> None:
    """Render report NAME for a month to FILE."""
    if name not in all_reports():
        raise click.BadParameter(f"no report '{name}' (flask reports list)", param_hint="NAME")
    try:
        period = Period.parse(month)
    except DomainError as exc:
        raise click.BadParameter(exc.en, param_hint="--month") from None
    definition = all_reports()[name]
    if table is not None and table not in {t.key for t in definition.tables}:
        keys = ", ".join(t.key for t in definition.tables)
        raise click.BadParameter(f"no table '{table}' in {name} ({keys})", param_hint="--table")
    result = run(name, period, Filters(department_id=_department(department)), locale=locale)
    body = RENDERERS[fmt](result, locale, table)
    out.write_bytes(body)
    click.echo(f"{out} ({len(body)} bytes)")
