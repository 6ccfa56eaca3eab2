"""The clock file (tests and the demo only) and the deadline rules: a bad one stops the start."""

import re
from datetime import datetime, timedelta

import pytest

from app import create_app
from app.clock import ClockFileError, clock, parse_clock_file
from app.deadlines.rules import RuleError
from app.timefmt import zone


def _make(app, **overrides):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            **overrides,
        }
    )


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("ESCALATION_RULES", "handle=soon", "write working days (2d) or working hours (16h)"),
        ("ESCALATION_RULES", "hnadle=2d", "unknown clock 'hnadle'"),
        ("ESCALATION_RULES", "handle=2d, handle=3d", "given twice"),
        ("ESCALATION_RULES", "handle=0d", "more than nothing"),
        ("DEADLINE_WARNING_RULES", "sign=25%", "e.g. 25%/8h"),
        ("DEADLINE_WARNING_RULES", "sign=250%/1h", "at most 100%"),
        ("DEADLINE_WARNING_RULES", "sign", "write clock=value"),
    ],
)
def test_a_rule_that_does_not_parse_stops_the_start(app, setting, value, said):
    with pytest.raises(RuleError, match=re.escape(said)) as refused:
        _make(app, **{setting: value})
    assert f"MINQING_{setting}" in str(refused.value)


def test_rules_that_parse_are_used(app, api, dept):
    from app.scheduler import jobs

    app.config["ESCALATION_RULES"] = "sign=2h"
    app.config["DEADLINE_WARNING_RULES"] = "sign=50%/8h"
    clock.freeze(datetime(2026, 3, 2, 9, 0))  # sign-for due 13:00: warns at 11:00
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(datetime(2026, 3, 2, 15, 30))
    assert jobs.mark_deadlines(app) == {"warning": 1, "overdue": 1, "escalated": 1}
    timeline = api.get(case_id)["timeline"]
    stamps = {e["action"]: e["at"] for e in timeline}
    assert stamps["deadline_warning"].startswith("2026-03-02T11:00")
    assert stamps["escalated"].startswith("2026-03-02T15:00")


def test_clock_file_moves_the_clock_in_a_test_configuration(app, tmp_path):
    path = tmp_path / "clock"
    path.write_text("2026-03-09 10:00:00")
    try:
        _make(app, TESTING=True, CLOCK_FILE=str(path))
        assert clock.now() == datetime(2026, 3, 9, 10, 0)
        path.write_text("+3d")
        city_now = datetime.now(zone()).replace(tzinfo=None)
        assert abs(clock.now() - (city_now + timedelta(days=3))) < timedelta(seconds=5)
    finally:
        clock.use_file(None)


def test_the_clock_reads_the_citys_time_whatever_the_hosts_zone(app):
    """Stored times are the city's naive local time (TIMEZONE), as the API converts them: a
    host left on UTC must not put the phones' times (sent as UTC) eight hours off the cases'."""
    from datetime import UTC

    app.config["TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14: no host runs in it by accident
    expected = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=14)
    assert abs(clock.now() - expected) < timedelta(seconds=5)


def test_clock_file_is_refused_outside_tests_and_the_demo(app, tmp_path):
    path = tmp_path / "clock"
    path.write_text("2026-03-09 10:00:00")
    with pytest.raises(RuntimeError, match="only in a test configuration or a demo"):
        _make(app, CLOCK_FILE=str(path))
    with pytest.raises(RuntimeError, match="production configuration"):
        _make(app, ENVIRONMENT="production", CLOCK_FILE=str(path), DEMO_CLOCK=True)
    with pytest.raises(RuntimeError, match="production configuration"):
        _make(app, ENVIRONMENT="production", DEMO_CLOCK=True)
    path.write_text("next tuesday")
    with pytest.raises(ClockFileError, match="neither a local time"):
        _make(app, DEMO_CLOCK=True, CLOCK_FILE=str(path))
    assert parse_clock_file("-2h") == timedelta(hours=-2)
    clock.use_file(None)
