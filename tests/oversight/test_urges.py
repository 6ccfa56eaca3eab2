"""Urges (催办): the event, the inbox's mark and the department's notification; refusals."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, Notification
from app.oversight.urges import urge
from tests.conftest import snapshot
from tests.oversight.conftest import MON, flow_of


def _notified(case_id):
    return db.session.scalars(
        select(Notification).where(Notification.case_id == case_id, Notification.kind == "urge")
    ).all()


def test_an_urge_records_event_mark_and_notifies_the_handling_department(at_department, user, dept):
    case_id = at_department("urban")
    before = flow_of(case_id)
    result = urge([case_id], "请尽快办理", by=user("oversight"), client_ip="10.0.0.9")
    assert result.urged == [case_id] and result.refused == {}
    assert flow_of(case_id) == before  # the flow is unchanged
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "urge")
    ).one()
    assert event.comment == "请尽快办理" and event.at == MON and event.client_ip == "10.0.0.9"
    assert event.user_id == user("oversight").id and event.data["auto"] is False
    assert event.to_department_id == dept("urban")
    case = db.session.get(Case, case_id)
    assert case.urge_count == 1 and case.last_urged_at == MON
    notes = _notified(case_id)
    assert {n.user_id for n in notes} == {user("urban_handler").id}
    assert {n.body for n in notes} == {"请尽快办理"}


def test_the_schedulers_urge_has_no_user_and_no_scope(at_department):
    case_id = at_department("east_urban")
    result = urge([case_id], "即将到期", by=None, auto=True)
    assert result.urged == [case_id]
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.action == "urge")).one()
    assert event.user_id is None and event.data["auto"] is True


def test_a_closed_case_is_refused_and_nothing_changes(closed_case, at_department, user):
    done = closed_case()
    open_id = at_department("urban")
    before = snapshot()
    result = urge([done, 999999], "催一下", by=user("oversight"))
    assert result.urged == []
    assert result.refused == {done: "case_closed", 999999: "case_not_found"}
    assert snapshot() == before
    # Mixed: the open one is urged, the closed one still refused.
    result = urge([done, open_id], "催一下", by=user("oversight"))
    assert result.urged == [open_id] and result.refused == {done: "case_closed"}
    assert db.session.get(Case, done).urge_count == 0


def test_a_leader_urges_only_the_cases_of_the_departments_they_oversee(at_department, user):
    theirs = at_department("east_urban")  # the leader oversees the east district
    other = at_department("west_urban")
    result = urge([theirs, other], "请加快", by=user("leader"))
    assert result.urged == [theirs] and result.refused == {other: "case_not_found"}
    assert db.session.get(Case, other).urge_count == 0
