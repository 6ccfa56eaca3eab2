"""The calls of a case on its page, and the commands an agent or a revisit clerk sends the
phone system from the pages.

Routes (a case outside the user's scope is a 404 page, as a missing one):
    POST /cases/<id>/calls/conference   三方通话: bring a number into my live call on the case
                                        (leave=1: the two keep talking, I drop out)
    POST /cases/<id>/calls/transfer     转接: send the caller of my live call to a skill group
    POST /cases/<id>/calls/callback     回访电话 (from the revisit page): my phone, then the citizen
A refusal (no live call on this case, no extension, no phone on the case, an unknown group, a
bad number) comes back on the form's field, nothing requested. The services decide
(app/telephony/commands.py); the bridge carries the command out and records its result on the
case's timeline.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import policy
from app.cases import queries
from app.errors import DomainError
from app.models import Case, User
from app.pages.session import signed_in
from app.pages.telephony.common import (
    DIRECTION_WORDS,
    SATISFACTION_WORDS,
    field_of,
    group_name,
    message,
    skill_groups,
)
from app.telephony import calls as call_service
from app.telephony import commands

bp = Blueprint("pages_calls", __name__)
NUMBER_MAX = 20


def panel(
    user: User, case: Case, errors: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """What the case page's 通话记录 card shows this user: the case's calls and, while the
    user's own live call is on this case, the three-way call and transfer forms."""
    live = call_service.live_call_of(user) if policy.may_work_phone(user) else None
    on_this_case = live is not None and live.case_id == case.id
    return {
        "calls": call_service.of_case(case),
        "live": live if on_this_case else None,
        "groups": skill_groups() if on_this_case else [],
        "directions": DIRECTION_WORDS,
        "satisfaction": SATISFACTION_WORDS,
        "errors": errors or {},
        "posted": request.form.to_dict() if request.method == "POST" else {},
    }


def _refused_on_case(case: Case, form: str, exc: DomainError, default_field: str):
    from app.pages.case import render_case  # the page that shows the card

    if exc.status == 404 and exc.code == "case_not_found":
        raise exc
    return render_case(
        case,
        call_errors={form: {field_of(exc, default_field): message(exc)}},
        status=exc.status,
    )


def _back(case: Case) -> ResponseReturnValue:
    return redirect(url_for("pages_case.detail", ref=case.number, _anchor="calls"), code=303)


@bp.post("/cases/<id:case_id>/calls/conference")
@login_required
def conference(case_id: int) -> ResponseReturnValue:
    user = signed_in()
    case = queries.get_visible_case(user, str(case_id))
    number = request.form.get("number", "").strip()[:NUMBER_MAX]
    leave = request.form.get("leave") == "1"
    try:
        commands.request_conference(user, case, number, leave)
    except DomainError as exc:
        return _refused_on_case(case, "conference", exc, "number")
    flash(_("Calling %(number)s into the call…", number=number), "success")
    return _back(case)


@bp.post("/cases/<id:case_id>/calls/transfer")
@login_required
def transfer(case_id: int) -> ResponseReturnValue:
    user = signed_in()
    case = queries.get_visible_case(user, str(case_id))
    group = request.form.get("group", "").strip()[:40]
    try:
        commands.request_transfer(user, case, group)
    except DomainError as exc:
        return _refused_on_case(case, "transfer", exc, "group")
    flash(_("The caller is being transferred to %(group)s.", group=group_name(group)), "success")
    return _back(case)


@bp.post("/cases/<id:case_id>/calls/callback")
@login_required
def callback(case_id: int) -> ResponseReturnValue:
    from app.pages.revisit import render_revisit  # the page the button is on

    user = signed_in()
    case = queries.get_visible_case(user, str(case_id))
    try:
        commands.request_callback(user, case)
    except DomainError as exc:
        if exc.status == 404 and exc.code == "case_not_found":
            raise
        return render_revisit(callback_errors={case.id: message(exc)}, status=exc.status)
    flash(
        _("Your phone rings now: pick it up, then %(phone)s is called.", phone=case.citizen_phone),
        "success",
    )
    return redirect(url_for("pages_revisit.revisit"), code=303)
