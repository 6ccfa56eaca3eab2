"""Each measure against the month of tests/reports/conftest.py, computed by hand there."""

from __future__ import annotations

import math

import pytest

from app.auth import policy
from app.errors import Invalid
from app.reports import Filters, Period, Query, frame_for, run
from app.reports.definitions import all_reports
from app.reports.formatting import format_cell
from tests.reports.conftest import RUN_AT

NOV = Period(2026, 11)
ALL = [
    "cases",
    "answered",
    "answered_rate",
    "repeat_contacts",
    "repeat_rate",
    "dispatched",
    "signed_on_time",
    "sign_rate",
    "replied",
    "replied_on_time",
    "on_time_rate",
    "late_replies",
    "revisits",
    "satisfied",
    "resolved",
    "satisfaction_rate",
    "resolution_rate",
    "revisit_rate",
    "returns",
    "extensions",
    "reopened",
    "overdue_cases",
]


def totals(period=NOV, **kw) -> dict:
    frame = frame_for(Query(measures=ALL, **kw), period, RUN_AT)
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def by(dimension: str, measures=ALL, period=NOV, key="k_department", **kw) -> dict:
    frame = frame_for(Query(measures=measures, dimensions=[dimension], **kw), period, RUN_AT)
    return {row[key]: row for row in frame.to_dict("records")}


def test_totals_of_the_month(month):
    t = totals()
    assert t["cases"] == 7  # A B C D G H I
    assert t["answered"] == 1  # C
    assert t["answered_rate"] == pytest.approx(1 / 7)
    assert t["repeat_contacts"] == 1  # on B
    assert t["repeat_rate"] == pytest.approx(1 / 8)  # 1 of 7 cases + 1 repeat contact
    # A B D G H, I twice (the district centre, then its department); only B signed late.
    # D was dispatched in November and signed (on time) in December: November's dispatch.
    assert t["dispatched"] == 7
    assert t["signed_on_time"] == 6
    assert t["sign_rate"] == pytest.approx(6 / 7)
    # Replies of November: A, B (on time thanks to its extension), G (late), J (an October
    # case replied in November).
    assert t["replied"] == 4
    assert t["replied_on_time"] == 3
    assert t["late_replies"] == 1
    assert t["on_time_rate"] == pytest.approx(3 / 4)
    # Revisits that reached the citizen: A (satisfied, resolved), B (unsatisfied); G's
    # unanswered call is no revisit.
    assert t["revisits"] == 2
    assert t["satisfied"] == 1
    assert t["resolved"] == 1
    assert t["satisfaction_rate"] == pytest.approx(0.5)
    assert t["resolution_rate"] == pytest.approx(0.5)
    assert t["revisit_rate"] == pytest.approx(2 / 4)
    assert t["returns"] == 1  # H
    assert t["extensions"] == 1  # B
    assert t["reopened"] == 1  # B, after its unsatisfied revisit
    # Overdue on 1 Dec: G (flagged by its late reply) and I (not replied since 9 Nov).
    assert t["overdue_cases"] == 2


def test_by_department(month, dept):
    rows = by("department")
    urban, housing, transport = rows[dept("urban")], rows[dept("housing")], rows[dept("transport")]
    assert (urban["dispatched"], urban["signed_on_time"]) == (3, 3)  # A D G
    assert (urban["replied"], urban["replied_on_time"]) == (3, 2)  # A G J
    assert urban["on_time_rate"] == pytest.approx(2 / 3)
    assert (urban["revisits"], urban["satisfaction_rate"]) == (1, 1.0)
    assert urban["revisit_rate"] == pytest.approx(1 / 3)
    assert urban["overdue_cases"] == 1  # G
    assert (housing["dispatched"], housing["signed_on_time"], housing["sign_rate"]) == (1, 0, 0)
    assert housing["on_time_rate"] == 1.0  # the extension counted
    assert (housing["satisfaction_rate"], housing["resolution_rate"]) == (0.0, 0.0)
    assert (housing["extensions"], housing["reopened"], housing["repeat_contacts"]) == (1, 1, 1)
    assert (transport["returns"], transport["sign_rate"]) == (1, 1.0)
    assert math.isnan(transport["on_time_rate"])  # replied nothing: no rate, not 0%
    east, east_urban = rows[dept("east")], rows[dept("east_urban")]
    assert (east["dispatched"], east["signed_on_time"]) == (1, 1)
    assert (east_urban["dispatched"], east_urban["overdue_cases"]) == (1, 1)


def test_districts_roll_up_their_departments(month, dept):
    rows = by("district", measures=["dispatched", "sign_rate", "cases"], key="k_district")
    assert (rows[dept("east")]["dispatched"], rows[dept("east")]["sign_rate"]) == (2, 1.0)
    city = next(r for k, r in rows.items() if k is None or k != k)  # city level: no district
    assert (city["dispatched"], city["sign_rate"]) == (5, 4 / 5)


def test_by_time_channel_type_and_agent(month, user):
    days = by("day", measures=["cases", "dispatched"], key="k_day")
    assert days["2026-11-02"]["cases"] == 6 and days["2026-11-30"]["cases"] == 1
    assert days["2026-11-02"]["dispatched"] == 6
    weeks = by("week", measures=["cases"], key="k_week")
    assert {k: r["cases"] for k, r in weeks.items()} == {"2026-11-02": 6, "2026-11-30": 1}
    assert by("month", measures=["cases"], key="k_month")["2026-11"]["cases"] == 7
    channels = by("channel", measures=["cases", "repeat_contacts"], key="k_channel")
    assert (channels["phone"]["cases"], channels["web"]["cases"]) == (6, 1)
    assert channels["phone"]["repeat_contacts"] == 1  # the repeat call's own channel
    agents = by("agent", measures=["cases", "answered_rate"], key="k_agent")
    assert agents[user("agent").id]["cases"] == 6
    assert agents[user("dispatcher").id]["answered_rate"] == 1.0


