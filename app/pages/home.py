"""Home: what the signed-in person should do now, overdue first."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from app.cases import queries
from app.pages.session import signed_in

bp = Blueprint("pages_home", __name__)


@bp.get("/")
@login_required
def home():
    user = signed_in()
    todo = queries.inbox(user, {"page": 1, "per_page": 10})
    overdue = queries.inbox(user, {"page": 1, "per_page": 1, "overdue": True})
    return render_template("pages/home.html", todo=todo, overdue_total=overdue["total"])
