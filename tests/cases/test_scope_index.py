"""The scope index: case_department's copies of the case columns stay equal to the case's, and
scoped lists read from it return what the semi-join on hotline_case returns."""

from __future__ import annotations

import random
from datetime import timedelta
from unittest import mock

from sqlalchemy import func, select, update

from app import engine as wf_engine
from app.cases import overdue_scan, queries, scope_index
from app.clock import clock
from app.extensions import db
from app.models import Case, CaseDepartment, User
from app.seed.bulk import clone_cases, load_templates
from app.seed.cases import seed_demo_cases


def _assert_copies_match() -> int:
    rows = db.session.execute(select(CaseDepartment, Case).join(Case)).all()
    for cd, case in rows:
        want = scope_index.scope_values(case)
        got = {k: getattr(cd, k) for k in want}
        assert got == want, (case.id, cd.department_id)
    return len(rows)


def _lists_agree(username: str, args: dict) -> None:
    user = db.session.scalar(select(User).filter_by(username=username))
    full = {"page": 1, "per_page": 5, "sort": "-created_at", **args}
    fast = queries.list_cases(user, full)
    with mock.patch.object(scope_index, "FILTERS", set()):  # the semi-join path
        slow = queries.list_cases(user, full)
    assert [c["id"] for c in fast["items"]] == [c["id"] for c in slow["items"]], (username, args)
    assert (fast["total"], fast["total_capped"]) == (slow["total"], slow["total_capped"])


def test_copies_follow_every_step_and_the_scheduler():
    seed_demo_cases(30)
    assert _assert_copies_match() > 0
    later = clock.now() + timedelta(days=10)
    assert overdue_scan.mark_overdue(later) > 0
    db.session.expire_all()
    _assert_copies_match()
    clock.freeze(later)
    try:
        for username in ("housing_handler", "east_dispatcher", "leader", "east_urban_handler"):
            for args in (
                {},
                {"status": "closed"},
                {"status": "handling"},
                {"overdue": True},
                {"overdue": False},
                {"overdue": True, "sort": "created_at"},
                {"page": 2, "sort": "created_at"},
                {"case_type": "complaint"},
                {"case_type": "help", "overdue": True},
                {"channel": "web"},
                {"channel": "phone", "status": "closed"},
            ):
                _lists_agree(username, args)
    finally:
        clock.unfreeze()


def _assert_current_department_has_a_row() -> int:
    """What `queries._at_department_in_scope` relies on."""
    open_cases = db.session.execute(
        select(Case.id, Case.current_department_id).where(Case.current_department_id.is_not(None))
    ).all()
    rows = set(db.session.execute(select(CaseDepartment.case_id, CaseDepartment.department_id)))
    for case_id, dept_id in open_cases:
        assert (case_id, dept_id) in rows, case_id
    return len(open_cases)


def test_a_case_is_only_ever_at_a_department_it_reached():
    seed_demo_cases(30)
    before = _assert_current_department_has_a_row()
    assert before > 0
    ids = list(db.session.scalars(select(Case.id)))
    clone_cases(load_templates(ids), 60, random.Random(2), echo=lambda _line: None)
    db.session.expire_all()
    assert _assert_current_department_has_a_row() > before


def test_a_department_filter_inside_the_scope_skips_the_scope_test(dept):
    seed_demo_cases(30)
    users = ("housing_handler", "east_urban_handler", "east_dispatcher", "leader")
    for username in users:
        user = db.session.scalar(select(User).filter_by(username=username))
        for code in ("housing", "east_urban", "east", "urban"):
            args = {
                "page": 1,
                "per_page": 50,
                "sort": "-created_at",
                "department_id": dept(code),
            }
            fast = queries.list_cases(user, args)
            with mock.patch.object(queries, "_at_department_in_scope", return_value=False):
                slow = queries.list_cases(user, args)
            assert [c["id"] for c in fast["items"]] == [c["id"] for c in slow["items"]], (
                username,
                code,
            )
            assert fast["total"] == slow["total"]


def test_the_overdue_copy_is_read_from_the_case_row(api, dept, monkeypatch):
    """The scheduler may flag a case overdue after a step read it and before the step writes:
    the step's scope rows must then say overdue too, not what the step read."""
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    complete = wf_engine.complete

    def scheduler_meanwhile(*args, **kwargs):
        # What mark_overdue writes to the case row, seen by the step's later statements.
        cases = Case.__table__
        db.session.execute(update(cases).where(cases.c.id == case_id).values(overdue=True))
        return complete(*args, **kwargs)

    monkeypatch.setattr(wf_engine, "complete", scheduler_meanwhile)
    api.act(case_id, "sign", "urban_handler")  # changes the status: the copies are rewritten
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.get(Case, case_id).overdue is True
    copies = db.session.scalars(select(CaseDepartment.overdue).filter_by(case_id=case_id)).all()
    assert copies and all(copies)
    _assert_copies_match()


def test_bulk_clones_carry_the_copies():
    seed_demo_cases(10)
    clock.freeze(clock.now().replace(microsecond=0))
    overdue_scan.mark_overdue(clock.now())
    ids = list(db.session.scalars(select(Case.id)))
    # Open clones only, over the last 30 days: many of them past their handling deadline.
    clone_cases(load_templates(ids), 60, random.Random(1), open_share=1, echo=lambda _line: None)
    db.session.expire_all()
    assert _assert_copies_match() > 60
    # Those are flagged already, as the scan would have.
    assert db.session.scalar(select(func.count()).where(Case.overdue, Case.id.notin_(ids))) > 0
    assert overdue_scan.mark_overdue(clock.now()) == 0
