"""The dispatch desk (派单): the cases waiting at my centre to be sent on (most urgent, then
oldest, first), each with its transfer form one click away (the department picker: a searchable
tree), bulk transfer; the cases I sent that are not signed for yet, to recall; and the
return, extension and joint-handling requests waiting for my decision.

The forms are the actions' own (app/pages/actions.py), loaded into the row by htmx; the lists
are app/cases/worklists.py's. Each section pages on its own (`wait_page`, `recall_page`,
`decide_page`) and htmx swaps only that section.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from app.cases import worklists
from app.cases.worklists import Outcome
from app.pages import bulk
from app.pages.actions import action_url
from app.pages.inbox_query import read_page
from app.pages.session import signed_in

bp = Blueprint("pages_dispatch", __name__)
PER_PAGE = 20
SECTIONS = ("wait_page", "recall_page", "decide_page")


def _render(
    args: MultiDict[str, str],
    outcomes: list[Outcome] | None = None,
    bulk_errors: dict[str, list[str]] | None = None,
    status: int = 200,
):
    user = signed_in()
    notices: list[str] = []
    pages = {name: read_page(args, name, notices) for name in SECTIONS}
    here_args = {k: v for k, v in pages.items() if v != 1}

    def link(**changes: int) -> str:
        merged: dict[str, Any] = {**here_args, **changes}
        return url_for("pages_dispatch.dispatch", **{k: v for k, v in merged.items() if v != 1})

    return (
        render_template(
            "pages/dispatch.html",
            waiting=worklists.to_dispatch(user, pages["wait_page"], PER_PAGE),
            sent=worklists.to_recall(user, pages["recall_page"], PER_PAGE),
            deciding=worklists.to_decide(user, pages["decide_page"], PER_PAGE),
            pages=pages,
            notices=notices,
            outcomes=outcomes,
            bulk_action="transfer",
            bulk_errors=bulk_errors or {},
            transfer_field=bulk.target_field(
                (bulk_errors or {}).get("target_department_id", []),
                request.form.get("target_department_id") if bulk_errors else None,
            ),
            wait_link=lambda n: link(wait_page=n),
            recall_link=lambda n: link(recall_page=n),
            decide_link=lambda n: link(decide_page=n),
            here=link(),
            action_url=action_url,
        ),
        status,
    )


@bp.get("/dispatch")
@login_required
def dispatch():
    return _render(request.args)


@bp.post("/dispatch/bulk")
@login_required
def bulk_transfer():
    result = bulk.run(request.form)
    return _render(
        MultiDict(request.form),
        outcomes=result.outcomes,
        bulk_errors=result.errors,
        status=result.status,
    )
