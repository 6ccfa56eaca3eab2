"""Notifications a step causes: a new task in another department's inbox, and a request's
decision to the department that asked; written in the step's one transaction."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Notification, User


def _of(username: str) -> list[Notification]:
    db.session.rollback()
    user = db.session.scalars(select(User).filter_by(username=username)).unique().one()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _handling(api, dept) -> int:
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    return case_id


def test_a_transfer_tells_the_receiving_department_and_nobody_else(api, dept):
    case = api.create()
    assert _of("dispatcher") == []  # the intake stays at the centre that took it: no news
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    (note,) = _of("urban_handler")
    assert (note.kind, note.case_id, note.read_at) == ("task", case["id"], None)
    assert note.data["number"] == case["number"] and note.data["task"] == "sign"
    assert _of("dispatcher") == [] and _of("housing_handler") == []
    # Signing for it opens the handling at the same department: not news to it.
    api.act(case["id"], "sign", "urban_handler")
    assert len(_of("urban_handler")) == 1


def test_a_request_reaches_the_deciders_and_the_decision_the_requesters(api, dept):
    case_id = _handling(api, dept)
    api.act(case_id, "extension_request", "urban_handler", days=2, reason="需协调施工队")
    (asked,) = _of("dispatcher")
    assert asked.kind == "task" and asked.data["task"] == "approve_extension"
    api.act(case_id, "approve_extension", "dispatcher")
    kinds = [(n.kind, n.data.get("decision")) for n in _of("urban_handler")]
    # The transfer's task, then the decision alone (not the task that came back with it).
    assert kinds == [("task", None), ("decision", "approved")]


def test_a_denied_return_is_a_decision_too(api, dept):
    case_id = _handling(api, dept)
    api.act(case_id, "return_request", "urban_handler", reason_code="duplicate")
    api.act(case_id, "reject_return", "dispatcher", comment="属于贵单位职责")
    decision = _of("urban_handler")[-1]
    assert (decision.kind, decision.data["decision"], decision.body) == (
        "decision",
        "rejected",
        "属于贵单位职责",
    )


def test_a_refused_step_writes_no_notification(api, dept):
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", expect=422, target_department_id=999_999)
    api.act(case_id, "sign", "urban_handler", expect=404)
    assert _of("urban_handler") == [] and _of("dispatcher") == []
