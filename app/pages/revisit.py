"""Revisit (回访): the replied cases to call back, the nearest revisit deadline first, each with
the department's reply and result, and the revisit form (forms/revisit.json: satisfied, basically
satisfied, unsatisfied — which reopens the case and needs a reason — or unreachable) one click
away (app/pages/actions.py, loaded into the row by htmx)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from app.cases import worklists
from app.pages.actions import action_url
from app.pages.inbox_query import read_page
from app.pages.session import signed_in

bp = Blueprint("pages_revisit", __name__)
PER_PAGE = 20


@bp.get("/revisit")
@login_required
def revisit():
    notices: list[str] = []
    page = read_page(request.args, "page", notices)

    def page_link(n: int) -> str:
        return url_for("pages_revisit.revisit", page=n if n != 1 else None)

    return render_template(
        "pages/revisit.html",
        work=worklists.to_revisit(signed_in(), page, PER_PAGE),
        notices=notices,
        page_link=page_link,
        here=page_link(page),
        action_url=action_url,
    )
