"""The report pages (统计报表): a page per report of reports/, its CSV and XLSX exports, and the
custom report (自定义报表) with its saved picks. The filters are the URL, so a report can be
linked; the numbers are `app.reports.run`'s, the same as the PDF's and the command line's.

Routes (anyone who reads some department's cases; each sees the departments of their scope,
app/auth/policy.py `report_scope`):
    GET  /reports                                  the list of reports and my saved ones
    GET  /reports/<name>?month=2026-11&...         a report (a bad filter is a marked field, 422)
    GET  /reports/<name>/export.csv?table=KEY&...  one table as CSV
    GET  /reports/<name>/export.xlsx?...           every table, one sheet each
    GET  /reports/<name>/export.pdf?...            the report as PDF, charts included
    GET  /reports/custom?measures=..&dimensions=.. the custom report
    POST /reports/custom/save                      save its picks by name
    POST /reports/custom/<id>/delete               delete a saved one
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from app.auth import policy
from app.errors import DomainError
from app.extensions import db
from app.ids import parse_id
from app.models import CaseType, Category
from app.models.catalog import CHANNEL_WORDS, CHANNELS
from app.pages.session import signed_in
from app.reports import chart_option, custom, exports, pdf
from app.reports.definitions import all_reports, report
from app.reports.formatting import format_cell
from app.reports.measures import DIMENSIONS, MEASURES
from app.reports.params import Params, query_string, read
from app.reports.result import ReportResult, run_definition

bp = Blueprint("pages_reports", __name__)


def _locale() -> str:
    return "en" if str(get_locale()).startswith("en") else "zh"


def _word(label: Any) -> str:
    return label.en if _locale() == "en" else label.zh


def _choices() -> dict[str, list[tuple[str, str]]]:
    en = _locale() == "en"
    types = db.session.execute(select(CaseType.code, CaseType.name, CaseType.name_en)).all()
    cats = db.session.execute(
        select(Category.id, Category.name, Category.name_en).order_by(Category.code)
    ).all()
    return {
        "channel": [(c, CHANNEL_WORDS[c]["en" if en else "zh"]) for c in CHANNELS],
        "case_type": [(t.code, t.name_en if en else t.name) for t in types],
        "category": [(str(c.id), (c.name_en or c.name) if en else c.name) for c in cats],
    }


def _charts(result: ReportResult | None) -> list[dict[str, Any]]:
    if result is None:
        return []
    return [
        {
            "key": spec.key,
            "option": json.dumps(
                chart_option(spec, result.tables[spec.table].frame, _locale()), ensure_ascii=False
            ),
        }
        for spec in result.charts
    ]


def _render(
    template: str,
    params: Params,
    result: ReportResult | None,
    *,
    status: int = 200,
    values: Any = None,
    **extra: Any,
) -> tuple[str, int]:
    html = render_template(
        template,
        params=params,
        values=request.args if values is None else values,
        result=result,
        chart_items=_charts(result),
        choices=_choices(),
        cell=format_cell,
        word=_word,
        link=lambda **kw: query_string(params, **kw),
        **extra,
    )
    return html, status


@bp.get("/reports")
@login_required
def index():
    user = signed_in()
    policy.check_read_reports(user)
    return render_template(
        "pages/reports.html",
        reports=all_reports(),
        saved=custom.mine(user),
        word=_word,
    )


def _run(name: str) -> tuple[Params, ReportResult | None]:
    user = signed_in()
    scope = policy.check_read_reports(user)
    definition = report(name)
    params = read(request.args, user, _locale())
    if not params.ok:
        return params, None
    result = run_definition(
        definition, params.period, params.filters, scope=scope, locale=_locale()
    )
    return params, result


@bp.get("/reports/<name>")
@login_required
def show(name: str):
    params, result = _run(name)
    return _render(
        "pages/report.html",
        params,
        result,
        definition=report(name),
        status=200 if result is not None else 422,
    )


@bp.get("/reports/<name>/export.<fmt>")
@login_required
def export(name: str, fmt: str):
    if fmt not in ("csv", "xlsx", "pdf"):
        abort(404)
    if name == custom.NAME:
        params, result = _custom_result()
    else:
        params, result = _run(name)
    if result is None:
        field, message = next(iter(params.errors.items()))
        raise DomainError("invalid_filter", message, message, status=422, field=field)
    if fmt == "pdf":  # the charts drawn on the server, the CJK font embedded (app/reports/pdf.py)
        body = pdf.report_pdf(result, locale=_locale(), subject=pdf.subject_of(result, _locale()))
        mimetype = "application/pdf"
        filename = exports.filename(result, "pdf")
    elif fmt == "xlsx":
        body = exports.to_xlsx(result, _locale())
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = exports.filename(result, "xlsx")
    else:
        key = request.args.get("table") or next(iter(result.tables))
        if key not in result.tables:
            abort(404)
        body = exports.to_csv(result.tables[key], _locale())
        mimetype = "text/csv; charset=utf-8"
        filename = exports.filename(result, "csv", key)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- The custom report ---------------------------------------------------------------------


def _custom_result() -> tuple[Params, ReportResult | None]:
    user = signed_in()
    scope = policy.check_read_reports(user)
    params = read(request.args, user, _locale(), custom=True)
    if not params.ok or not params.measures:
        return params, None
    return params, custom.run(params, scope=scope, locale=_locale())


def _custom_page(
    params: Params,
    result: ReportResult | None,
    *,
    status: int = 200,
    values: Any = None,
    **extra: Any,
) -> tuple[str, int]:
    values = request.args if values is None else values
    picked = bool(values.getlist("measures") or values.getlist("dimensions"))
    return _render(
        "pages/report_custom.html",
        params,
        result,
        status=status if (params.ok or not picked) else 422,
        values=values,
        measures=MEASURES,
        dimensions=DIMENSIONS,
        saved=custom.mine(signed_in()),
        save_name=extra.pop("save_name", ""),
        save_error=extra.pop("save_error", ""),
        **extra,
    )


@bp.get("/reports/custom")
@login_required
def custom_report():
    params, result = _custom_result()
    if not params.ok and "month" in params.errors:
        return _custom_page(params, None, status=422)
    return _custom_page(params, result)


@bp.post("/reports/custom/save")
@login_required
def custom_save():
    user = signed_in()
    scope = policy.check_read_reports(user)
    params = read(request.form, user, _locale(), custom=True)
    name = request.form.get("name", "")
    try:
        saved = custom.save(user, name, params)
    except DomainError as exc:
        message = exc.en if _locale() == "en" else exc.zh
        result = (
            custom.run(params, scope=scope, locale=_locale())
            if params.ok and params.measures
            else None
        )
        return _custom_page(
            params,
            result,
            status=exc.status,
            values=request.form,  # the page shows the posted picks
            save_name=name,
            save_error=message,
        )
    flash(_("Saved."), "success")
    return redirect(url_for("pages_reports.custom_report") + "?" + saved.query)


@bp.post("/reports/custom/<report_id>/delete")
@login_required
def custom_delete(report_id: str):
    user = signed_in()
    found = parse_id(report_id)
    if found is None:
        abort(404)
    custom.delete(user, found)
    flash(_("Deleted."), "success")
    return redirect(url_for("pages_reports.index"))
