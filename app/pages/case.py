"""The case detail page: every field (as the case detail query gives them, masked where that
says so), status words, deadlines with the working time left, the timeline, attachments, the
actions this user may take now (exactly the API's `allowed_actions`, each as its form) and the
case's own process diagram with the path taken.

Routes (every role; a case outside the user's scope is a 404 page, as a missing one):
    GET  /cases/<id or number>                           the page
    GET  /cases/<id>/diagram.bpmn                        the BPMN of the case's process version
    GET  /cases/<id>/diagram-path.json                   {"done": [...], "current": [...]}
    POST /cases/<id>/attachments                         upload (multipart, CSRF)
    GET  /cases/<id>/attachments/<attachment id>         download (?inline=1: an image shown)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from markupsafe import Markup

from app.attachments import service as attachments
from app.attachments.uploads import accepts_upload
from app.cases import queries
from app.cases.queries import AllowedAction, CaseDetail
from app.clock import clock
from app.deadlines import overdue, standing
from app.errors import DomainError
from app.extensions import db
from app.forms.registry import load_forms
from app.models import Case, CaseType
from app.oversight import instructions
from app.pages import actions, oversight_case
from app.pages.listing import CHANNELS, PRIORITIES, RESULTS, countdown_text, word
from app.pages.schema_form import label_of
from app.pages.session import signed_in
from app.pages.telephony import calls as case_calls
from app.processes import case_diagram
from app.vocabulary import REPLIED

bp = Blueprint("pages_case", __name__)

# What a served diagram or file may do when opened on its own: nothing (no script, no frame).
INERT = "default-src 'none'; frame-ancestors 'none'; sandbox"

# The timeline's words for every kind of event the log holds (an unknown kind shows its code).
EVENT_LABELS: dict[str, Any] = {
    "accept": _l("Accepted"),
    "transfer": _l("Dispatched"),
    "recall": _l("Recalled"),
    "sign": _l("Signed for"),
    "reply": _l("Replied"),
    "co_reply": _l("Co-department replied"),
    "return_request": _l("Return requested"),
    "approve_return": _l("Return approved"),
    "reject_return": _l("Return rejected"),
    "extension_request": _l("Extension requested"),
    "approve_extension": _l("Extension approved"),
    "deny_extension": _l("Extension denied"),
    "joint_request": _l("Joint handling requested"),
    "approve_joint": _l("Joint handling approved"),
    "reject_joint": _l("Joint handling rejected"),
    "revisit": _l("Revisited"),
    "reopen": _l("Reopened"),
    "close": _l("Closed"),
    "urge": _l("Urged"),
    "deadline_warning": _l("Deadline warning"),
    "deadline_overdue": _l("Deadline passed"),
    "escalated": _l("Escalated"),
    "supervise": _l("Supervised"),
    "instruction": _l("Leader's instruction"),
    "merge": _l("Repeat call merged"),
    "supervision_answer": _l("Supervision answered"),
    "supervision_overdue": _l("Supervision order overdue"),
    "notice": _l("Notice issued"),
    "notice_list": _l("Put on the notice list"),
    attachments.ADDED: _l("Files attached"),
    # Telephony's events (app/telephony/events.py): their comment says what happened.
    "satisfaction": _l("Caller's satisfaction key"),
    "callback": _l("Call back"),
    "conference": _l("Three-way call"),
    "call_transfer": _l("Call transferred"),
}
TELEPHONY_EVENTS = frozenset({"satisfaction", "callback", "conference", "call_transfer"})
# Colours of the timeline's dots: decisions and requests stand out from routine steps.
EVENT_TONES = {
    "return_request": "warning",
    "extension_request": "warning",
    "joint_request": "warning",
    "reject_return": "danger",
    "deny_extension": "danger",
    "reject_joint": "danger",
    "reopen": "danger",
    "urge": "danger",
    "deadline_warning": "warning",
    "deadline_overdue": "danger",
    "escalated": "danger",
    "supervise": "danger",
    "instruction": "info",
    "supervision_answer": "success",
    "supervision_overdue": "danger",
    "notice": "danger",
    "notice_list": "danger",
    "reply": "success",
    "co_reply": "success",
    "close": "success",
}
# Events of the oversight office and leaders: their text is the event's comment.
OVERSIGHT_EVENTS = frozenset(
    {"urge", "supervise", "supervision_answer", "supervision_overdue", "instruction"}
    | {"notice", "notice_list"}
)
# Events the page does not list (the audit keeps them; the API's timeline shows them).
HIDDEN_EVENTS = frozenset({attachments.DOWNLOADED})
TEXT_FIELDS = ("text", "reason_text", "reason", "answer")  # what a person wrote, shown as is


# --- deadlines: the working time left ------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    tone: str  # normal, warning, overdue (the inbox's colours)
    text: str


def countdown(due: datetime | None, now: datetime, clock_name: str, case: Case) -> Countdown | None:
    """The working time left until `due` (or past it), coloured by the one rule of how a
    deadline stands (app/deadlines/standing.py), as the work lists colour it."""
    c = standing.countdown(due, standing.limit_seconds(clock_name, case), now, clock_name)
    return None if c is None else Countdown(c.standing, countdown_text(c))


def _deadlines(case: Case, body: CaseDetail, now: datetime) -> list[dict[str, Any]]:
    running = overdue.case_running_due(case)
    out = []
    for due, label, revisit, clock_name in (
        (body["sign_due_at"], _("Sign for by"), False, "sign"),
        (body["handle_due_at"], _("Handle by"), False, "handle"),
        (body["revisit_due_at"], _("Revisit by"), True, "revisit"),
    ):
        if due is None:
            continue
        runs = due == running or (revisit and case.status == REPLIED)
        out.append(
            {
                "label": label,
                "due": due,
                "countdown": countdown(due, now, clock_name, case) if runs else None,
            }
        )
    return out


# --- the timeline ----------------------------------------------------------------------------


def _value_labels() -> dict[tuple[str, str], dict[str, Any]]:
    """(field, value) -> label, from the forms' `x-labels` (return reasons, revisit results)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for specs in load_forms(current_app.config["FORMS_DIR"]).actions.values():
        for spec in specs:
            for name, prop in spec.schema.get("properties", {}).items():
                for value, label in (prop.get("x-labels") or {}).items():
                    out[(name, str(value))] = label
    return out


