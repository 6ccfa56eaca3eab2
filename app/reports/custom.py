"""The custom report (自定义报表): a user picks measures, dimensions and filters among the
defined ones, sees the table and its chart, and saves the picks by name (their own only:
another user's saved report answers as a missing one does, 404).

A custom report is a definition made on the spot (one table, one chart when it has one
dimension), run by the same `run_definition` as the files of reports/, so its numbers are
the defined reports' numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.clock import clock
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import SavedReport, User
from app.models.report import NAME_MAX
from app.reports.definitions import ChartDef, ReportDef, TableDef
from app.reports.engine import check
from app.reports.measures import DIMENSIONS, Label
from app.reports.params import Params, query_string
from app.reports.result import ReportResult, run_definition

NAME = "custom"
TITLE = Label("自定义报表", "Custom report")
CHART_MEASURES = 4  # the chart draws the first few picks; the table has them all


def definition(measures: list[str], dimensions: list[str]) -> ReportDef:
    check(measures, dimensions)
    table = TableDef(
        key="custom",
        title=TITLE,
        dimensions=list(dimensions),
        measures=list(measures),
        total=bool(dimensions),
    )
    charts = []
    if len(dimensions) == 1:
        kind = "line" if DIMENSIONS[dimensions[0]].kind == "time" else "bar"
        charts.append(ChartDef("custom", kind, "custom", TITLE, list(measures[:CHART_MEASURES])))
    return ReportDef(NAME, TITLE, Label("", ""), [table], charts)


def run(
    params: Params,
    *,
    scope: list[int] | None,
    locale: str = "zh",
    now: datetime | None = None,
) -> ReportResult:
    return run_definition(
        definition(params.measures, params.dimensions),
        params.period,
        params.filters,
        scope=scope,
        locale=locale,
        now=now,
    )


# --- Saved custom reports --------------------------------------------------------------------


def mine(user: User) -> Sequence[SavedReport]:
    return db.session.scalars(
        select(SavedReport).where(SavedReport.user_id == user.id).order_by(SavedReport.name)
    ).all()


def get_mine(user: User, report_id: int) -> SavedReport:
    found = db.session.get(SavedReport, report_id)
    if found is None or found.user_id != user.id:
        raise NotFound("saved_report_not_found", "没有这个已保存的报表", "No such saved report")
    return found


def picks(saved: SavedReport) -> MultiDict[str, str]:
    """A saved report's picks, as the custom page's arguments."""
    return MultiDict(parse_qsl(saved.query))


def _name_refused(zh: str, en: str) -> Invalid:
    return Invalid("invalid_name", zh, en, field="name")


def save(user: User, name: str, params: Params) -> SavedReport:
    """Save the picks (without the month) under the name; refuses an empty or overlong name,
    a name the user already uses, and picks the custom report refuses."""
    name = name.strip()
    if not name:
        raise _name_refused("请填写报表名称", "Give the report a name")
    if len(name) > NAME_MAX:
        raise _name_refused(
            f"报表名称最多 {NAME_MAX} 个字", f"A report's name has at most {NAME_MAX} characters"
        )
    check(params.measures, params.dimensions)
    if params.errors:
        raise Invalid(
            "invalid_picks",
            "报表条件有误，请先改正再保存",
            "The picks are not valid; correct them before saving",
            field=next(iter(params.errors)),
        )
    query = urlencode([(k, v) for k, v in parse_qsl(query_string(params)) if k != "month"])
    duplicate = Conflict(
        "duplicate_name",
        "您已有同名的报表，请换一个名称",
        "You already have a report of that name; choose another",
        field="name",
    )
    taken = db.session.scalar(
        select(SavedReport.id).where(SavedReport.user_id == user.id, SavedReport.name == name)
    )
    if taken is not None:
        raise duplicate
    saved = SavedReport(user_id=user.id, name=name, query=query, created_at=clock.now())
    db.session.add(saved)
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment (another tab)
        db.session.rollback()
        raise duplicate from None
    return saved


def delete(user: User, report_id: int) -> None:
    db.session.delete(get_mine(user, report_id))
    db.session.commit()
