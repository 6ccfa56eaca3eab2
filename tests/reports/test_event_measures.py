"""The event rows' columns the measures read (the department a step counts for, on_time,
revisit_result, resolved): the steps write them as the measures define them, and the
migration that added them fills the steps logged before it the same way (the month of
tests/reports/conftest.py: dispatches, signs and replies on time and late, revisits satisfied
and unsatisfied, a reopen)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from app.cases.unit_of_work import outcome_columns
from app.extensions import db
from app.models import CaseEvent

BEFORE = "a071813f32dd"  # the revision before the columns


def _outcomes() -> list[tuple]:
    rows = db.session.execute(
        select(
            CaseEvent.id,
            CaseEvent.action,
            CaseEvent.measured_department_id,
            CaseEvent.on_time,
            CaseEvent.revisit_result,
            CaseEvent.resolved,
        ).order_by(CaseEvent.id)
    )
    return [tuple(r) for r in rows]


def _latest_reply_department(event: CaseEvent) -> int | None:
    return db.session.scalar(
        select(CaseEvent.from_department_id)
        .where(
            CaseEvent.case_id == event.case_id,
            CaseEvent.action == "reply",
            CaseEvent.id < event.id,
        )
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )


def test_each_step_counts_for_the_department_the_measures_say(month):
    rows = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
    actions = set()
    for event in rows:
        actions.add(event.action)
        if event.action == "transfer":
            expected = event.to_department_id
        elif event.action in ("revisit", "reopen"):
            expected = _latest_reply_department(event)
        else:
            expected = event.from_department_id
        assert event.measured_department_id == expected, (event.id, event.action)
    assert {"transfer", "sign", "reply", "revisit", "reopen"} <= actions


def test_a_step_logged_elsewhere_counts_for_the_acting_department(month):
    """Urges, calls, attachments... are written as rows by their own services."""
    first = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id).limit(1)).one()
    urge = CaseEvent(
        case_id=first.case_id,
        at=first.at,
        action="urge",
        from_department_id=first.from_department_id,
        to_department_id=first.to_department_id,
    )
    db.session.add(urge)
    db.session.flush()
    assert urge.measured_department_id == first.from_department_id is not None


def test_each_step_records_its_outcome_as_its_data_says(month):
    rows = db.session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
    seen = set()
    for event in rows:
        if event.action in ("sign", "reply"):
            assert event.on_time is event.data["on_time"]
            seen.add((event.action, event.on_time))
        elif event.action == "revisit":
            assert event.revisit_result == event.data["result"]
            assert event.resolved is event.data.get("resolved")
            seen.add((event.action, event.revisit_result))
        else:
            assert (event.on_time, event.revisit_result, event.resolved) == (None, None, None)
    # The month has each kind of outcome, so the comparison above is not vacuous.
    assert {("sign", True), ("sign", False), ("reply", True), ("reply", False)} <= seen
    assert {("revisit", "satisfied"), ("revisit", "unsatisfied")} <= seen


def test_the_backfill_gives_each_step_what_logging_it_gave_it(month):
    recorded = _outcomes()
    db.session.commit()
    db.session.close()  # the migration alters the table: no transaction of ours may hold it
    downgrade(revision=BEFORE)
    upgrade()
    assert _outcomes() == recorded


def test_an_outcome_of_the_wrong_type_is_left_out():
    assert outcome_columns("reply", {"on_time": "yes"})["on_time"] is None
    assert outcome_columns("revisit", {"result": 5, "resolved": 1}) == {
        "on_time": None,
        "revisit_result": None,
        "resolved": None,
    }
    assert outcome_columns("revisit", {"result": "x" * 33})["revisit_result"] is None
    # Another step's data keys are not outcomes.
    assert outcome_columns("approve_return", {"on_time": True, "result": "satisfied"}) == {
        "on_time": None,
        "revisit_result": None,
        "resolved": None,
    }
