"""The flow's values have one home, the diagram's task data: the extension decision reads the
requested days there (not from the event log), and the case's revisit-tries column mirrors the
diagram's count (no second counter in Python)."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Case, CaseEvent


def to_handling(api, dept) -> int:
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    return case_id


def test_the_extension_decision_reads_the_days_from_the_flow(api, dept):
    case_id = to_handling(api, dept)
    due = api.get(case_id)["handle_due_at"]
    api.act(case_id, "extension_request", "urban_handler", days=3, reason="需协调施工队")
    # The event log is history, not a source: the decision works without the request's event.
    db.session.execute(delete(CaseEvent).where(CaseEvent.action == "extension_request"))
    db.session.commit()
    body = api.act(case_id, "approve_extension", "dispatcher")
    assert body["extension_count"] == 1
    assert body["handle_due_at"] > due


def revisit_tries(case_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Case.revisit_tries).where(Case.id == case_id))


def test_the_revisit_tries_column_mirrors_the_diagrams_count(api, dept, app):
    app.config["MAX_REVISIT_TRIES"] = 3
    case_id = to_handling(api, dept)
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    for tries in (1, 2):
        api.act(case_id, "revisit", "revisit", result="unreachable")
        assert revisit_tries(case_id) == tries
    api.act(case_id, "revisit", "revisit", result="unsatisfied", reason="没修好")
    assert revisit_tries(case_id) == 0  # the diagram's reopen resets it
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    for _ in range(3):
        api.act(case_id, "revisit", "revisit", result="unreachable")
    assert api.get(case_id)["status"]["status"] == "closed"
    assert revisit_tries(case_id) == 3  # given up after the diagram's third try
