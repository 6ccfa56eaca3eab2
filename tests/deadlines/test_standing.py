"""How a deadline stands (app/deadlines/standing.py): overdue once passed, a warning in the last
share of its limit (capped at some working hours), counted in working time."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.clock import clock
from app.deadlines import standing
from app.deadlines.calendar import WorkCalendar
from app.extensions import db
from app.models import Case, CaseType

HOUR = 3600.0
DAY = 8 * HOUR
# National Day 2026: Thu 10-01 .. Wed 10-07 off; Sat 10-10 a make-up working day.
CAL = WorkCalendar(
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2026, 10, 10)}),
)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute)


def classify(due, limit, now, fraction=0.25, cap_hours=8.0):
    return standing.classify(due, limit, now, CAL, fraction, cap_hours)


def test_no_deadline_is_normal():
    assert classify(None, 4 * HOUR, at(12, 7, 10)) == "normal"


def test_a_passed_deadline_is_overdue_and_the_deadline_itself_is_not():
    due = at(12, 7, 13)
    assert classify(due, 4 * HOUR, at(12, 7, 13, 1)) == "overdue"
    assert classify(due, 4 * HOUR, due) == "warning"  # nothing left, not passed


def test_a_short_limit_warns_in_its_last_share():
    due = at(12, 7, 13)  # a four-hour sign-for limit: amber in its last hour
    assert classify(due, 4 * HOUR, at(12, 7, 11, 59)) == "normal"
    assert classify(due, 4 * HOUR, at(12, 7, 12)) == "warning"


def test_a_long_limit_warns_no_earlier_than_the_cap():
    due = at(12, 18, 17)  # ten working days: a quarter is 20 h, the cap 8 h (a working day)
    assert classify(due, 10 * DAY, at(12, 17, 16, 59)) == "normal"
    assert classify(due, 10 * DAY, at(12, 17, 17)) == "warning"


def test_without_a_limit_the_cap_alone_decides():
    due = at(12, 8, 17)
    assert classify(due, None, at(12, 7, 16, 59)) == "normal"
    assert classify(due, None, at(12, 8, 9)) == "warning"


def test_time_left_is_working_time():
    # Friday evening, due Monday 09:00: no working time left, so a warning, not "2.5 days".
    assert classify(at(12, 7, 9), 4 * HOUR, at(12, 4, 18)) == "warning"
    # Before the National Day holiday: 30 Sep 16:00 to 08 Oct 10:00 is 2 working hours.
    assert standing.remaining(at(10, 8, 10), at(9, 30, 16), CAL) == 2 * HOUR
    assert classify(at(10, 8, 10), 8 * HOUR, at(9, 30, 16)) == "warning"  # window 2 h
    assert classify(at(10, 9, 12), 5 * DAY, at(9, 30, 16)) == "normal"  # 12 h left, window 8 h


def test_remaining_is_negative_once_passed():
    assert standing.remaining(at(12, 7, 10), at(12, 7, 12), CAL) == -2 * HOUR
    # Passed on Friday at 16:00, seen Monday at 10:00: two working hours late.
    assert standing.remaining(at(12, 4, 16), at(12, 7, 10), CAL) == -2 * HOUR


def test_the_window_is_the_smaller_of_share_and_cap():
    assert standing.warning_window(4 * HOUR, 0.25, 8) == HOUR
    assert standing.warning_window(10 * DAY, 0.25, 8) == 8 * HOUR
    assert standing.warning_window(None, 0.25, 8) == 8 * HOUR
    assert standing.warning_window(0, 0.25, 2) == 2 * HOUR


@pytest.fixture
def case():
    help_type = db.session.scalar(select(CaseType.id).filter_by(code="help"))
    return Case(case_type_id=help_type, priority="normal")


def test_the_settings_move_the_window(app):
    now = at(12, 7, 10)  # a Monday
    due = at(12, 7, 12)
    assert standing.standing(due, 4 * HOUR, now) == "normal"  # 2 h left, window 1 h
    app.config["DEADLINE_WARNING_FRACTION"] = 0.5
    assert standing.standing(due, 4 * HOUR, now) == "warning"
    app.config["DEADLINE_WARNING_WORKING_HOURS"] = 1
    assert standing.standing(due, 4 * HOUR, now) == "normal"  # capped at 1 h


def test_a_clock_limit_comes_from_the_case_time_limit(case):
    # The demo city: a normal help case is signed for in 4 h and handled in 5 working days.
    assert standing.limit_seconds("sign", case) == 4 * HOUR
    assert standing.limit_seconds("handle", case) == 5 * DAY
    assert standing.limit_seconds("decision", case) == 8 * HOUR
    assert standing.limit_seconds("revisit", case) == 3 * DAY
    assert standing.limit_seconds("none", case) is None
    assert standing.limit_seconds("sign", Case(case_type_id=None, priority="x")) is None


def test_a_countdown_says_how_much_working_time_is_left(case):
    clock.freeze(at(12, 7, 12))
    left = standing.countdown(at(12, 7, 13), standing.limit_seconds("sign", case), clock.now())
    assert left is not None
    assert (left.standing, left.seconds, left.day_seconds) == ("warning", HOUR, DAY)
    late = standing.countdown(at(12, 7, 10), 4 * HOUR, clock.now())
    assert late is not None and (late.standing, late.seconds) == ("overdue", -2 * HOUR)
    assert standing.countdown(None, 4 * HOUR, clock.now()) is None
