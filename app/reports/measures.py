"""The measures the hotline is judged by, written once (DESIGN.md "Measures the hotline is
judged by"), as SQL aggregates over the rows they count.

Each *count* belongs to one *source*: the rows it counts, the time those rows fall in a period
by, and the department they are attributed to.

    cases     hotline_case rows by intake time (created_at); attributed to each handling
              department (kind "department") the case was sent into (case_department): a
              joint case counts at each of its departments, a case not yet at one at none
              (it still counts in the totals).
    events    case_event rows by their time; a dispatch (transfer) to the department it was
              sent to, a revisit and the reopen it causes to the department whose reply it
              judged (the case's latest reply before it), every other action to the acting
              user's department.
    contacts  case_contact rows (repeat contacts) by their day; to where the case was.
    calls     call_record rows (telephony) by the time the call reached the hotline
              (started_at); attributed to no department (the hotline centre's own measures:
              a reader scoped to departments counts none); `agent` is who answered.

A *rate* is the ratio of two counts, computed after the counts are summed (so a rate over a
district or a total is the ratio of the sums, never a mean of rates); a zero denominator gives
no rate (NaN, shown as "—"). Definitions:

    按时签收率 sign_rate          dispatches signed for within the sign-for limit / dispatches
                                  (a dispatch is judged by the target department's later signs:
                                  signed on time when one of them was on time)
    按期办结率 on_time_rate       replies within the handling limit (moved by approved
                                  extensions; a round flagged overdue is late) / replies
    解决率 resolution_rate        revisits answered "resolved" / revisits that reached the citizen
    满意率 satisfaction_rate      revisits answered satisfied or basically satisfied / revisits
                                  that reached the citizen
    回访率 revisit_rate           revisits that reached the citizen / replies
    直接办结率 answered_rate      cases answered at intake (即办件) / cases accepted
    重复来电率 repeat_rate        repeat contacts / (cases accepted + repeat contacts)

Telephony (calls source; the moments a call record keeps are in app/models/telephony.py):

    呼入量 calls_offered          inbound calls that entered a skill group's queue (calls that
                                  ended in the IVR menu were never offered to an agent)
    接通量 calls_answered         offered calls an agent answered
    放弃量 calls_abandoned        offered calls that ended unanswered (caller hung up in queue)
    接通率 answer_rate            calls_answered / calls_offered
    服务水平 service_level        offered calls answered within SERVICE_LEVEL_SECONDS (app
                                  config, 20 s by default) of queueing / calls_offered
    平均等待时长 avg_wait         seconds in queue of the answered calls / calls_answered
    平均通话时长 avg_talk         seconds talking of the answered calls that ended / those calls
    waiting now (the wallboard)  queued, not answered, not ended (`CALL_WAITING`)

"Overdue cases" (逾期件数) is the overdue rule of app/deadlines/overdue.py as of the time the
report runs, over the cases accepted in the period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, null, or_, select
from sqlalchemy.orm import aliased

from app.deadlines import overdue
from app.models import CallRecord, Case, CaseContact, CaseDepartment, CaseEvent, Department
from app.models.org import DEPARTMENT
from app.models.telephony import (
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_OFFERED,
    CALL_TALKED,
    INBOUND,
)
from app.reports.buckets import seconds_before
from app.reports.periods import Span


@dataclass(frozen=True)
class Label:
    zh: str
    en: str


# --- Sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    key: str
    # The FROM and its fixed WHERE. `from_(True)` joins the case, for the columns named in
    # `case_columns` (a query that reads none of them does not join it).
    from_: Callable[[bool], Any]
    where: Callable[[], list[ColumnElement[bool]]]
    # The rows of a period.
    in_period: Callable[[Span], ColumnElement[bool]]
    # The time column the day/week/month dimensions bucket.
    time: Any
    # The department a row is attributed to; `joins_department`: only reachable through a
    # join that multiplies rows (the cases source), so added only when asked for.
    department: Any
    joins_department: bool
    # Other dimensions and filters: key -> column.
    columns: dict[str, Any]
    case_columns: frozenset[str] = frozenset()


# The department a step counts for is recorded on its row when it is logged: a dispatch for
# the department it was sent to, a revisit and the reopen it causes for the department whose
# reply it judged, every other step for the acting user's (app/cases/unit_of_work.py).
EVENT_DEPARTMENT = CaseEvent.measured_department_id

# The telephony clauses, what a call is for the measures (module docstring), are beside the
# call record (app/models/telephony.py): the pages name a call's outcome by the same ones.

# Concurrency (峰值并发): the inbound calls in progress when an inbound call starts, itself
# included. A call still going (no end) is in progress; calls are taken to last at most
# MAX_CALL_SECONDS, which bounds the search to an index range of started_at.
MAX_CALL_SECONDS = 6 * 3600
_other_call = aliased(CallRecord)
CONCURRENT_CALLS = (
    select(func.count(_other_call.id))
    .where(
        _other_call.direction == INBOUND,
        _other_call.started_at <= CallRecord.started_at,
        _other_call.started_at >= seconds_before(CallRecord.started_at, MAX_CALL_SECONDS),
        or_(_other_call.ended_at.is_(None), _other_call.ended_at > CallRecord.started_at),
    )
    .scalar_subquery()
)


def service_level_seconds() -> int:
    """Y of "X% answered within Y seconds" (服务水平), set per hotline."""
    return int(current_app.config["SERVICE_LEVEL_SECONDS"])


_case_department = aliased(CaseDepartment)
_handling = aliased(Department)

SOURCES: dict[str, Source] = {
    "cases": Source(
        key="cases",
        from_=lambda with_case: Case.__table__,
        where=lambda: [],
        in_period=lambda p: and_(Case.created_at >= p.start, Case.created_at < p.end),
        time=Case.created_at,
        department=_case_department.department_id,
        joins_department=True,
        columns={
            "channel": Case.channel,
            "case_type": Case.case_type_id,
            "category": Case.category_id,
            "agent": Case.accepted_by_id,
        },
    ),
    "events": Source(
        key="events",
        from_=lambda with_case: (
            CaseEvent.__table__.join(Case.__table__, Case.id == CaseEvent.case_id)
            if with_case
            else CaseEvent.__table__
        ),
        where=lambda: [],
        in_period=lambda p: and_(CaseEvent.at >= p.start, CaseEvent.at < p.end),
        time=CaseEvent.at,
        department=EVENT_DEPARTMENT,
        joins_department=False,
        columns={
            "channel": Case.channel,
            "case_type": Case.case_type_id,
            "category": Case.category_id,
        },
        case_columns=frozenset({"channel", "case_type", "category"}),
    ),
    "contacts": Source(
        key="contacts",
        from_=lambda with_case: (
            CaseContact.__table__.join(Case.__table__, Case.id == CaseContact.case_id)
            if with_case
            else CaseContact.__table__
        ),
        where=lambda: [],
        in_period=lambda p: and_(CaseContact.day >= p.first_day, CaseContact.day < p.end_day),
        time=CaseContact.day,
        department=CaseContact.department_id,
        joins_department=False,
        columns={
            "channel": CaseContact.channel,
            "case_type": Case.case_type_id,
            "category": Case.category_id,
            "agent": CaseContact.user_id,
        },
        case_columns=frozenset({"case_type", "category"}),
    ),
    "calls": Source(
        key="calls",
        # The case a call registered gives it a case type and category (NULL: none).
        from_=lambda with_case: (
            CallRecord.__table__.outerjoin(Case.__table__, Case.id == CallRecord.case_id)
            if with_case
            else CallRecord.__table__
        ),
        where=lambda: [],
        in_period=lambda p: and_(CallRecord.started_at >= p.start, CallRecord.started_at < p.end),
        time=CallRecord.started_at,
        department=null(),
        joins_department=False,
        columns={
            "channel": literal("phone"),
            "case_type": Case.case_type_id,
            "category": Case.category_id,
            "agent": CallRecord.agent_id,
        },
        case_columns=frozenset({"case_type", "category"}),
    ),
}


def join_department(source: Source, from_: Any) -> Any:
    """The FROM with the source's department reachable (the cases source: its handling
    departments' scope rows)."""
    if source.key != "cases":
        return from_
    return from_.join(_case_department, _case_department.case_id == Case.id).join(
        _handling,
        and_(_handling.id == _case_department.department_id, _handling.kind == DEPARTMENT),
    )


