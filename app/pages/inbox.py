"""The department inbox (待办): tabs 待签收 / 办理中 / 申请中 / 已办 / 逾期 with their counts,
filters, sort by due time, pages, a coloured countdown per row, inline and bulk sign and bulk
transfer.

The view reads the query (inbox_query.py marks what it cannot use and ignores it), asks
app/cases/worklists.py for the tab and the counts, and renders. An htmx request (tabs, filters,
pages, bulk) gets the page's body only, which it swaps in place.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from app.cases import worklists
from app.cases.worklists import Outcome
from app.pages import bulk, inbox_query
from app.pages.actions import action_url
from app.pages.inbox_query import InboxQuery
from app.pages.session import signed_in

bp = Blueprint("pages_inbox", __name__)


def _render(
    query: InboxQuery,
    outcomes: list[Outcome] | None = None,
    bulk_action: str = "",
    bulk_errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    user = signed_in()
    counts = worklists.inbox_counts(user)
    page = worklists.inbox_tab(user, query.tab, query.filters, query.sort, query.page, 20)
    template = "pages/inbox_body.html" if request.headers.get("HX-Request") else "pages/inbox.html"
    return (
        render_template(
            template,
            query=query,
            counts=counts,
            work=page,
            tabs=inbox_query.TAB_LABELS,
            case_types=worklists.case_types(),
            outcomes=outcomes,
            bulk_action=bulk_action,
            transfer_field=bulk.target_field(
                (bulk_errors or {}).get("target_department_id", []),
                request.form.get("target_department_id") if bulk_errors else None,
            ),
            bulk_errors=bulk_errors or {},
            list_url=lambda **changes: url_for("pages_inbox.inbox", **query.args(**changes)),
            page_link=lambda n: url_for("pages_inbox.inbox", **query.args(page=n)),
            here=url_for("pages_inbox.inbox", **query.args()),
            action_url=action_url,
        ),
        status,
    )


@bp.get("/inbox")
@login_required
def inbox():
    return _render(inbox_query.read_inbox(request.args, worklists.case_types()))


@bp.post("/inbox/bulk")
@login_required
def bulk_action():
    # The list's state rides along in the form, so that the same list comes back with the report.
    query = inbox_query.read_inbox(MultiDict(request.form), worklists.case_types())
    result = bulk.run(request.form)
    return _render(
        query,
        outcomes=result.outcomes,
        bulk_action=result.action,
        bulk_errors=result.errors,
        status=result.status,
    )
