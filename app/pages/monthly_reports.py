"""The monthly reports' download page (月报下载): the department PDFs the scheduler stored
(app/reports/monthly.py), newest month first, each reader the departments of their reports'
scope (a department its own, the oversight office and administrators every one).

Routes:
    GET /reports/monthly[?month=YYYY-MM]      the list (a bad month: the error page, 400)
    GET /reports/monthly/<id>.pdf             one stored PDF (outside the scope: 404)
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, send_file
from flask_login import login_required

from app.pages.session import signed_in
from app.reports import monthly, storage
from app.reports.periods import Period

bp = Blueprint("pages_monthly_reports", __name__)


@bp.get("/reports/monthly")
@login_required
def monthly_reports():
    user = signed_in()
    raw = request.args.get("month", "").strip()
    month = Period.parse(raw) if raw else None
    return render_template(
        "pages/monthly_reports.html", rows=monthly.listed(user, month), month=raw
    )


@bp.get("/reports/monthly/<int:report_id>.pdf")
@login_required
def monthly_report_file(report_id: int):
    row = monthly.file_of(signed_in(), report_id)
    return send_file(
        storage.path_of(row.file_key),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=row.file_name,
        max_age=0,
    )