def in_departments(source: Source, ids: list[int], joined: bool) -> ColumnElement[bool]:
    """The source's rows attributed to one of these departments."""
    if source.joins_department and not joined:
        scoped = aliased(CaseDepartment)
        return exists().where(scoped.case_id == Case.id, scoped.department_id.in_(ids))
    return source.department.in_(ids)


# --- Measures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    key: str
    label: Label
    source: str
    # The aggregate, given the time the report runs (for "overdue as of now").
    sql: Callable[[datetime], ColumnElement[Any]]
    # Events only: the actions the count reads (the query reads no others).
    actions: tuple[str, ...] = ()
    kind: str = "count"
    # How groups roll up (a district of departments): summed, or the largest (a peak).
    rollup: str = "sum"


@dataclass(frozen=True)
class Rate:
    key: str
    label: Label
    numerator: str
    denominator: str | tuple[str, ...]  # a sum of counts
    kind: str = "rate"

    @property
    def denominators(self) -> tuple[str, ...]:
        d = self.denominator
        return (d,) if isinstance(d, str) else d


Measure = Count | Rate


def _sum_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _event_count(action: str, extra: ColumnElement[bool] | None = None) -> Callable[..., Any]:
    cond = CaseEvent.action == action
    if extra is not None:
        cond = and_(cond, extra)
    return lambda now: _sum_if(cond)


