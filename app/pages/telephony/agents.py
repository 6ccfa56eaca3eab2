"""The agents' desk and the supervisors' board (坐席工作台).

Routes (agents — policy.may_work_phone — see their own desk; revisit clerks their phone only;
supervisors — policy.may_view_agent_board — the board of every agent; anyone else: 403):
    GET  /agents              the page
    GET  /agents/board        the board alone (htmx polls it every few seconds)
    POST /agents/state        my state: ready, away or signed out (busy and wrap-up are the
                              bridge's, shown and never set here)
    POST /agents/groups       sign in to or out of one of my skill groups
    POST /agents/extension    my phone (PJSIP/agent01; agents' and revisit clerks')
Every form names the agent it was drawn for: a form of another agent is refused on its field,
as is a state or group the service refuses; nothing changes then (422/403/404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from app.auth import policy
from app.errors import DomainError, Forbidden
from app.models import User
from app.pages.session import passive_request, signed_in
from app.pages.telephony.common import SETTABLE_STATES, message, state_words
from app.telephony import agents as service

bp = Blueprint("pages_agents", __name__)
BOARD_SECONDS = 3  # how often an open board asks again


class StateForm(FlaskForm):
    agent = HiddenField()
    state = HiddenField()


class GroupForm(FlaskForm):
    agent = HiddenField()
    code = HiddenField()
    action = HiddenField()  # sign_in | sign_out


class ExtensionForm(FlaskForm):
    agent = HiddenField()
    endpoint = StringField()


def may_open(user: User) -> bool:
    return policy.may_have_phone(user) or policy.may_view_agent_board(user)


def _may_open(user: User) -> tuple[bool, bool]:
    if not may_open(user):
        raise Forbidden(
            "not_an_agent",
            "只有坐席、回访员和班长可以打开坐席工作台",
            "Only agents, revisit staff and supervisors open the agent desk",
        )
    return policy.may_work_phone(user), policy.may_view_agent_board(user)


def _page(errors: dict[str, list[str]] | None = None, status: int = 200, **forms: Any):
    user = signed_in()
    desk, board = _may_open(user)
    view = service.state_of(user) if policy.may_have_phone(user) else None
    extension = forms.get("extension") or ExtensionForm(
        formdata=None, agent=user.username, endpoint=(view.endpoint if view else "") or ""
    )
    return (
        render_template(
            "pages/telephony/agents.html",
            me=view,
            takes_calls=desk,
            board=service.board() if board else None,
            states=state_words(),
            settable=SETTABLE_STATES,
            extension_form=extension,
            errors=errors or {},
            board_seconds=BOARD_SECONDS,
        ),
        status,
    )


def _refused(box: str, text: str, status: int = 422, **forms: Any):
    return _page({box: [text]}, status, **forms)


def _of_another(form: Any) -> bool:
    """A form drawn for another agent (a hostile or stale post): refused, never applied."""
    return form.agent.data != signed_in().username


def _another_text() -> str:
    return _("This form belongs to another agent's desk: nothing was changed.")


@bp.get("/agents")
@login_required
def desk() -> ResponseReturnValue:
    return _page()


@bp.get("/agents/board")
@login_required
def board() -> ResponseReturnValue:
    policy.check_view_agent_board(signed_in())
    passive_request()  # the page polls by itself: not the user's activity (idle timeout)
    return render_template(
        "pages/telephony/agents_board.html", board=service.board(), states=state_words()
    )


@bp.post("/agents/state")
@login_required
def set_state() -> ResponseReturnValue:
    user = signed_in()
    _may_open(user)
    form = StateForm()
    if not form.validate() or _of_another(form):
        return _refused("state", _another_text(), 403)
    try:
        service.set_state(user, form.state.data, by=user)
    except DomainError as exc:
        return _refused("state", message(exc), exc.status)
    flash(_("Your state is now: %(state)s.", state=state_words()[str(form.state.data)]), "success")
    return redirect(url_for(".desk"), code=303)


@bp.post("/agents/groups")
@login_required
def groups() -> ResponseReturnValue:
    user = signed_in()
    _may_open(user)
    form = GroupForm()
    if not form.validate() or _of_another(form):
        return _refused("groups", _another_text(), 403)
    code, action = (form.code.data or "").strip(), form.action.data
    if action not in ("sign_in", "sign_out"):
        return _refused("groups", _("Choose to sign in to a group or out of it."))
    try:
        if action == "sign_in":
            service.sign_in_groups(user, [code], by=user)
        else:
            service.sign_out_groups(user, [code], by=user)
    except DomainError as exc:
        return _refused("groups", message(exc), exc.status)
    done = (
        _("Signed in to %(group)s.", group=code)
        if action == "sign_in"
        else _("Signed out of %(group)s.", group=code)
    )
    flash(done, "success")
    return redirect(url_for(".desk"), code=303)


@bp.post("/agents/extension")
@login_required
def extension() -> ResponseReturnValue:
    user = signed_in()
    _may_open(user)
    form = ExtensionForm()
    if not form.validate() or _of_another(form):
        form.endpoint.errors = [_another_text()]
        return _page(status=403, extension=form)
    try:
        service.set_extension(
            user, (form.endpoint.data or "").strip(), by=user, client_ip=request.remote_addr or ""
        )
    except DomainError as exc:
        form.endpoint.errors = [message(exc)]
        return _page(status=exc.status, extension=form)
    flash(_("Your phone is now %(endpoint)s.", endpoint=form.endpoint.data.strip()), "success")
    return redirect(url_for(".desk"), code=303)
