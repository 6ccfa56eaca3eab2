"""The telephony measures over a handful of calls whose numbers are computed by hand.

November 2026, service level 20 s (the default), all inbound unless said:
  c1  2 Nov 09:00:00  queued 09:00:10, answered 09:00:25 (waited 15 s), ended 09:05:25
                      (talked 300 s), by agent
  c2  2 Nov 09:01:00  queued 09:01:05, answered 09:01:45 (waited 40 s), ended 09:03:45
                      (talked 120 s), by agent
  c3  2 Nov 09:02:00  queued 09:02:05, hung up in the queue 09:02:35: abandoned
  c4  2 Nov 09:10:00  ended in the IVR menu at 09:11 (never queued: not offered)
  c5  3 Nov 14:00:00  queued 14:00:05, answered 14:00:10 (waited 5 s), ended 14:10:10
                      (talked 600 s), by revisit
  c6  3 Nov 14:05:00  outbound by revisit, ended 14:06 (not an inbound call)
October 2026: c7 15 Oct 10:00, queued, answered after 10 s, talked 60 s.

Offered 4 (c1 c2 c3 c5), answered 3, abandoned 1; answer rate 3/4; in service level c1 c5:
2/4; average wait (15+40+5)/3 = 20 s; average talk (300+120+600)/3 = 340 s. Concurrency: at
09:02:00 c1, c2 and c3 are in progress → a peak of 3 in the 09 hour; 1 in the 14 hour (c6 is
outbound, not counted).
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from app.extensions import db
from app.models import CallRecord
from app.reports import Period, Query, frame_for, run

RUN_AT = datetime(2026, 12, 1, 12, 0)
TELEPHONY = [
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "answer_rate",
    "service_level",
    "avg_wait",
    "avg_talk",
    "peak_concurrency",
]


def _call(n: int, start, queued=None, answered=None, ended=None, agent=None, **kw) -> None:
    call = CallRecord(
        channel_id=f"1764577200.{n}",
        caller="13800001111",
        started_at=start,
        queued_at=queued,
        answered_at=answered,
        ended_at=ended,
        agent_id=agent,
        **kw,
    )
    call.derive_durations()
    db.session.add(call)


@pytest.fixture
def calls(user):
    agent, revisit = user("agent").id, user("revisit").id
    d = datetime
    _call(1, d(2026, 11, 2, 9, 0), d(2026, 11, 2, 9, 0, 10), d(2026, 11, 2, 9, 0, 25),
          d(2026, 11, 2, 9, 5, 25), agent)  # fmt: skip
    _call(2, d(2026, 11, 2, 9, 1), d(2026, 11, 2, 9, 1, 5), d(2026, 11, 2, 9, 1, 45),
          d(2026, 11, 2, 9, 3, 45), agent)  # fmt: skip
    _call(3, d(2026, 11, 2, 9, 2), d(2026, 11, 2, 9, 2, 5), None, d(2026, 11, 2, 9, 2, 35))
    _call(4, d(2026, 11, 2, 9, 10), None, None, d(2026, 11, 2, 9, 11), ivr_path="1/3")
    _call(5, d(2026, 11, 3, 14, 0), d(2026, 11, 3, 14, 0, 5), d(2026, 11, 3, 14, 0, 10),
          d(2026, 11, 3, 14, 10, 10), revisit)  # fmt: skip
    _call(6, d(2026, 11, 3, 14, 5), None, d(2026, 11, 3, 14, 5), d(2026, 11, 3, 14, 6),
          revisit, direction="outbound")  # fmt: skip
    _call(7, d(2026, 10, 15, 10, 0), d(2026, 10, 15, 10, 0), d(2026, 10, 15, 10, 0, 10),
          d(2026, 10, 15, 10, 1, 10), agent)  # fmt: skip
    db.session.commit()


def test_the_months_calls(calls):
    t = frame_for(Query(measures=TELEPHONY), Period(2026, 11), RUN_AT).iloc[0]
    assert (t["calls_offered"], t["calls_answered"], t["calls_abandoned"]) == (4, 3, 1)
    assert t["answer_rate"] == pytest.approx(3 / 4)
    assert t["service_level"] == pytest.approx(2 / 4)
    assert t["avg_wait"] == pytest.approx(20.0)
    assert t["avg_talk"] == pytest.approx(340.0)
    assert t["peak_concurrency"] == 3
    # 环比 against October's one call: offered +300%, answered all → a rate 25 points lower.
    assert t["calls_offered__mom"] == pytest.approx(3.0)
    assert t["answer_rate__mom"] == pytest.approx(3 / 4 - 1)
    assert t["avg_talk__mom"] == pytest.approx((340 - 60) / 60)
    assert math.isnan(t["calls_offered__yoy"])  # no calls in November 2025


def test_by_hour_and_agent(calls, user):
    hours = frame_for(
        Query(measures=["calls_offered", "peak_concurrency"], dimensions=["hour"]),
        Period(2026, 11),
        RUN_AT,
    )
    by_hour = {r["k_hour"]: r for r in hours.to_dict("records")}
    assert (by_hour["09"]["calls_offered"], by_hour["09"]["peak_concurrency"]) == (3, 3)
    assert (by_hour["14"]["calls_offered"], by_hour["14"]["peak_concurrency"]) == (1, 1)
    agents = frame_for(
        Query(measures=["calls_answered", "avg_talk"], dimensions=["agent"]),
        Period(2026, 11),
        RUN_AT,
    )
    by_agent = {r["k_agent"]: r for r in agents.to_dict("records")}
    assert by_agent[user("agent").id]["avg_talk"] == pytest.approx((300 + 120) / 2)
    assert by_agent[user("revisit").id]["calls_answered"] == 1


def test_the_telephony_report_and_a_month_without_calls(calls):
    result = run("telephony", "2026-11", now=RUN_AT)
    assert result.tables["summary"].frame.iloc[0]["calls_offered"] == 4
    empty = run("telephony", "2026-06", now=RUN_AT).tables["summary"].frame.iloc[0]
    assert empty["calls_offered"] == 0 and math.isnan(empty["answer_rate"])
    assert math.isnan(empty["avg_wait"])  # no answered call: no average, not 0 s
