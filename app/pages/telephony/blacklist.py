"""The blacklist (/admin/blacklist, administrators: policy.may_manage_telephony): numbers the
hotline refuses, or answers with a message, and why.

Routes:
    GET  /admin/blacklist                 the list and the add form
    POST /admin/blacklist                 add (number, refuse or message + sound, note)
    POST /admin/blacklist/<id>/remove     remove
The rules (a number's shape, a sound name, a number listed twice) are the service's
(app/telephony/blacklist.py); a refusal is marked on the field it names, nothing changed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app.auth import policy
from app.errors import DomainError
from app.pages.session import login_manager, signed_in
from app.pages.telephony.common import field_of, message
from app.telephony import blacklist as service

bp = Blueprint("pages_blacklist", __name__, url_prefix="/admin/blacklist")
BLACKLIST_ACTIONS = {"refuse": _l("Refuse the call"), "message": _l("Play a message")}


class EntryForm(FlaskForm):
    number = StringField(_l("Number"))
    action = SelectField(
        _l("What the caller gets"),
        choices=[SelectChoice(k, v) for k, v in BLACKLIST_ACTIONS.items()],
        validate_choice=False,  # the service refuses an unknown action, on this field
    )
    sound = StringField(_l("Message (sound name)"))
    note = StringField(_l("Note"))


@bp.before_request
def _telephony_administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.check_manage_telephony(signed_in())  # 403 page otherwise
    return None


def _page(form: EntryForm | None = None, errors: list[str] | None = None, status: int = 200):
    return (
        render_template(
            "pages/telephony/blacklist.html",
            entries=service.entries(),
            form=form or EntryForm(formdata=None, action="refuse"),
            actions=BLACKLIST_ACTIONS,
            errors=errors or [],
        ),
        status,
    )


@bp.get("")
def entries() -> ResponseReturnValue:
    return _page()


@bp.post("")
def add() -> ResponseReturnValue:
    form = EntryForm()
    if not form.validate():
        return _page(form, status=422)
    number = (form.number.data or "").strip()
    try:
        service.add(
            number,
            form.action.data,
            (form.sound.data or "").strip(),
            (form.note.data or "").strip(),
            by=signed_in(),
            client_ip=request.remote_addr or "",
        )
    except DomainError as exc:
        target = form._fields.get(field_of(exc, "number"), form.number)
        target.errors = [*target.errors, message(exc)]
        return _page(form, status=exc.status)
    flash(_("%(number)s is on the blacklist.", number=number), "success")
    return redirect(url_for(".entries"), code=303)


@bp.post("/<int:entry_id>/remove")
def remove(entry_id: int) -> ResponseReturnValue:
    try:
        service.remove(entry_id, by=signed_in(), client_ip=request.remote_addr or "")
    except DomainError as exc:
        return _page(errors=[message(exc)], status=exc.status)
    flash(_("The number was taken off the blacklist."), "success")
    return redirect(url_for(".entries"), code=303)
