"""The oversight page (效能督办), for the oversight office: overdue and warning cases by
department (counts and lists) among the cases the combined query's filters pick (the same
form, loaded with the same schema: app/cases/list_args.py), urging many at once (the chosen
rows, or every case the filters pick), the supervision orders with their state, the latest
urges, the notice list (通报), and the escalation ladder's rules, edited as lines.

Routes (the oversight office only: 403 for others):
    GET  /oversight                   the page (the combined query's filters as its URL)
    POST /oversight/urge              urge the chosen cases, or every case of the filters
    POST /oversight/ladder            save the ladder's rules (refused lines marked)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import policy
from app.cases import list_args
from app.errors import DomainError, Invalid
from app.ids import parse_id
from app.oversight import ladder, overview, urges
from app.oversight.messages import MESSAGE_MAX
from app.oversight.rules import STEP_WORDS
from app.pages.query import filter_choices, marked_filters
from app.pages.schema_form import Field, label_of
from app.pages.session import signed_in

bp = Blueprint("pages_oversight", __name__)
URGE_MAX = 1000  # cases one press urges (as the API's)
ORDER_STATES = ("open", "overdue", "answered")


def _page(
    values: dict[str, str],
    *,
    urge_result: dict[str, Any] | None = None,
    urge_error: str = "",
    message: str = "",
    ladder_lines: list[str] | None = None,
    ladder_errors: dict[int, str] | None = None,
    ladder_error: str = "",
    status: int = 200,
):
    user = signed_in()
    policy.check_oversee(user)
    args, refused = list_args.load(values)
    errors = marked_filters(refused)
    found = overview.overview(user, args) if args is not None else None
    state = request.args.get("state", "")
    state = state if state in ORDER_STATES else ""
    rules = ladder.rules()
    html = render_template(
        "pages/oversight.html",
        values=values,
        errors=errors,
        choices=filter_choices(),
        dept_field=Field(
            name="department_id",
            label=_("Current department"),
            kind="department",
            required=False,
            value=values.get("department_id", ""),
            errors=errors.get("department_id", []),
        ),
        filters=list_args.query_string(args, list_args.FILTERS) if args is not None else "",
        found=found,
        orders=overview.orders(user, state or None),
        order_state=state,
        urged_recently=overview.recent_urges(),
        notice_list=overview.notice_list(),
        urge_result=urge_result,
        urge_error=urge_error,
        message=message,
        message_max=MESSAGE_MAX,
        ladder_lines=ladder_lines if ladder_lines is not None else [r.text for r in rules],
        ladder_errors=ladder_errors or {},
        ladder_error=ladder_error,
        step_words=STEP_WORDS,
        rules=rules,
    )
    return html, (422 if errors and status == 200 else status)


@bp.get("/oversight")
@login_required
def oversight():
    return _page(request.args.to_dict())


@bp.post("/oversight/urge")
@login_required
def urge():
    user = signed_in()
    policy.check_oversee(user)
    values = dict(parse_qsl(request.form.get("filters", ""), keep_blank_values=True))
    message = request.form.get("message", "")
    chosen = request.form.getlist("case_ids")
    try:
        if request.form.get("scope") == "chosen":
            ids = [i for i in (parse_id(c) for c in chosen) if i is not None]
            if not ids:
                raise Invalid(
                    "no_case_chosen", "请先勾选要催办的工单", "Choose the cases to urge first"
                )
        else:
            args, refused = list_args.load(values)
            if args is None:
                raise Invalid("invalid_filters", "筛选条件有误", "The filters are not valid")
            ids = overview.case_ids(user, args, URGE_MAX + 1)
            if len(ids) > URGE_MAX:
                raise Invalid(
                    "too_many_cases",
                    f"筛选结果超过 {URGE_MAX} 件，请缩小范围",
                    f"The filters pick more than {URGE_MAX} cases; narrow them",
                )
        result = urges.urge(ids, message, by=user, client_ip=request.remote_addr or "")
    except DomainError as exc:
        return _page(
            values,
            urge_error=label_of({"zh": exc.zh, "en": exc.en}, exc.code),
            message=message,
            status=exc.status,
        )
    report = {
        "urged": len(result.urged),
        "refused": [
            {
                "case_id": case_id,
                "reason": label_of(
                    dict(zip(("zh", "en"), urges.REFUSALS[code], strict=True)), code
                ),
            }
            for case_id, code in sorted(result.refused.items())
        ],
    }
    return _page(values, urge_result=report)


@bp.post("/oversight/ladder")
@login_required
def save_ladder():
    user = signed_in()
    policy.check_oversee(user)
    lines = request.form.get("rules", "").splitlines()
    try:
        ladder.save(lines, by=user, client_ip=request.remote_addr or "")
    except DomainError as exc:
        marks = {
            int(e["line"]): label_of({"zh": e["zh"], "en": e["en"]}, e["code"])
            for e in (exc.details or {}).get("errors", [])
        }
        return _page(
            request.args.to_dict(),
            ladder_lines=lines,
            ladder_errors=marks,
            ladder_error=label_of({"zh": exc.zh, "en": exc.en}, exc.code),
            status=exc.status,
        )
    flash(_("Escalation ladder saved."), "success")
    return redirect(url_for("pages_oversight.oversight", _anchor="ladder"), 303)
