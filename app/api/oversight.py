"""The oversight office's and leaders' API: urges (one case, or many from the combined query's
filters), supervision orders and their answers, leader instructions and their reading, the
escalation ladder's rules, and the overview of overdue and warning cases. None of it moves a
case in its flow (app/oversight)."""

from __future__ import annotations

from dataclasses import asdict

from flask import request
from flask.views import MethodView

from app.api.blueprint import Blueprint, file_responses
from app.api.oversight_schemas import (
    AnswerInSchema,
    InstructionInSchema,
    InstructionListSchema,
    InstructionSchema,
    LadderInSchema,
    LadderSchema,
    OrderInSchema,
    OrderListArgsSchema,
    OrderListSchema,
    OrderSchema,
    OverviewSchema,
    ReadResultSchema,
    UrgeManySchema,
    UrgeOneSchema,
    UrgeResultSchema,
)
from app.api.schemas import CaseListArgsSchema
from app.auth import policy
from app.auth.tokens import current_user
from app.clock import clock
from app.errors import Conflict, case_not_found
from app.extensions import db
from app.models import Case, Department, SupervisionOrder, User
from app.oversight import cases, instructions, ladder, notice, overview, supervision, urges

blp = Blueprint(
    "oversight", __name__, url_prefix="/api/v1", description="Oversight: urges, orders, leaders"
)
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _ip() -> str:
    return request.remote_addr or ""


def _result(result: urges.UrgeResult) -> dict:
    return {
        "urged": result.urged,
        "refused": [
            {
                "case_id": case_id,
                "code": code,
                "zh": urges.REFUSALS[code][0],
                "en": urges.REFUSALS[code][1],
            }
            for case_id, code in sorted(result.refused.items())
        ],
    }


@blp.route("/cases/<id:case_id>/urge")
class UrgeCase(MethodView):
    @blp.arguments(UrgeOneSchema)
    @blp.response(200, UrgeResultSchema)
    @blp.alt_response(409, description="`case_closed`: the case is replied or closed")
    @blp.doc(security=SECURITY)
    def post(self, body, case_id: int):
        """Urge one case (催办): the handling department is notified and its inbox marks it.

        The oversight office and leaders, on a case of their scope (404 outside it)."""
        result = urges.urge([case_id], body["message"], by=current_user(), client_ip=_ip())
        code = result.refused.get(case_id)
        if code == "case_not_found":
            raise case_not_found()  # as every route answers of a case out of scope
        if code is not None:
            raise Conflict(code, *urges.REFUSALS[code])
        return _result(result)


