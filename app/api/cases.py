from __future__ import annotations

import json

from flask import request
from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.api.schemas import (
    ActionBodySchema,
    CaseDetailSchema,
    CaseListArgsSchema,
    ContactListSchema,
    ContactOutSchema,
    ContactSchema,
    CreatedCaseSchema,
    IntakeSchema,
    PageSchema,
)
from app.auth.tokens import current_user
from app.cases import contacts, queries, service
from app.clock import clock
from app.config import Config
from app.deadlines.service import status_words
from app.forms.registry import load_forms

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases")
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, PageSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """List cases in my scope, with combined filters, pagination and sorting."""
        return queries.list_cases(current_user(), args)

    @blp.arguments(IntakeSchema)
    @blp.response(201, CreatedCaseSchema)
    @blp.alt_response(200, schema=CreatedCaseSchema, description="replayed intake")
    @blp.alt_response(
        409,
        description="`idempotency_key_reused`: this user sent the key with another body",
    )
    @blp.doc(security=SECURITY)
    def post(self, body):
        """Accept a demand (受理). Send `Idempotency-Key` to make retries safe.

        A key (the header, else `external_id`) is the sending user's own: repeated with the same
        body it answers 200 with the case it made; with another body 409. An empty, blank,
        over-80-character or non-printable-ASCII key is 422 `invalid_idempotency_key`.
        """
        user = current_user()
        case, password, created = service.accept(
            service.Intake(**body),
            user,
            idempotency_key=request.headers.get("Idempotency-Key"),
            client_ip=request.remote_addr or "",
        )
        result = {
            "id": case.id,
            "number": case.number,
            "query_password": password,
            "status": status_words(case, clock.now()),
            "created": created,
        }
        return result, (201 if created else 200)


@blp.route("/<string:ref>")
class CaseDetail(MethodView):
    @blp.response(200, CaseDetailSchema)
    @blp.doc(security=SECURITY)
    def get(self, ref):
        """A case by id or number: fields, status, timeline, open tasks, my allowed actions."""
        user = current_user()
        return queries.detail(user, queries.get_visible_case(user, ref))


@blp.route("/<id:case_id>/contacts")
class CaseContacts(MethodView):
    @blp.response(200, ContactListSchema)
    @blp.doc(security=SECURITY)
    def get(self, case_id: int):
        """The calls merged into a case (重复来电), oldest first."""
        user = current_user()
        case = queries.get_visible_case(user, str(case_id))
        return {"items": contacts.contacts_of(user, case)}

    @blp.arguments(ContactSchema)
    @blp.response(201, ContactOutSchema)
    @blp.alt_response(409, description="`case_closed`: a call about a closed case is a new case")
    @blp.doc(security=SECURITY)
    def post(self, body, case_id: int):
        """Merge a call into an open case instead of opening a new one (重复诉求归并).

        The case records the contact (caller, channel, what they said, who took it) and a
        `contact` event on its timeline. Agents, dispatchers and administrators, on a case of
        their scope.
        """
        _case, item = contacts.add_contact(
            case_id, contacts.Contact(**body), current_user(), client_ip=request.remote_addr or ""
        )
        return item


def _action_view(action_name: str, doc: str, description: str):
    @blp.arguments(ActionBodySchema)
    @blp.response(200, CaseDetailSchema)
    @blp.doc(
        security=SECURITY,
        summary=doc,
        description=description,
        operationId=f"case_{action_name}",
    )
    def view(body, case_id: int):
        user = current_user()
        case = service.act(
            case_id,
            action_name,
            body["data"],
            user,
            task_uuid=body["task_id"],
            client_ip=request.remote_addr or "",
        )
        return queries.detail(user, case)

    view.__name__ = f"case_action_{action_name}"
    return view


def register_action_routes(forms_dir: str) -> None:
    """One POST endpoint per action that the task forms define."""
    forms = load_forms(forms_dir)
    for name, specs in sorted(forms.actions.items()):
        title = specs[0].title
        path = "/<id:case_id>/" + name.replace("_", "-")
        # The form's JSON Schema for `data`, per task that offers the action.
        description = "\n\n".join(
            f"On task `{spec.task}`, `data` must satisfy:\n\n```json\n"
            f"{json.dumps(spec.schema, ensure_ascii=False, indent=2)}\n```"
            for spec in specs
        )
        blp.route(path, methods=["POST"], endpoint=f"action_{name}")(
            _action_view(name, f"{title['zh']} {title['en']}", description)
        )

    # Any other action name: an action of the configured forms that had no route when the app
    # started (a form deployed with a new diagram) is taken with the same body as the named
    # ones; an unknown one is a JSON 404 `unknown_action` (the routes above match first).
    @blp.route("/<id:case_id>/<string:action>", methods=["POST"], endpoint="action_unknown")
    @blp.arguments(ActionBodySchema)
    @blp.response(200, CaseDetailSchema)
    @blp.doc(
        security=SECURITY,
        summary="Any other action: one of the forms' actions, else 404 unknown_action",
    )
    def other_action(body, case_id: int, action: str):
        user = current_user()
        case = service.act(
            case_id,
            action.replace("-", "_"),
            body["data"],
            user,
            task_uuid=body["task_id"],
            client_ip=request.remote_addr or "",
        )
        return queries.detail(user, case)


register_action_routes(Config.FORMS_DIR)
