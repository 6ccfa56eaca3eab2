"""The oversight office's and leaders' part of the case page: the leader instructions at its
top (marked read when a user of the addressed department opens the case, or presses "read"),
the supervision orders with their answer form for the ordered department, the urge and order
forms for the oversight office, the instruction form for leaders, and the notices' PDFs.

Routes (a case outside the user's scope is a 404 page, as a missing one):
    POST /cases/<id>/urge                                   催办
    POST /cases/<id>/supervision                            督办 (message, feedback date)
    POST /cases/<id>/supervision/<order id>/answer          督办反馈
    POST /cases/<id>/instructions                           批示
    POST /cases/<id>/instructions/<instruction id>/read     已阅
    GET  /cases/<id>/notices/<event id>.pdf                 催办通知书
A refusal re-renders the case page with the form's field marked (422, 403, 409), nothing
changed; the services decide (app/oversight), the policy module scopes (app/auth/policy.py).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import policy
from app.clock import clock
from app.errors import DomainError, Invalid
from app.models import Case, User
from app.oversight import cases, instructions, notice, supervision, urges
from app.oversight.messages import MESSAGE_MAX
from app.pages.schema_form import label_of
from app.pages.session import signed_in

bp = Blueprint("pages_oversight_case", __name__)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def panel(
    user: User, case: Case, errors: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """What the case page shows of oversight for this user (`errors`: form -> field -> text)."""
    now = clock.now()
    orders = supervision.orders_of_case(case.id)
    return {
        "instructions": instructions.shown(user, case),
        "orders": [
            {
                "row": o,
                "state": supervision.state_of(o, now),
                "may_answer": o.answered_at is None
                and policy.is_department_staff(user, o.department_id),
            }
            for o in orders
        ],
        "notices": notice.notices_of(case.id),
        "may_urge": bool(user.role_codes & policy.URGE_ROLES),
        "may_order": policy.may_oversee(user),
        "may_instruct": policy.LEADER in user.role_codes,
        "message_max": MESSAGE_MAX,
        "errors": errors or {},
        "values": request.form.to_dict() if request.method == "POST" else {},
    }


def _refused(case_id: int, form: str, exc: DomainError):
    """The case page again with the refusal on its form's field (a 404 stays a 404)."""
    from app.pages.case import render_case  # the page that shows the panel

    if exc.status == 404 and form not in ("answer", "read"):
        raise exc
    user = signed_in()
    case = cases.visible(user, case_id)
    field = str(exc.details.get("field", "message")) if exc.details else "message"
    text = label_of({"zh": exc.zh, "en": exc.en}, exc.code)
    return render_case(case, oversight_errors={form: {field: text}}, status=exc.status)


def _back(case: Case, anchor: str = "oversight"):
    return redirect(url_for("pages_case.detail", ref=case.number, _anchor=anchor), 303)


def _message(name: str = "message") -> str:
    return request.form.get(name, "")


@bp.post("/cases/<id:case_id>/urge")
@login_required
def urge(case_id: int):
    user = signed_in()
    case = cases.visible(user, case_id)
    try:
        result = urges.urge([case.id], _message(), by=user, client_ip=request.remote_addr or "")
    except DomainError as exc:
        return _refused(case_id, "urge", exc)
    code = result.refused.get(case.id)
    if code is not None:
        zh, en = urges.REFUSALS[code]
        return _refused(case_id, "urge", Invalid(code, zh, en, status=409, field="message"))
    flash(_("Urged: the handling department has been notified."), "success")
    return _back(case)


def _feedback_date() -> date | None:
    raw = request.form.get("feedback_date", "").strip()
    if not raw:
        return None
    if not _DATE.fullmatch(raw):
        raise Invalid(
            "feedback_date_invalid",
            "请填写日期，例如 2026-03-05",
            "Enter a date such as 2026-03-05",
            field="feedback_date",
        )
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            "feedback_date_invalid",
            "请填写有效日期，例如 2026-03-05",
            "Enter a real date such as 2026-03-05",
            field="feedback_date",
        ) from None


@bp.post("/cases/<id:case_id>/supervision")
@login_required
def order(case_id: int):
    user = signed_in()
    case = cases.visible(user, case_id)
    try:
        supervision.order(
            case.id,
            _message(),
            by=user,
            feedback_date=_feedback_date(),
            client_ip=request.remote_addr or "",
        )
    except DomainError as exc:
        return _refused(case_id, "order", exc)
    flash(_("Supervision order issued."), "success")
    return _back(case)


@bp.post("/cases/<id:case_id>/supervision/<id:order_id>/answer")
@login_required
def answer(case_id: int, order_id: int):
    user = signed_in()
    case = cases.visible(user, case_id)
    try:
        supervision.answer(
            case.id, order_id, _message("answer"), by=user, client_ip=request.remote_addr or ""
        )
    except DomainError as exc:
        return _refused(case_id, "answer", exc)
    flash(_("Answer sent to the oversight office."), "success")
    return _back(case)


@bp.post("/cases/<id:case_id>/instructions")
@login_required
def instruct(case_id: int):
    user = signed_in()
    case = cases.visible(user, case_id)
    try:
        instructions.write(case.id, _message("text"), by=user, client_ip=request.remote_addr or "")
    except DomainError as exc:
        return _refused(case_id, "instruction", exc)
    flash(_("Instruction written; the handling department has been notified."), "success")
    return _back(case, "instructions")


@bp.post("/cases/<id:case_id>/instructions/<id:instruction_id>/read")
@login_required
def read(case_id: int, instruction_id: int):
    user = signed_in()
    case = cases.visible(user, case_id)
    try:
        instructions.press_read(user, case.id, instruction_id)
    except DomainError as exc:
        return _refused(case_id, "read", exc)
    return _back(case, "instructions")


@bp.get("/cases/<id:case_id>/notices/<id:event_id>.pdf")
@login_required
def notice_pdf(case_id: int, event_id: int):
    return notice.download(signed_in(), case_id, event_id)
