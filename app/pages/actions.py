"""Taking a task action from a page: the form drawn from the action's schema (as the API
checks it), read, checked and handed to the case service, which decides.

GET shows the action's form on a page of its own; every page that offers actions (case
detail, dispatch, inbox, revisit) posts its form here. A refused form comes back with its
fields marked (422): as a fragment to an htmx request (which swaps it in place), else as the
form's own page. Done: back to `next` (a path of ours) with a message.

A reply's form (the actions of app/attachments REPLY_ACTIONS) is multipart and carries files:
they are checked before the reply is sent and recorded with it (attachments.act_with_files).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.attachments import service as attachments
from app.attachments.uploads import accepts_upload
from app.cases import queries, service
from app.cases.queries import AllowedAction
from app.errors import DomainError
from app.pages.redirects import local_target
from app.pages.schema_form import check, errors_by_field, fields_of, label_of, read_form
from app.pages.session import signed_in

bp = Blueprint("pages_actions", __name__)


class ActionNotOffered(DomainError):
    status = 409


def _offered(case_id: int, action: str, task_id: str) -> tuple[Any, AllowedAction]:
    """The case (404 outside the user's scope) and the action as the server offers it now."""
    user = signed_in()
    case = queries.get_visible_case(user, str(case_id))
    for item in queries.offered_actions(user, case):
        if item["action"] == action and (not task_id or item["task_id"] == task_id):
            return case, item
    raise ActionNotOffered(
        "action_not_offered",
        "此操作当前不可用（工单可能已被他人处理），请刷新后重试",
        "This action is not open to you now (someone may have acted on the case); reload",
    )


def _context(case: Any, item: AllowedAction, values: dict, errors: dict, next_path: str) -> dict:
    return {
        "case": case,
        "item": item,
        "title": label_of(item["title"], item["action"]),
        "fields": fields_of(item["schema"], values, errors),
        "form_errors": errors.get("_form", []),
        # A reply's files: its form is multipart, with a file input.
        "multipart": item["action"] in attachments.REPLY_ACTIONS,
        "file_errors": errors.get("files", []),
        "next": next_path,
    }


def render_form(case: Any, item: AllowedAction, next_path: str = "") -> str:
    """An offered action's form as a fragment, for a page that draws it in place."""
    return render_template(
        "pages/action_form_fragment.html", **_context(case, item, {}, {}, next_path)
    )


def _render(case: Any, item: AllowedAction, values: dict, errors: dict, status: int):
    template = (
        "pages/action_form_fragment.html"
        if request.headers.get("HX-Request")
        else ("pages/action_form.html")
    )
    context = _context(case, item, values, errors, request.values.get("next", ""))
    if template == "pages/action_form.html" and item["action"] == "reply":
        # The lead replies with the co-departments' replies beside its box.
        context["co_replies"] = queries.detail(signed_in(), case)["co_replies"]
    return render_template(template, **context), status


@bp.get("/cases/<int:case_id>/actions/<action>")
@login_required
def form(case_id: int, action: str):
    case, item = _offered(case_id, action, request.args.get("task_id", ""))
    return _render(case, item, {}, {}, 200)


@bp.post("/cases/<int:case_id>/actions/<action>")
@login_required
@accepts_upload
def act(case_id: int, action: str):
    case, item = _offered(case_id, action, request.form.get("task_id", ""))
    schema = item["schema"]
    data, errors = read_form(schema, request.form)
    errors = errors or check(schema, data)
    if errors:
        return _render(case, item, dict(request.form), errors, 422)
    try:
        if action in attachments.REPLY_ACTIONS:
            attachments.act_with_files(
                case_id,
                action,
                data,
                signed_in(),
                request.files.getlist("files"),
                task_uuid=item["task_id"],
                client_ip=request.remote_addr or "",
            )
        else:
            service.act(
                case_id,
                action,
                data,
                signed_in(),
                task_uuid=item["task_id"],
                client_ip=request.remote_addr or "",
            )
    except attachments.AttachmentRefused as exc:
        refused = {"files": [label_of({"zh": exc.zh, "en": exc.en}, exc.code)]}
        return _render(case, item, dict(request.form), refused, exc.status)
    except DomainError as exc:
        refused = errors_by_field(exc.details)
        refused.setdefault("_form", []).insert(0, label_of({"zh": exc.zh, "en": exc.en}, exc.code))
        return _render(case, item, dict(request.form), refused, exc.status)
    title = label_of(item["title"], action)
    flash(_("Done: %(action)s, case %(number)s.", action=title, number=case.number), "success")
    target = local_target(request.form.get("next"), "pages_home.home")
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


def action_url(case_id: int, item: AllowedAction, next_path: str = "") -> str:
    return url_for(
        "pages_actions.form",
        case_id=case_id,
        action=item["action"],
        task_id=item["task_id"],
        next=next_path or None,
    )