def _timeline(body: CaseDetail) -> list[dict[str, Any]]:
    labels = _value_labels()
    out = []
    for event in body["timeline"]:
        action = event["action"]
        if action in HIDDEN_EVENTS:
            continue
        data = event["data"] or {}
        notes: list[str] = []
        for name in ("reason_code", "result"):
            if name in data and (name, str(data[name])) in labels:
                notes.append(label_of(labels[(name, str(data[name]))], str(data[name])))
        if "result_code" in data:
            notes.append(str(RESULTS.get(data["result_code"], data["result_code"])))
        if action == "extension_request" and "days" in data:
            notes.append(_("%(n)s working days asked for", n=data["days"]))
        if data.get("co_department_ids"):
            notes.append(_("%(n)d co-departments", n=len(data["co_department_ids"])))
        texts = [str(data[k]) for k in TEXT_FIELDS if isinstance(data.get(k), str) and data[k]]
        if data.get("comment") and data["comment"] not in texts:
            texts.append(str(data["comment"]))
        shows_comment = action in OVERSIGHT_EVENTS or action in TELEPHONY_EVENTS
        if shows_comment and event["comment"] and event["comment"] not in texts:
            texts.append(event["comment"])  # what the urge, order or instruction said
        if action in OVERSIGHT_EVENTS and data.get("auto"):
            notes.append(_("automatic"))
        files = [a.get("name", "") for a in data.get("attachments", ())]
        out.append(
            {
                "at": event["at"],
                "action": action,
                "label": EVENT_LABELS.get(action, action),
                "tone": EVENT_TONES.get(action, "primary"),
                "user": event["user"],
                "department": event["from_department"],
                "to_department": event["to_department"],
                "notes": notes,
                "texts": texts,
                "files": files,
            }
        )
    return out


# --- the page --------------------------------------------------------------------------------


def _actions(case: Case, offered: list[AllowedAction], here: str) -> dict[str, Any]:
    """The offered actions: the replies' forms drawn in the page (with their files), the
    others as buttons that fetch their form in place (htmx) or open its page (no script)."""
    inline, buttons = [], []
    for n, item in enumerate(offered):
        if item["action"] in attachments.REPLY_ACTIONS:
            inline.append(
                {
                    "item": item,
                    "title": label_of(item["title"], item["action"]),
                    "form": Markup(actions.render_form(case, item, here)),
                }
            )
        else:
            buttons.append(
                {
                    "item": item,
                    "slot": f"action-slot-{n}",
                    "title": label_of(item["title"], item["action"]),
                    "url": actions.action_url(case.id, item, here),
                }
            )
    return {"inline": inline, "buttons": buttons}


def _case_type_name(case: Case) -> str:
    """The case type's name as administration keeps it (the case_type table)."""
    found = db.session.get(CaseType, case.case_type_id) if case.case_type_id else None
    return "—" if found is None else label_of({"zh": found.name, "en": found.name_en}, found.code)


