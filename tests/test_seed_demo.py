"""`flask seed demo` on a database that has its demo cases adds no more: `make run` twice
leaves as many cases as once; `--cases N` tops the demo cases up to N."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.clock import clock
from app.extensions import db
from app.models import Case


@pytest.fixture
def seed(app):
    clock.freeze(datetime(2026, 3, 2, 9, 0))  # the seed reads the year from the clock
    runner = app.test_cli_runner()

    def run(*args: str) -> str:
        result = runner.invoke(args=["seed", "demo", *args])
        assert result.exit_code == 0, result.output
        return result.output

    yield run
    clock.unfreeze()


def cases() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Case))


def test_a_second_run_adds_no_cases(seed):
    seed("--cases", "6")
    assert cases() == 6
    out = seed("--cases", "6")
    assert cases() == 6
    assert "6 demo cases were there already; 0 added" in out


def test_cases_n_tops_up_to_n_and_never_removes(seed):
    seed("--cases", "4")
    seed("--cases", "7")
    assert cases() == 7
    out = seed("--cases", "3")
    assert cases() == 7
    assert "0 added" in out


def test_cases_of_users_are_not_demo_cases(seed, api):
    api.create()
    seed("--cases", "3")
    seed("--cases", "3")
    assert cases() == 4


def test_the_demo_revisits_answer_resolved_too(seed):
    """A demo city's department report shows a resolution rate (解决率), not 0 % beside a
    satisfaction rate of 100 %: each demo revisit records the citizen's "resolved"."""
    from app.models import CaseEvent

    seed("--cases", "12")
    revisits = db.session.scalars(select(CaseEvent).filter_by(action="revisit")).all()
    assert revisits
    assert all(e.resolved is True and e.data["resolved"] is True for e in revisits)
