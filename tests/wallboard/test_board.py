"""The wallboard's numbers against hand-computed ones, on a few calls, cases and agents."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.clock import clock
from app.extensions import db
from app.wallboard.board import compute
from tests.wallboard.helpers import call, state

# A Wednesday; the week before it holds the cases that are overdue by now.
TODAY = datetime(2026, 3, 18, 11, 0)
WEEK_AGO = datetime(2026, 3, 11, 9, 0)


@pytest.fixture
def board_day(api, dept, user):
    """Today: five offered calls (two answered and ended, one still talking, one abandoned,
    one waiting), one that ended in the IVR, one outbound, and yesterday's; three cases
    overdue since last week (two at the urban bureau, one at housing), one replied; today
    three cases accepted, one answered at intake; three agents' states."""
    clock.freeze(WEEK_AGO)
    late = [api.create() for _ in range(4)]
    for case, code in zip(late, ("urban", "urban", "housing", "water"), strict=True):
        api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(code))
    # The water bureau signs for its case and replies at once: finished, not overdue.
    api.act(late[3]["id"], "sign", "water_handler")
    api.act(late[3]["id"], "reply", "water_handler", text="已处理", result_code="resolved")
    clock.freeze(TODAY - timedelta(hours=2))
    api.create()
    api.create(answered=True, answer="已当场答复。")
    fresh = api.create()
    api.act(fresh["id"], "transfer", "dispatcher", target_department_id=dept("urban"))

    agent = user("agent")
    q = TODAY.replace(hour=9)
    call(q, wait=10, talk=180, agent=agent)  # within the service level
    call(q + timedelta(minutes=5), wait=30, talk=120, agent=agent)  # answered late
    call(q + timedelta(minutes=9), abandon_after=45)
    call(None)  # ended in the menu: never offered
    call(None, direction="outbound", agent=agent)
    call(TODAY - timedelta(seconds=200), wait=5, agent=agent)  # still talking
    call(TODAY - timedelta(seconds=25))  # waiting now, for 25 s
    call(TODAY - timedelta(days=1), wait=2, talk=60, agent=agent)  # yesterday's
    state("agent", "busy", TODAY - timedelta(minutes=3))
    state("dispatcher", "ready", TODAY - timedelta(minutes=10))
    state("revisit", "away", TODAY - timedelta(minutes=1))
    db.session.commit()
    return TODAY


def test_the_board_of_the_day(board_day):
    board = compute(board_day)
    assert (board.waiting, board.longest_wait) == (1, 25)
    assert board.agents == {"ready": 1, "busy": 1, "wrap_up": 0, "away": 1, "signed_out": 0}
    assert board.calls == {
        "calls_offered": 5,
        "calls_answered": 3,
        "calls_abandoned": 1,
        "answer_rate": pytest.approx(3 / 5),
        "service_level": pytest.approx(2 / 5),  # 10 s and 5 s are within 20 s; 30 s is not
        "avg_wait": pytest.approx((10 + 30 + 5) / 3),
        "avg_talk": pytest.approx((180 + 120) / 2),  # the call still going has no talk yet
    }
    assert board.service_level_seconds == 20
    assert board.cases == {"cases": 3, "answered": 1, "answered_rate": pytest.approx(1 / 3)}
    assert board.overdue_total == 3
    assert [(d.department, d.count) for d in board.overdue] == [("市城管局", 2), ("市住建局", 1)]
    assert board.overdue_others == 0
    assert board.at == "2026-03-18T11:00:00"


def test_the_service_level_threshold_is_the_hotlines_setting(app, board_day):
    app.config["SERVICE_LEVEL_SECONDS"] = 30
    assert compute(board_day).calls["service_level"] == pytest.approx(3 / 5)


def test_a_call_that_is_answered_moves_from_waiting_to_answered(board_day):
    from sqlalchemy import select

    from app.models import CallRecord

    waiting = db.session.scalars(select(CallRecord).where(CallRecord.answered_at.is_(None)))
    record = [c for c in waiting if c.queued_at and c.ended_at is None][0]
    record.answered_at = board_day
    record.derive_durations()
    db.session.commit()
    board = compute(board_day + timedelta(seconds=1))
    assert (board.waiting, board.longest_wait) == (0, 0)
    assert board.calls["calls_answered"] == 4
    assert board.calls["avg_wait"] == pytest.approx((10 + 30 + 5 + 25) / 4)


def test_tomorrow_starts_from_nothing(board_day):
    board = compute(board_day + timedelta(days=1))
    # Today's calls are counted by the day they came in; one still waits since yesterday.
    assert board.waiting == 1
    assert board.calls["calls_offered"] == board.calls["calls_answered"] == 0
    assert board.calls["answer_rate"] is None  # no call offered: no rate, not 0%
    assert board.calls["avg_wait"] is None and board.calls["avg_talk"] is None
    assert board.cases == {"cases": 0, "answered": 0, "answered_rate": None}


def test_an_empty_hotline(app):
    board = compute(TODAY)
    assert (board.waiting, board.longest_wait, board.overdue_total) == (0, 0, 0)
    assert board.overdue == []
    assert set(board.agents.values()) == {0}
    assert board.calls["calls_offered"] == 0 and board.calls["answer_rate"] is None
