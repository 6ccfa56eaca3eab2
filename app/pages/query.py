"""The combined query (综合查询): every filter of the API's case list in one form, its result a
table with sort and pages, and each user's saved queries.

The form is a GET: the filters are the page's URL, so a query can be linked, bookmarked and
saved. They are loaded with the API's own schema (app/cases/list_args.py), so the page accepts
and refuses exactly what `GET /api/v1/cases` does; a refused value marks its field (422). The
list is the API's: `queries.list_cases` with the user's scope (app/auth/policy.py) and the
list's masking. Exports of the same filters: app/pages/export.py.
"""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from app.cases import list_args, queries, saved_queries
from app.cases.queries import CaseListArgs
from app.deadlines.service import STATUS_WORDS
from app.errors import DomainError
from app.extensions import db
from app.models import CaseType, Department
from app.models.catalog import CHANNEL_WORDS, PRIORITY_WORDS
from app.models.saved_query import NAME_MAX
from app.pages.redirects import local_target
from app.pages.schema_form import Field, label_of
from app.pages.session import signed_in

bp = Blueprint("pages_query", __name__)

# Why a refused filter is refused, per field, in the page's language (the schema's own
# messages are English and name no example).
HINTS: dict[str, Any] = {
    "status": _l("Choose from the list."),
    "department_id": _l("Choose a department from the list."),
    "case_type": _l("Choose from the list."),
    "channel": _l("Choose from the list."),
    "created_from": _l("Enter a date such as 2026-03-02."),
    "created_to": _l("Enter a date such as 2026-03-02."),
    "overdue": _l("Choose from the list."),
    "q": _l("Enter 2 to 100 characters."),
    "page": _l("A page number from 1 to 100000."),
    "per_page": _l("From 1 to 200 rows a page."),
    "sort": _l("Choose from the list."),
}
PER_PAGE_CHOICES = (20, 50, 100)
# Sortable columns of the table: the list's sort keys without their direction.
SORTABLE = ("number", "created_at", "handle_due_at")


def _zh() -> bool:
    return str(get_locale()).startswith("zh")


def _marked(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [str(HINTS.get(name, _l("Not a valid value.")))] for name in errors}


def _choices() -> dict[str, list[tuple[str, str]]]:
    zh = _zh()
    types = db.session.execute(select(CaseType.code, CaseType.name, CaseType.name_en)).all()
    return {
        "status": [(code, words[0 if zh else 1]) for code, words in STATUS_WORDS.items()],
        "case_type": [(code, name if zh else name_en) for code, name, name_en in types],
        "channel": [(code, words["zh" if zh else "en"]) for code, words in CHANNEL_WORDS.items()],
        "overdue": [("true", _("Overdue")), ("false", _("Not overdue"))],
        "sort": [
            ("-created_at", _("Newest first")),
            ("created_at", _("Oldest first")),
            ("handle_due_at", _("Handling due, soonest first")),
            ("-handle_due_at", _("Handling due, latest first")),
            ("number", _("Case number, ascending")),
            ("-number", _("Case number, descending")),
        ],
    }


def _words() -> dict[str, dict[Any, str]]:
    """What the table shows for the codes of a summary."""
    zh = _zh()
    names = db.session.execute(select(Department.id, Department.name, Department.name_en)).all()
    types = db.session.execute(select(CaseType.code, CaseType.name, CaseType.name_en)).all()
    return {
        "department": {i: (name if zh or not en else en) for i, name, en in names},
        "case_type": {code: (name if zh else en) for code, name, en in types},
        "channel": {c: w["zh" if zh else "en"] for c, w in CHANNEL_WORDS.items()},
        "priority": {c: w["zh" if zh else "en"] for c, w in PRIORITY_WORDS.items()},
    }


def _link(args: CaseListArgs, **changes: Any) -> str:
    """This query's URL with some arguments changed (a page, the sort)."""
    merged: dict[str, Any] = {**args, **changes}
    keys = (*list_args.SAVED, "page", "per_page")
    qs = list_args.query_string(merged, keys)
    return url_for("pages_query.query") + (f"?{qs}" if qs else "")


def _pages(result: queries.CasePage) -> dict[str, Any]:
    page, per_page, total = result["page"], result["per_page"], result["total"]
    last = max(1, ceil(total / per_page))
    has_next = result["total_capped"] or page < last
    window = [p for p in range(max(1, page - 3), min(last, page + 3) + 1)]
    return {"page": page, "last": last, "has_next": has_next, "window": window}


def render_query(
    values: dict[str, str],
    save_name: str = "",
    save_errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The page for these raw arguments (a query string's, or a saved query's)."""
    user = signed_in()
    args, refused = list_args.load(values)
    errors = _marked(refused)
    result = queries.list_cases(user, args) if args is not None else None
    dept_field = Field(
        name="department_id",
        label=_("Current department"),
        kind="department",
        required=False,
        value=values.get("department_id", ""),
        errors=errors.get("department_id", []),
    )
    filters = list_args.query_string(args) if args is not None else ""
    html = render_template(
        "pages/query.html",
        values=values,
        errors=errors,
        choices=_choices(),
        per_page_choices=PER_PAGE_CHOICES,
        dept_field=dept_field,
        args=args,
        result=result,
        pages=_pages(result) if result else None,
        words=_words() if result else {},
        link=(lambda **changes: _link(args, **changes)) if args is not None else None,
        sortable=SORTABLE,
        filters=filters,
        saved=saved_queries.mine(user),
        save_name=save_name,
        save_errors=save_errors or [],
        name_max=NAME_MAX,
        # Where deleting a saved query comes back to: this query (not the save's POST path).
        here=_link(args) if args is not None else url_for("pages_query.query"),
    )
    return html, (422 if errors or save_errors else status)


@bp.get("/query")
@login_required
def query() -> tuple[str, int]:
    return render_query(request.args.to_dict())


@bp.post("/query/saved")
@login_required
def save() -> Any:
    filters = request.form.get("filters", "")
    values = dict(parse_qsl(filters, keep_blank_values=True))
    name = request.form.get("name", "")
    try:
        saved = saved_queries.save(signed_in(), name, values)
    except DomainError as exc:
        return render_query(values, name, [label_of({"zh": exc.zh, "en": exc.en}, exc.code)])
    flash(_("Query saved: %(name)s.", name=saved.name), "success")
    return redirect(_saved_url(saved.query), code=303)


@bp.get("/query/saved/<int:query_id>")
@login_required
def run(query_id: int) -> Any:
    saved = saved_queries.get_mine(signed_in(), query_id)
    return redirect(_saved_url(saved.query), code=303)


@bp.post("/query/saved/<int:query_id>/delete")
@login_required
def delete(query_id: int) -> Any:
    user = signed_in()
    name = saved_queries.get_mine(user, query_id).name
    saved_queries.delete(user, query_id)
    flash(_("Saved query deleted: %(name)s.", name=name), "success")
    return redirect(local_target(request.form.get("next"), "pages_query.query"), code=303)


def _saved_url(query_string: str) -> str:
    return url_for("pages_query.query") + (f"?{query_string}" if query_string else "")


# The oversight page takes the same filters, with the same choices and marks
# (app/pages/oversight.py).
filter_choices = _choices
marked_filters = _marked
