"""The agent's intake (受理), opened by the caller's number (`/intake?phone=...`, the screen pop
of a call): first the caller's earlier cases and contacts, then the accept form, with a warning
of likely repeats beside it that follows what the agent types (htmx).

The form is the API's: the JSON Schema of `POST /api/v1/cases`'s body, as the OpenAPI document
the app builds describes it (IntakeSchema), drawn by schema_form.py and checked with it, then
loaded with IntakeSchema itself and handed to the same service the API calls (service.accept).
The agent may answer at intake (即办件: the case closes at once) or, by default, send the case
to dispatch; mark it confidential (保密); or merge the call into a likely repeat instead
(重复诉求归并, app/cases/contacts.py — the API's `POST /api/v1/cases/<id>/contacts`).

The form carries an idempotency key made when it was drawn: submitted twice (a reload, a double
click), it makes one case, and the second answer says so.

Opened by a call's screen pop (`&call=<channel id>`, app/static/messages.js), the page says so
(来电, the number and its earlier cases) and the case registered is linked to the call record
(app/telephony/calls.py link_case).
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError
from sqlalchemy import select

from app.auth import policy
from app.cases import contacts, repeats, service
from app.cases.intake_schema import IntakeSchema
from app.clock import clock
from app.deadlines.service import status_words
from app.errors import DomainError
from app.extensions import api, db
from app.models import Category
from app.pages.schema_form import check, errors_by_field, fields_of, label_of, read_form
from app.pages.session import signed_in
from app.pages.telephony.common import OUTCOME_WORDS
from app.telephony import calls

bp = Blueprint("pages_intake", __name__)

INTAKE_OPERATION = ("/api/v1/cases", "post")
CONTACT_OPERATION = ("/api/v1/cases/{case_id}/contacts", "post")
# Fields of the API's intake the page does not draw: the sending system's own id (IVR, Open311).
NOT_DRAWN = ("external_id",)
# What a merged call takes from the intake form: the form's field -> the contact's.
MERGED = {
    "channel": "channel",
    "citizen_name": "caller_name",
    "citizen_phone": "caller_phone",
    "content": "content",
}
# Read by the htmx repeat check: at most this much of each field (the form's own limits).
TYPED_LIMITS = {"citizen_phone": 20, "citizen_address": 255, "content": 2000}
_OPENAPI = "minqing.pages.openapi"
# An Asterisk channel id, as the telephony API takes it (anything else: no call to link).
CHANNEL_ID = re.compile(calls.CHANNEL_PATTERN)


def _call_of(raw: str | None) -> str:
    raw = (raw or "").strip()
    return raw if CHANNEL_ID.match(raw) else ""


# --- The schemas, from the OpenAPI document --------------------------------------------------


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI document, built once per app (it does not change while it runs)."""
    doc = current_app.extensions.get(_OPENAPI)
    if doc is None:
        doc = current_app.extensions[_OPENAPI] = api.spec.to_dict()
    return doc


def body_schema(path: str, method: str) -> dict[str, Any]:
    """The JSON Schema of an operation's JSON body, as the API describes it (a copy)."""
    doc = _openapi()
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[1]
    return copy.deepcopy(doc["components"]["schemas"][name])


def intake_schema() -> dict[str, Any]:
    """The intake's schema, with the categories of the catalog as the choices of `category`
    (the API takes their codes; the service refuses an unknown one)."""
    schema = body_schema(*INTAKE_OPERATION)
    rows = db.session.execute(
        select(Category.code, Category.name, Category.name_en).order_by(Category.code)
    ).all()
    category = schema["properties"]["category"]
    category["enum"] = [code for code, _zh, _en in rows]
    category["x-labels"] = {code: {"zh": zh, "en": en or zh} for code, zh, en in rows}
    return schema


# --- Pages -----------------------------------------------------------------------------------


@bp.get("/intake")
@login_required
def form() -> ResponseReturnValue:
    policy.check_accept(signed_in())
    phone = request.args.get("phone", "").strip()[: TYPED_LIMITS["citizen_phone"]]
    values = {
        "channel": "phone",
        "citizen_phone": phone,
        "call": _call_of(request.args.get("call")),
    }
    return _render(values, {}, 200)


