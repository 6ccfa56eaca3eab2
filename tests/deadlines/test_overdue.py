"""The overdue rule (app/deadlines/overdue.py) says the same in Python, in SQL on the case row,
in SQL on its scope copies and in the partial indexes' predicates."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

from sqlalchemy import insert, literal, select
from sqlalchemy.dialects import postgresql

from app.cases import scope_index
from app.deadlines import overdue
from app.extensions import db
from app.models import Case, CaseDepartment, CaseType, Department, OpenTask
from app.models.case import STATUSES

NOW = datetime(2026, 3, 9, 10, 0)
DUES = (None, NOW - timedelta(minutes=1), NOW, NOW + timedelta(minutes=1))


_COLUMNS = ("status", "overdue", "clock_paused_at", "sign_due_at", "handle_due_at")


def _grid() -> list[dict]:
    """Case columns in every combination the rule reads."""
    return [
        dict(zip(_COLUMNS, values, strict=True))
        for values in itertools.product(
            STATUSES, (False, True), (None, NOW - timedelta(hours=1)), DUES, DUES
        )
    ]


def _insert_grid() -> dict[int, Case]:
    type_id = db.session.scalar(select(CaseType.id).limit(1))
    dept_id = db.session.scalar(select(Department.id).limit(1))
    rows = []
    for n, columns in enumerate(_grid(), start=1):
        rows.append(
            {
                "number": f"T-{n:06d}",
                "query_password_hash": "x",
                "channel": "phone",
                "citizen_name": "x",
                "citizen_phone": "x",
                "content": "x",
                "case_type_id": type_id,
                "priority": "normal",
                "created_at": NOW - timedelta(days=1),
                "updated_at": NOW,
                **columns,
            }
        )
    db.session.execute(insert(Case), rows)
    cases = {c.id: c for c in db.session.scalars(select(Case))}
    db.session.execute(
        insert(CaseDepartment),
        [
            {"case_id": c.id, "department_id": dept_id, **scope_index.scope_values(c)}
            for c in cases.values()
        ],
    )
    db.session.flush()
    return cases


def _case_ids(where) -> set[int]:
    return set(db.session.scalars(select(Case.id).where(where)))


def _copy_ids(where) -> set[int]:
    return set(db.session.scalars(select(CaseDepartment.case_id).where(where)))


def test_python_sql_and_the_scope_copies_agree():
    cases = _insert_grid()
    late = {i for i, c in cases.items() if overdue.is_overdue(c, NOW)}
    assert late and late != set(cases)  # the grid has both kinds
    on_case = overdue.overdue_clause(overdue.CASE, NOW)
    on_copy = overdue.overdue_clause(overdue.SCOPE_COPY, NOW)
    assert _case_ids(on_case) == late
    assert _case_ids(~on_case) == set(cases) - late  # NULL-safe: the negation is exact
    assert _copy_ids(on_copy) == late
    assert _copy_ids(~on_copy) == set(cases) - late
    # Every case that can be overdue at some time lies within the partial indexes.
    for later in (NOW, NOW + timedelta(days=365)):
        assert _case_ids(overdue.overdue_clause(overdue.CASE, later)) <= _case_ids(
            overdue.may_be_overdue(overdue.CASE)
        )
        assert _copy_ids(overdue.overdue_clause(overdue.SCOPE_COPY, later)) <= _copy_ids(
            overdue.may_be_overdue(overdue.SCOPE_COPY)
        )


def test_the_flag_is_set_for_a_missed_handling_deadline_only():
    cases = _insert_grid()
    expected = set()
    for case_id, stored in cases.items():
        case = Case(**{k: getattr(stored, k) for k in _COLUMNS})  # a copy the session ignores
        overdue.note_late(case, NOW)
        if case.overdue and not stored.overdue:
            expected.add(case_id)
            # Open, clock running, the handling deadline passed; the sign-for one plays no part.
            assert case.status in ("accepted", "transferred", "handling")
            assert case.clock_paused_at is None and case.handle_due_at < NOW
    assert expected
    assert _case_ids(overdue.cases_to_flag(NOW)) == expected


def test_a_flagged_case_is_overdue_once_its_deadlines_stop():
    case = Case(status="replied", overdue=True, handle_due_at=NOW - timedelta(days=1))
    assert overdue.is_overdue(case, NOW)
    case.overdue = False
    assert not overdue.is_overdue(case, NOW)


def test_a_deadline_passes_after_its_instant():
    assert not overdue.passed(None, NOW)
    assert not overdue.passed(NOW, NOW)
    assert overdue.passed(NOW, NOW + timedelta(microseconds=1))
    for due in DUES:
        clause = overdue.passed_clause(literal(due, OpenTask.due_at.type), NOW)
        assert db.session.scalar(select(clause)) is overdue.passed(due, NOW)


def _predicate_sql(clause) -> str:
    """A clause as an index predicate is written: column names bare, and NOT IN without the
    parentheses SQLAlchemy groups it in (the same expression; the migration has the text)."""
    sql = str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    sql = re.sub(r"\b(hotline_case|case_department)\.", "", sql)
    return re.sub(r"\((\w+ NOT IN \([^()]*\))\)", r"\1", sql)


def test_the_partial_indexes_cover_what_the_rule_can_hold_for():
    for model, cols, name in (
        (Case, overdue.CASE, "ix_case_may_be_overdue_created"),
        (CaseDepartment, overdue.SCOPE_COPY, "ix_case_department_may_be_overdue"),
    ):
        [index] = [i for i in model.__table__.indexes if i.name == name]
        where = str(index.dialect_options["postgresql"]["where"])
        assert where == _predicate_sql(overdue.may_be_overdue(cols)), name
        # (SQLAlchemy writes a bare flag as `overdue = 1` for SQLite: compared as text there.)
        assert str(index.dialect_options["sqlite"]["where"]) == where, name