@blp.route("/oversight/urges")
class UrgeMany(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.arguments(UrgeManySchema)
    @blp.response(200, UrgeResultSchema)
    @blp.doc(security=SECURITY)
    def post(self, args, body):
        """Urge many cases: those named in `case_ids`, else every case the combined query's
        filters (the query string, as `GET /cases` takes it) pick in my scope — e.g.
        `?department_id=5&overdue=true`. Says which were urged and why the others were not.
        More than 1000 matching cases: 422 `too_many_cases`, nothing urged."""
        user = current_user()
        policy.check_urge(user)
        ids = body.get("case_ids")
        if ids is None:
            ids = overview.pick(user, args)
        return _result(urges.urge(ids, body["message"], by=user, client_ip=_ip()))


def _order_out(row: SupervisionOrder) -> dict:
    number = db.session.get(Case, row.case_id).number  # type: ignore[union-attr]
    dept = db.session.get(Department, row.department_id).name  # type: ignore[union-attr]
    return overview.order_item(row, number, dept, clock.now())


@blp.route("/cases/<id:case_id>/supervision")
class CaseOrders(MethodView):
    @blp.response(200, OrderListSchema)
    @blp.doc(security=SECURITY)
    def get(self, case_id: int):
        """The case's supervision orders (督办) with their state."""
        case = cases.visible(current_user(), case_id)
        return {"items": [_order_out(o) for o in supervision.orders_of_case(case.id)]}

    @blp.arguments(OrderInSchema)
    @blp.response(201, OrderSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, case_id: int):
        """Order the handling department to report by a feedback date (督办): a working day,
        `feedback_date`, or `feedback_days` working days from now. The oversight office only.
        A past date: 422 `feedback_date_past`; a closed case: 409 `case_closed`."""
        row = supervision.order(
            case_id,
            body["message"],
            by=current_user(),
            feedback_date=body.get("feedback_date"),
            feedback_days=body.get("feedback_days"),
            client_ip=_ip(),
        )
        return _order_out(row), 201


@blp.route("/cases/<id:case_id>/supervision/<id:order_id>/answer")
class AnswerOrder(MethodView):
    @blp.arguments(AnswerInSchema)
    @blp.response(200, OrderSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, case_id: int, order_id: int):
        """The ordered department's answer (督办反馈). Only its own staff: another department
        is 403 `department_not_allowed` (404 when the case is outside its scope)."""
        row = supervision.answer(
            case_id, order_id, body["answer"], by=current_user(), client_ip=_ip()
        )
        return _order_out(row)


@blp.route("/oversight/supervision")
class Orders(MethodView):
    @blp.arguments(OrderListArgsSchema, location="query")
    @blp.response(200, OrderListSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Supervision orders, newest first, by state (open, answered, overdue). The oversight
        office only."""
        user = current_user()
        policy.check_oversee(user)
        return {"items": overview.orders(user, args.get("state"))}


def _instructions(user: User, case: Case) -> list[dict]:
    return [asdict(item) for item in instructions.shown(user, case)]


@blp.route("/cases/<id:case_id>/instructions")
class CaseInstructions(MethodView):
    @blp.response(200, InstructionListSchema)
    @blp.doc(security=SECURITY)
    def get(self, case_id: int):
        """The case's leader instructions (批示), newest first, with who read them when."""
        user = current_user()
        return {"items": _instructions(user, cases.visible(user, case_id))}

    @blp.arguments(InstructionInSchema)
    @blp.response(201, InstructionSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, case_id: int):
        """A leader's instruction on a case of the departments they oversee (404 outside
        them); notified to the handling department."""
        user = current_user()
        row = instructions.write(case_id, body["text"], by=user, client_ip=_ip())
        case = cases.visible(user, case_id)
        return next(i for i in _instructions(user, case) if i["id"] == row.id), 201


@blp.route("/cases/<id:case_id>/instructions/<id:instruction_id>/read")
class ReadInstruction(MethodView):
    @blp.response(200, ReadResultSchema)
    @blp.doc(security=SECURITY)
    def post(self, case_id: int, instruction_id: int):
        """Mark an instruction read (its department's staff only: 403 for others)."""
        user = current_user()
        return {"marked": instructions.press_read(user, case_id, instruction_id)}


@blp.route("/cases/<id:case_id>/notices/<id:event_id>", methods=["GET"], endpoint="notice")
@blp.doc(
    security=SECURITY,
    responses=file_responses(
        "the notice (催办通知书) as a PDF, with its name (Content-Disposition)", "application/pdf"
    ),
)
@blp.alt_response(404, description="`case_not_found` out of scope; `notice_not_found`")
def notice_pdf(case_id: int, event_id: int):
    """A notice (催办通知书) the ladder issued on the case: its `notice` event's id, as the
    case's timeline lists it. Whoever sees the case reads it; a case outside one's scope
    answers as a missing case, an event that is not one of the case's notices 404
    `notice_not_found`."""
    return notice.download(current_user(), case_id, event_id)


def _ladder() -> dict:
    return {"rules": [asdict(rule) for rule in ladder.rules()]}


@blp.route("/oversight/ladder")
class Ladder(MethodView):
    @blp.response(200, LadderSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """The escalation ladder's rules (督办阶梯)."""
        policy.check_oversee(current_user())
        return _ladder()

    @blp.arguments(LadderInSchema)
    @blp.response(200, LadderSchema)
    @blp.doc(security=SECURITY)
    def put(self, body):
        """Replace the ladder's rules, one a line, e.g. "urge 1 working day before due",
        "逾期后1个工作日发催办通知书", "逾期超过3个工作日通报". A rule that does not parse,
        repeats a step, has a negative amount, sits on the wrong side of the deadline or
        turns the ladder backwards: 422 `ladder_invalid` with each refusal's line in
        `details.errors`; nothing is saved."""
        ladder.save(body["rules"], by=current_user(), client_ip=_ip())
        return _ladder()


@blp.route("/oversight/overview")
class Overview(MethodView):
    @blp.arguments(CaseListArgsSchema, location="query")
    @blp.response(200, OverviewSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Overdue and warning cases by department (counts and lists), among the cases the
        combined query's filters pick. The oversight office only."""
        user = current_user()
        policy.check_oversee(user)
        found = overview.overview(user, args)
        return {
            "counts": [asdict(c) for c in found.counts],
            "overdue": found.overdue,
            "warning": found.warning,
            "scanned": found.scanned,
            "capped": found.capped,
        }
