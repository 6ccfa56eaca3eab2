"""Exports of the combined query: `/query/export.csv` and `/query/export.xlsx` with the page's
filters. The view only checks and streams; what is written, and the audit record, is the
service's (app/cases/export.py). Refused filters or a result past EXPORT_MAX_ROWS send the
browser back to the query page, which says why."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_login import login_required

from app.cases import export, list_args
from app.clock import clock
from app.errors import DomainError
from app.pages.schema_form import label_of
from app.pages.session import signed_in

bp = Blueprint("pages_export", __name__)


def _back(values: dict[str, str]) -> Any:
    args, _errors = list_args.load(values)
    qs = list_args.query_string(args) if args is not None else request.query_string.decode()
    return redirect(url_for("pages_query.query") + (f"?{qs}" if qs else ""), code=303)


@bp.get("/query/export.<any(csv, xlsx):fmt>")
@login_required
def download(fmt: str) -> Any:
    values = request.args.to_dict()
    args, errors = list_args.load(values)
    if args is None:  # the query page marks the refused fields
        return _back(values)
    lang = "zh" if str(get_locale()).startswith("zh") else "en"
    try:
        started = export.start(
            signed_in(),
            args,
            fmt,
            lang,
            client_ip=request.remote_addr or "",
            max_rows=current_app.config["EXPORT_MAX_ROWS"],
        )
    except DomainError as exc:
        flash(label_of({"zh": exc.zh, "en": exc.en}, exc.code), "error")
        return _back(values)
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    name = f"综合查询-{stamp}.{fmt}" if lang == "zh" else f"cases-{stamp}.{fmt}"
    response = Response(stream_with_context(started.chunks), content_type=export.MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"cases-{stamp}.{fmt}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front passes it on as it comes
    return response