def test_comparisons_month_over_month_and_year_over_year(month):
    t = totals()
    assert t["cases__mom"] == pytest.approx((7 - 2) / 2)  # October: E and J
    assert t["cases__yoy"] == pytest.approx((7 - 1) / 1)  # November 2025: F
    assert t["answered_rate__mom"] == pytest.approx(1 / 7 - 0)
    assert t["answered_rate__yoy"] == pytest.approx(1 / 7 - 1)
    assert t["sign_rate__mom"] == pytest.approx(6 / 7 - 2 / 2)  # E, J signed on time
    assert math.isnan(t["sign_rate__yoy"])  # nothing dispatched in November 2025
    assert t["on_time_rate__mom"] == pytest.approx(3 / 4 - 1)  # October: E replied on time
    assert math.isnan(t["satisfaction_rate__mom"])  # no revisit in October
    october = totals(Period(2026, 10))
    assert (october["cases"], october["dispatched"], october["signed_on_time"]) == (2, 2, 2)
    assert october["replied"] == 1
    assert math.isnan(october["cases__mom"])  # nothing in September to compare with


def test_an_empty_month_has_counts_of_zero_and_no_rates(month):
    t = totals(Period(2026, 6))
    assert t["cases"] == 0 and t["dispatched"] == 0
    for rate in ("sign_rate", "on_time_rate", "satisfaction_rate", "answered_rate"):
        assert math.isnan(t[rate])
        assert format_cell("rate", t[rate]) == "—"
    assert format_cell("rate", 6 / 7) == "85.7%"
    assert format_cell("change_count", 2.5) == "+250.0%"


def test_scope_and_filters(month, dept, user):
    urban_only = totals(scope=policy.report_scope(user("urban_handler")))
    assert (urban_only["dispatched"], urban_only["replied"], urban_only["cases"]) == (3, 3, 3)
    leader = totals(scope=policy.report_scope(user("leader")))  # east and housing
    assert leader["dispatched"] == 3  # B to housing, I to east and east_urban
    east = totals(filters=Filters(department_id=dept("east")))
    assert (east["dispatched"], east["cases"]) == (2, 1)
    web = totals(filters=Filters(channel="web"))
    assert (web["cases"], web["dispatched"], web["extensions"]) == (1, 1, 1)


def test_bad_picks_are_refused_by_field():
    with pytest.raises(Invalid) as bad:
        frame_for(Query(measures=["no_such"]), NOV, RUN_AT)
    assert bad.value.details["field"] == "measures"
    with pytest.raises(Invalid) as bad:
        frame_for(Query(measures=["cases"], dimensions=["day", "channel", "agent"]), NOV, RUN_AT)
    assert bad.value.code == "too_many_dimensions"
    with pytest.raises(Invalid) as bad:
        frame_for(Query(measures=["dispatched"], dimensions=["agent"]), NOV, RUN_AT)
    assert bad.value.code == "dimension_not_applicable"
    with pytest.raises(Invalid) as bad:
        Period.parse("2026-13")
    assert bad.value.code == "bad_month"


def test_every_definition_runs_with_the_same_numbers_as_the_measures(month, dept):
    assert set(all_reports()) >= {"volume", "department", "hotline"}
    result = run("department", "2026-11", now=RUN_AT)
    ranking = result.tables["ranking"].frame
    assert list(ranking["department_key"][:2]) == [dept("housing"), dept("urban")]
    assert list(ranking["rank"][:2]) == [1, 2]
    assert ranking.iloc[-1]["department"] == "合计"
    assert ranking.iloc[-1]["dispatched"] == 7  # the total is the month's, not a sum of rows
    for name in all_reports():
        run(name, NOV, now=RUN_AT)


def _events_statements(calls: list[str]):
    from sqlalchemy import event

    from app.extensions import db

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM case_event" in statement:
            calls.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    return lambda: event.remove(engine, "before_cursor_execute", seen)


@pytest.mark.parametrize("reader", [None, "urban_handler", "leader"])
def test_a_reports_totals_from_its_rows_by_department_are_the_months(month, user, reader):
    """The department report answers its events' totals from their rows by department (each
    step counts at one department or none): the same numbers as the month's own totals, with
    the steps asked once per period."""
    scope = None if reader is None else policy.report_scope(user(reader))
    calls: list[str] = []
    stop = _events_statements(calls)
    try:
        result = run("department", NOV, scope=scope, now=RUN_AT)
    finally:
        stop()
    assert len(calls) == 3  # the month, the month before, the month a year before
    own = totals(scope=scope)
    summary = result.tables["summary"].frame.iloc[0]
    ranking_total = result.tables["ranking"].frame.iloc[-1]
    for key in ("sign_rate", "on_time_rate", "satisfaction_rate", "revisit_rate"):
        assert summary[key] == pytest.approx(own[key], nan_ok=True)
    for key in ("returns", "extensions", "reopened", "late_replies", "overdue_cases"):
        assert summary[key] == own[key]
    for key in ("dispatched", "replied", "late_replies", "extensions", "overdue_cases"):
        assert ranking_total[key] == own[key]
    before = totals(period=NOV.previous(), scope=scope)
    mom = summary["returns__mom"]
    expected = (
        (own["returns"] - before["returns"]) / before["returns"] if before["returns"] else None
    )
    assert (math.isnan(mom) and expected is None) or mom == pytest.approx(expected)