# Recorded on the dispatch's row by the target department's sign (a later sign for on time
# by the department it was sent to); see CaseEvent.signed_on_time.
_SIGNED_ON_TIME = CaseEvent.signed_on_time.is_(True)
# A step's outcome is a column of its row (CaseEvent: copied from its data when logged).
_REACHED = CaseEvent.revisit_result != "unreachable"
_SATISFIED = CaseEvent.revisit_result.in_(("satisfied", "basically_satisfied"))

_MEASURES: list[Measure] = [
    # Cases accepted in the period.
    Count("cases", Label("受理量", "Cases accepted"), "cases", lambda now: func.count(Case.id)),
    Count(
        "answered",
        Label("直接办结数", "Answered at intake"),
        "cases",
        lambda now: _sum_if(Case.answered.is_(True)),
    ),
    Count(
        "overdue_cases",
        Label("逾期件数", "Overdue cases"),
        "cases",
        lambda now: _sum_if(overdue.overdue_clause(overdue.CASE, now)),
    ),
    # The steps of the period.
    Count(
        "dispatched",
        Label("派单数", "Dispatches"),
        "events",
        _event_count("transfer"),
        ("transfer",),
    ),
    Count(
        "signed_on_time",
        Label("按时签收数", "Signed for on time"),
        "events",
        _event_count("transfer", _SIGNED_ON_TIME),
        ("transfer",),
    ),
    Count("replied", Label("答复数", "Replies"), "events", _event_count("reply"), ("reply",)),
    Count(
        "replied_on_time",
        Label("按期办结数", "Replied on time"),
        "events",
        _event_count("reply", CaseEvent.on_time.is_(True)),
        ("reply",),
    ),
    Count(
        "late_replies",
        Label("逾期办结数", "Replied late"),
        "events",
        _event_count("reply", CaseEvent.on_time.is_(False)),
        ("reply",),
    ),
    Count(
        "revisits",
        Label("回访数", "Revisits"),
        "events",
        _event_count("revisit", _REACHED),
        ("revisit",),
    ),
    Count(
        "satisfied",
        Label("满意数", "Satisfied"),
        "events",
        _event_count("revisit", _SATISFIED),
        ("revisit",),
    ),
    Count(
        "resolved",
        Label("解决数", "Resolved"),
        "events",
        _event_count("revisit", and_(_REACHED, CaseEvent.resolved.is_(True))),
        ("revisit",),
    ),
    Count(
        "returns",
        Label("退回数", "Returns asked"),
        "events",
        _event_count("return_request"),
        ("return_request",),
    ),
    Count(
        "extensions",
        Label("延期数", "Extensions asked"),
        "events",
        _event_count("extension_request"),
        ("extension_request",),
    ),
    Count("reopened", Label("重办数", "Reopened"), "events", _event_count("reopen"), ("reopen",)),
    Count(
        "repeat_contacts",
        Label("重复来电数", "Repeat contacts"),
        "contacts",
        lambda now: func.count(CaseContact.id),
    ),
    # Calls (telephony).
    Count(
        "calls_offered",
        Label("呼入量", "Calls offered"),
        "calls",
        lambda now: _sum_if(CALL_OFFERED),
    ),
    Count(
        "calls_answered",
        Label("接通量", "Calls answered"),
        "calls",
        lambda now: _sum_if(CALL_ANSWERED),
    ),
    Count(
        "calls_abandoned",
        Label("放弃量", "Calls abandoned"),
        "calls",
        lambda now: _sum_if(CALL_ABANDONED),
    ),
    Count(
        "calls_in_service_level",
        Label("及时接通量", "Answered in time"),
        "calls",
        lambda now: _sum_if(
            and_(CALL_ANSWERED, CallRecord.wait_seconds <= service_level_seconds())
        ),
    ),
    Count(
        "wait_seconds",
        Label("等待总时长（秒）", "Total wait (s)"),
        "calls",
        lambda now: func.coalesce(
            func.sum(case((CALL_ANSWERED, CallRecord.wait_seconds), else_=0)), 0
        ),
    ),
    Count(
        "calls_talked",
        Label("通话完成量", "Calls talked"),
        "calls",
        lambda now: _sum_if(CALL_TALKED),
    ),
    Count(
        "talk_seconds",
        Label("通话总时长（秒）", "Total talk (s)"),
        "calls",
        lambda now: func.coalesce(
            func.sum(case((CALL_TALKED, CallRecord.talk_seconds), else_=0)), 0
        ),
    ),
    Rate("answer_rate", Label("接通率", "Answer rate"), "calls_answered", "calls_offered"),
    Rate(
        "service_level",
        Label("服务水平", "Service level"),
        "calls_in_service_level",
        "calls_offered",
    ),
    Rate(
        "avg_wait",
        Label("平均等待时长（秒）", "Average wait (s)"),
        "wait_seconds",
        "calls_answered",
        kind="seconds",
    ),
    Rate(
        "avg_talk",
        Label("平均通话时长（秒）", "Average talk (s)"),
        "talk_seconds",
        "calls_talked",
        kind="seconds",
    ),
    Count(
        "peak_concurrency",
        Label("峰值并发", "Peak concurrent calls"),
        "calls",
        lambda now: func.coalesce(
            func.max(case((CallRecord.direction == INBOUND, CONCURRENT_CALLS), else_=None)), 0
        ),
        rollup="max",
    ),
    # Rates.
    Rate("sign_rate", Label("按时签收率", "Signed for on time"), "signed_on_time", "dispatched"),
    Rate("on_time_rate", Label("按期办结率", "Replied on time"), "replied_on_time", "replied"),
    Rate("resolution_rate", Label("解决率", "Resolution rate"), "resolved", "revisits"),
    Rate("satisfaction_rate", Label("满意率", "Satisfaction rate"), "satisfied", "revisits"),
    Rate("revisit_rate", Label("回访率", "Revisit rate"), "revisits", "replied"),
    Rate("answered_rate", Label("直接办结率", "Answered at intake"), "answered", "cases"),
    Rate(
        "repeat_rate",
        Label("重复来电率", "Repeat-call rate"),
        "repeat_contacts",
        ("cases", "repeat_contacts"),
    ),
]
MEASURES: dict[str, Measure] = {m.key: m for m in _MEASURES}