def _render(
    case: Case,
    upload_errors: list[str] | None = None,
    status: int = 200,
    oversight_errors: dict[str, dict[str, str]] | None = None,
    call_errors: dict[str, dict[str, str]] | None = None,
):
    user = signed_in()
    now = clock.now()
    body = queries.detail(user, case)
    here = url_for("pages_case.detail", ref=case.number)
    offered = body["allowed_actions"]
    satisfaction = _value_labels().get(("result", body["satisfaction"]))
    html = render_template(
        "pages/case.html",
        case=case,
        d=body,
        now=now,
        status_text=label_of(
            {"zh": str(body["status"]["zh"]), "en": str(body["status"]["en"])}, case.status
        ),
        priority=word(PRIORITIES, body["priority"]),
        channel=word(CHANNELS, body["channel"]),
        case_type=_case_type_name(case),
        reply_result=RESULTS.get(body["reply_result"], body["reply_result"]),
        satisfaction=label_of(satisfaction, body["satisfaction"]) if satisfaction else "",
        deadlines=_deadlines(case, body, now),
        task_countdowns={
            t["task_id"]: countdown(t["due_at"], now, t["clock"], case) for t in body["open_tasks"]
        },
        timeline=_timeline(body),
        offered=_actions(case, offered, here),
        attachments=attachments.list_for(case),
        may_attach=attachments.may_attach(offered),
        upload_errors=upload_errors or [],
        oversight=oversight_case.panel(user, case, oversight_errors),
        calls=case_calls.panel(user, case, call_errors),
    )
    return html, status


def render_case(
    case: Case,
    *,
    oversight_errors: dict[str, dict[str, str]] | None = None,
    call_errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
):
    """The page, with a refused oversight form's field marked (app/pages/oversight_case.py)
    or a refused call command's (app/pages/telephony/calls.py)."""
    return _render(case, status=status, oversight_errors=oversight_errors, call_errors=call_errors)


@bp.get("/cases/<ref>")
@login_required
def detail(ref: str):
    user = signed_in()
    case = queries.get_visible_case(user, ref)
    # Opening the case is reading its instructions, for the department they are addressed to.
    instructions.mark_read(user, case)
    return _render(case)


@bp.get("/cases/<id:case_id>/diagram.bpmn")
@login_required
def diagram(case_id: int):
    """The BPMN file of the process version the case runs on (drawn by bpmn-view.js)."""
    case = queries.get_visible_case(signed_in(), str(case_id))
    found = case_diagram.diagram_of(case)
    response = Response(found.xml, mimetype="application/xml")
    response.headers["Content-Security-Policy"] = INERT
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(found.etag)
    return response.make_conditional(request)


@bp.get("/cases/<id:case_id>/diagram-path.json")
@login_required
def diagram_path(case_id: int):
    """The diagram's elements on the path taken and the current tasks (bpmn-view.js marks)."""
    case = queries.get_visible_case(signed_in(), str(case_id))
    taken = case_diagram.path_of(case)
    response = jsonify({"done": list(taken.done), "current": list(taken.current)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/cases/<id:case_id>/attachments")
@login_required
@accepts_upload
def upload(case_id: int):
    user = signed_in()
    try:
        added = attachments.add_to_case(
            user,
            str(case_id),
            request.files.getlist("files"),
            client_ip=request.remote_addr or "",
        )
    except attachments.AttachmentRefused as exc:
        case = queries.get_visible_case(user, str(case_id))
        return _render(case, [label_of({"zh": exc.zh, "en": exc.en}, exc.code)], exc.status)
    except DomainError as exc:
        if exc.status == 404:
            raise
        case = queries.get_visible_case(user, str(case_id))
        return _render(case, [label_of({"zh": exc.zh, "en": exc.en}, exc.code)], exc.status)
    flash(
        ngettext("%(num)d file attached.", "%(num)d files attached.", len(added)),
        "success",
    )
    case = queries.get_visible_case(user, str(case_id))
    return redirect(url_for("pages_case.detail", ref=case.number, _anchor="attachments"), 303)


@bp.get("/cases/<id:case_id>/attachments/<id:attachment_id>")
@login_required
def download(case_id: int, attachment_id: int):
    found = attachments.download(
        signed_in(),
        str(case_id),
        attachment_id,
        client_ip=request.remote_addr or "",
        inline=request.args.get("inline") == "1",
    )
    response = attachments.file_response(found)
    response.headers["Content-Security-Policy"] = INERT
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def _attachment_hints() -> dict[str, Any]:
    """What the file inputs of any page say and accept (the reply forms carry one too)."""

    def hint() -> str:
        config = current_app.config
        return _(
            "Up to %(n)d files of at most %(mb)d MB each: photos, PDF, office documents, "
            "recordings.",
            n=int(config["ATTACHMENTS_PER_UPLOAD"]),
            mb=int(config["ATTACHMENT_MAX_BYTES"]) // 2**20,
        )

    def accept() -> str:
        return ",".join(current_app.config["ATTACHMENT_TYPES"])

    return {"attachment_hint": hint, "attachment_accept": accept}
