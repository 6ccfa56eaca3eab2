"""Revisit (回访): the replied cases to call back, the nearest revisit deadline first, each with
the department's reply and result, and the revisit form (forms/revisit.json: satisfied, basically
satisfied, unsatisfied — which reopens the case and needs a reason — or unreachable) one click
away (app/pages/actions.py, loaded into the row by htmx). A clerk with a phone calls the citizen
from the row (回访电话: app/pages/telephony/calls.py; a refusal is marked on its row)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from app.auth import policy
from app.cases import worklists
from app.pages.actions import action_url
from app.pages.inbox_query import read_page
from app.pages.session import signed_in

bp = Blueprint("pages_revisit", __name__)
PER_PAGE = 20


@bp.get("/revisit")
@login_required
def revisit() -> ResponseReturnValue:
    return render_revisit()


def render_revisit(
    callback_errors: dict[int, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    """The page; `callback_errors`: a refused callback's message by case id, on its row."""
    notices: list[str] = []
    page = read_page(request.args, "page", notices)
    user = signed_in()

    def page_link(n: int) -> str:
        return url_for("pages_revisit.revisit", page=n if n != 1 else None)

    html = render_template(
        "pages/revisit.html",
        work=worklists.to_revisit(user, page, PER_PAGE),
        notices=notices,
        page_link=page_link,
        here=page_link(page),
        action_url=action_url,
        may_call_back=lambda case: policy.may_call_back(user, case),
        callback_errors=callback_errors or {},
    )
    return html, status