def counts_needed(keys: list[str]) -> list[Count]:
    """The counts the measures need (a rate needs its numerator and denominators)."""
    out: dict[str, Count] = {}
    for key in keys:
        m = MEASURES[key]
        parts = [m.key] if isinstance(m, Count) else [m.numerator, *m.denominators]
        for part in parts:
            count = MEASURES[part]
            assert isinstance(count, Count)
            out[part] = count
    return list(out.values())


# --- Dimensions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: Label
    # "time": a bucket of the source's time; "department": the attributed department (a
    # district rolls departments up); "column": one of the source's columns.
    kind: str
    column: str = ""


_DIMENSIONS = [
    Dimension("day", Label("日期", "Day"), "time"),
    Dimension("week", Label("周", "Week"), "time"),
    Dimension("month", Label("月份", "Month"), "time"),
    Dimension("hour", Label("时段", "Hour of day"), "time"),
    Dimension("channel", Label("渠道", "Channel"), "column", "channel"),
    Dimension("case_type", Label("诉求类型", "Case type"), "column", "case_type"),
    Dimension("category", Label("分类", "Category"), "column", "category"),
    Dimension("department", Label("承办单位", "Department"), "department"),
    Dimension("district", Label("区县", "District"), "department"),
    Dimension("agent", Label("坐席", "Agent"), "column", "agent"),
]
DIMENSIONS: dict[str, Dimension] = {d.key: d for d in _DIMENSIONS}
# Filters a report takes besides its period: key -> the source column it narrows.
FILTER_COLUMNS = ("channel", "case_type", "category")


def supports(source: Source, dimension: Dimension) -> bool:
    return dimension.kind != "column" or dimension.column in source.columns