@bp.post("/intake")
@login_required
def accept() -> ResponseReturnValue:
    user = signed_in()
    policy.check_accept(user)
    schema = intake_schema()
    values = request.form.to_dict()
    data, errors = read_form(schema, request.form)
    for name in NOT_DRAWN:
        data.pop(name, None)
    errors = errors or check(schema, data)
    loaded: dict[str, Any] = {}
    if not errors:
        loaded, errors = _loaded(IntakeSchema(), data)
    if errors:
        return _render(values, errors, 422)
    try:
        case, password, created = service.accept(
            service.Intake(**loaded),
            user,
            idempotency_key=request.form.get("idempotency_key") or None,
            client_ip=request.remote_addr or "",
        )
    except DomainError as exc:
        if exc.code == "idempotency_key_reused":
            # Sent back with another body (back, edit, send): a new form, submitted on purpose.
            values["idempotency_key"] = _new_key()
            message = _(
                "This form was already submitted as a case with other content. "
                "Submit it again to register another case."
            )
            return _render(values, {"_form": [message]}, exc.status)
        return _render(values, _refusal(exc, schema), exc.status)
    call = _call_of(values.get("call"))
    link_error = ""
    if call:
        try:
            calls.link_case(call, case, by=user)
        except DomainError as exc:  # the case stands; the agent is told the call is not linked
            link_error = _message(exc)
    html = render_template(
        "pages/intake_done.html",
        case=case,
        password=password,
        created=created,
        status=status_words(case, clock.now()),
        call=call,
        link_error=link_error,
    )
    # The query password is shown once: kept by no cache.
    return html, 200, {"Cache-Control": "no-store"}


@bp.post("/intake/cases/<int:case_id>/contacts")
@login_required
def merge(case_id: int) -> ResponseReturnValue:
    """The call being taken, merged into the case (from the intake form's fields)."""
    user = signed_in()
    values = request.form.to_dict()
    data = {MERGED[k]: v for k, v in values.items() if k in MERGED and v != ""}
    schema = body_schema(*CONTACT_OPERATION)
    errors = check(schema, data)
    loaded: dict[str, Any] = {}
    if not errors:
        loaded, errors = _loaded(contacts.ContactSchema(), data)
    if errors:
        back = {v: k for k, v in MERGED.items()}
        marked = {back.get(name, "_form"): messages for name, messages in errors.items()}
        marked.setdefault("_form", []).insert(0, _("To merge the call, fill in the marked fields."))
        return _render(values, marked, 422)
    try:
        case, _item = contacts.add_contact(
            case_id, contacts.Contact(**loaded), user, client_ip=request.remote_addr or ""
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise  # the error page: not a case of this user's, or not a user who records calls
        return _render(values, {"_form": [_message(exc)]}, exc.status)
    flash(_("The call was merged into case %(number)s.", number=case.number), "success")
    return redirect(url_for(".form", phone=loaded["caller_phone"]), code=303)


@bp.post("/intake/repeats")
@login_required
def likely_repeats() -> str:
    """The repeat warning, for htmx as the agent types phone, address and content."""
    user = signed_in()
    policy.check_accept(user)
    typed = {name: request.form.get(name, "")[:limit] for name, limit in TYPED_LIMITS.items()}
    return render_template("pages/intake_repeats.html", repeats=_repeats(user, typed))


# --- Helpers ---------------------------------------------------------------------------------


def _render(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], status: int
) -> tuple[str, int]:
    user = signed_in()
    schema = intake_schema()
    fields = fields_of(schema, values, errors, skip=NOT_DRAWN)
    for f in fields:
        if f.name == "citizen_address":
            f.kind = "line"  # 255 characters, but one line of an address
    phone = str(values.get("citizen_phone") or "")
    call = _call_of(values.get("call"))
    body = render_template(
        "pages/intake.html",
        fields=fields,
        form_errors=list(errors.get("_form", [])),
        marked=any(name != "_form" for name in errors),
        idempotency_key=values.get("idempotency_key") or _new_key(),
        phone=phone,
        call=call,
        history=contacts.caller_history(user, phone),
        # The number's earlier calls, the one ringing now left out (hotline staff only).
        calls=calls.of_number(user, phone, but=call),
        outcome_words=OUTCOME_WORDS,
        repeats=_repeats(user, values),
    )
    return body, status


def _repeats(user: Any, values: Mapping[str, Any]) -> list[repeats.Repeat]:
    return repeats.likely_repeats(
        user,
        phone=str(values.get("citizen_phone") or ""),
        address=str(values.get("citizen_address") or ""),
        content=str(values.get("content") or ""),
    )


def _loaded(schema: Any, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The data as the marshmallow schema loads it, or its refusals per field (what the JSON
    Schema cannot say: a line break in a name, a control character)."""
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        messages = exc.normalized_messages()
        return {}, {str(name): [_("Not a valid value.")] for name in messages}


def _message(exc: DomainError) -> str:
    return label_of({"zh": exc.zh, "en": exc.en}, exc.code)


def _refusal(exc: DomainError, schema: Mapping[str, Any]) -> dict[str, list[str]]:
    """A service's refusal on the form: the field it names marked, else the form's alert."""
    errors = errors_by_field(exc.details)
    name = (exc.details or {}).get("field")
    if isinstance(name, str) and name in schema.get("properties", {}):
        errors.setdefault(name, []).append(_message(exc))
    else:
        errors.setdefault("_form", []).insert(0, _message(exc))
    return errors


def _new_key() -> str:
    return f"intake-{uuid.uuid4().hex}"
