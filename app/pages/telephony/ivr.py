"""The IVR menu editor (/admin/ivr, administrators: policy.may_manage_telephony).

Routes:
    GET  /admin/ivr                        the current version in the editor, the versions
    POST /admin/ivr                        save: a new version (refused: the fields marked,
                                           nothing saved, 422)
    POST /admin/ivr/versions/<id>/restore  make an earlier version current (as a new one)
The document's rules are the service's (app/telephony/ivr.py validate); the page reads the
form (ivr_form.py) and marks each refusal on the input its path names.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import policy
from app.errors import DomainError
from app.pages.schema_form import label_of
from app.pages.session import login_manager, signed_in
from app.pages.telephony import ivr_form
from app.pages.telephony.common import message, skill_groups
from app.telephony import ivr as service

bp = Blueprint("pages_ivr", __name__, url_prefix="/admin/ivr")
NOTE_MAX = 200


@bp.before_request
def _telephony_administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.check_manage_telephony(signed_in())  # 403 page otherwise
    return None


def _page(editor: ivr_form.Editor, note: str = "", status: int = 200):
    current = service.current()
    return (
        render_template(
            "pages/telephony/ivr.html",
            editor=editor,
            actions=ivr_form.ACTIONS,
            closed_actions=ivr_form.CLOSED_ACTIONS,
            groups=skill_groups(),
            current=current,
            versions=service.versions(),
            note=note,
            note_max=NOTE_MAX,
            form_errors=editor.errors.get("_form", []),
            marked=any(name != "_form" for name in editor.errors),
        ),
        status,
    )


@bp.get("")
def editor() -> ResponseReturnValue:
    current = service.current()
    return _page(ivr_form.from_document(current.document, current.schedule))


@bp.post("")
def save() -> ResponseReturnValue:
    read = ivr_form.read(request.form)
    note = request.form.get("note", "").strip()[:NOTE_MAX]
    editor = read.editor
    if editor.errors:
        return _page(editor, note, 422)
    try:
        service.save(
            read.menu, read.schedule, by=signed_in(), note=note, client_ip=request.remote_addr or ""
        )
    except DomainError as exc:
        found = (exc.details or {}).get("errors")
        if found:
            _mark(editor, read.inputs, found)
        else:
            editor.error("_form", message(exc))
        return _page(editor, note, exc.status)
    flash(_("The IVR menu was saved as a new version: the phone system uses it now."), "success")
    return redirect(url_for(".editor"), code=303)


@bp.post("/versions/<int:version_id>/restore")
def restore(version_id: int) -> ResponseReturnValue:
    try:
        restored = service.restore(version_id, by=signed_in(), client_ip=request.remote_addr or "")
    except DomainError as exc:
        current = service.current()
        editor = ivr_form.from_document(current.document, current.schedule)
        editor.error("_form", message(exc))
        for item in (exc.details or {}).get("errors", []):
            editor.error("_form", label_of(item, item.get("code", "")))
        return _page(editor, status=exc.status)
    flash(
        _("Version %(old)s was restored as version %(new)s.", old=version_id, new=restored.id),
        "success",
    )
    return redirect(url_for(".editor"), code=303)


def _mark(editor: ivr_form.Editor, inputs: dict[str, str], found: list[dict[str, Any]]) -> None:
    """Each refusal on the input its path names (the form's alert when it names none)."""
    for error in found:
        text = label_of(error, str(error.get("code", "")))
        editor.error(ivr_form.input_of(inputs, str(error.get("path", ""))), text)
