"""Tests for app.deadlines.calendar.WorkCalendar.

Holiday data below is sample data modelled on the 2026 China National Day pattern; the test
data, not the official list, defines it.
"""

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.deadlines.calendar import WorkCalendar

# National Day 2026-10-01 (Thu) .. 2026-10-07 (Wed); make-up days Sun 09-27 and Sat 10-10.
HOLIDAYS = frozenset(date(2026, 10, d) for d in range(1, 8))
MAKEUP = frozenset({date(2026, 9, 27), date(2026, 10, 10)})
CAL = WorkCalendar(holidays=HOLIDAYS, makeup_workdays=MAKEUP)

HOUR = 3600.0


def dt(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second)


# -- construction / days --------------------------------------------------------------------


def test_construction_accepts_sets_and_validates_window():
    cal = WorkCalendar(holidays={date(2026, 10, 1)}, makeup_workdays=[date(2026, 9, 27)])
    assert isinstance(cal.holidays, frozenset)
    assert isinstance(cal.makeup_workdays, frozenset)
    hash(cal)  # frozen + frozensets -> usable as a cache key
    with pytest.raises(ValueError):
        WorkCalendar(frozenset(), frozenset(), day_start=time(17), day_end=time(9))


def test_is_working_day():
    assert CAL.is_working_day(date(2026, 11, 20))  # Friday
    assert not CAL.is_working_day(date(2026, 11, 21))  # Saturday
    assert not CAL.is_working_day(date(2026, 11, 22))  # Sunday
    assert not CAL.is_working_day(date(2026, 10, 1))  # holiday on a Thursday
    assert CAL.is_working_day(date(2026, 9, 27))  # make-up Sunday
    assert CAL.is_working_day(date(2026, 10, 10))  # make-up Saturday
    # A datetime must not silently miss the holiday lookup.
    assert not CAL.is_working_day(dt(10, 1, 10))


def test_makeup_wins_over_holiday_when_listed_in_both():
    d = date(2026, 10, 3)
    cal = WorkCalendar(holidays=frozenset({d}), makeup_workdays=frozenset({d}))
    assert cal.is_working_day(d)


def test_next_working_day():
    assert CAL.next_working_day(date(2026, 11, 20)) == date(2026, 11, 23)  # Fri -> Mon
    assert CAL.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)  # over holiday
    assert CAL.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)  # make-up Sat
    assert CAL.next_working_day(date(2026, 9, 25)) == date(2026, 9, 27)  # make-up Sun
    assert CAL.next_working_day(date(2026, 11, 23)) == date(2026, 11, 24)  # strictly after


# -- add_working_days -----------------------------------------------------------------------


def test_add_working_days_skips_weekend():
    assert CAL.add_working_days(dt(11, 20, 10), 1) == dt(11, 23, 10)
    assert CAL.add_working_days(dt(11, 20, 10), 5) == dt(11, 27, 10)


def test_add_working_days_skips_holiday():
    assert CAL.add_working_days(dt(9, 30, 14, 30), 1) == dt(10, 8, 14, 30)


def test_add_working_days_counts_makeup_days():
    assert CAL.add_working_days(dt(9, 25, 10), 1) == dt(9, 27, 10)  # Fri -> make-up Sun
    assert CAL.add_working_days(dt(10, 9, 10), 1) == dt(10, 10, 10)  # Fri -> make-up Sat
    assert CAL.add_working_days(dt(10, 8, 10), 3) == dt(10, 12, 10)  # Thu, Fri, Sat, Mon


def test_add_working_days_start_on_holiday():
    assert CAL.add_working_days(dt(10, 3, 11), 0) == dt(10, 8, 9)
    assert CAL.add_working_days(dt(10, 3, 11), 1) == dt(10, 9, 9)


def test_add_working_days_start_outside_hours():
    assert CAL.add_working_days(dt(11, 20, 18), 1) == dt(11, 24, 9)  # Fri evening
    assert CAL.add_working_days(dt(11, 21, 12), 1) == dt(11, 24, 9)  # Saturday
    assert CAL.add_working_days(dt(11, 23, 7), 1) == dt(11, 24, 9)  # Mon before start
    assert CAL.add_working_days(dt(11, 23, 17), 0) == dt(11, 24, 9)  # exactly day_end


def test_add_working_days_zero_inside_hours_is_identity():
    start = datetime(2026, 11, 23, 13, 45, 12, 345678)
    assert CAL.add_working_days(start, 0) == start


def test_add_working_days_negative_raises():
    with pytest.raises(ValueError):
        CAL.add_working_days(dt(11, 20, 10), -1)


# -- add_working_hours / seconds ------------------------------------------------------------


def test_add_working_hours_same_day():
    assert CAL.add_working_hours(dt(11, 23, 9), 2.5) == dt(11, 23, 11, 30)


def test_add_working_hours_across_weekend():
    assert CAL.add_working_hours(dt(11, 20, 16), 2) == dt(11, 23, 10)


def test_add_working_hours_across_holiday():
    assert CAL.add_working_hours(dt(9, 30, 16), 2) == dt(10, 8, 10)


def test_add_working_hours_across_makeup_day():
    assert CAL.add_working_hours(dt(9, 25, 16), 2) == dt(9, 27, 10)


def test_add_working_hours_start_outside_hours():
    assert CAL.add_working_hours(dt(11, 20, 18), 1) == dt(11, 23, 10)
    assert CAL.add_working_hours(dt(10, 2, 12), 1) == dt(10, 8, 10)
    assert CAL.add_working_hours(dt(11, 23, 6), 1) == dt(11, 23, 10)


def test_add_working_hours_exact_day_end_stays():
    assert CAL.add_working_hours(dt(11, 23, 9), 8) == dt(11, 23, 17)
    assert CAL.add_working_hours(dt(11, 20, 16), 1) == dt(11, 20, 17)  # Friday, not Monday
    assert CAL.add_working_seconds(dt(11, 20, 16), HOUR + 1) == dt(11, 23, 9, 0, 1)


def test_add_working_zero():
    assert CAL.add_working_hours(dt(11, 23, 10), 0) == dt(11, 23, 10)
    assert CAL.add_working_seconds(dt(11, 20, 18), 0) == dt(11, 23, 9)


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan"), float("inf")])
def test_add_working_hours_and_seconds_reject_bad_amounts(bad):
    with pytest.raises(ValueError):
        CAL.add_working_hours(dt(11, 23, 10), bad)
    with pytest.raises(ValueError):
        CAL.add_working_seconds(dt(11, 23, 10), bad)


def test_custom_day_window():
    cal = WorkCalendar(HOLIDAYS, MAKEUP, day_start=time(8, 30), day_end=time(17, 30))
    assert cal.add_working_hours(dt(11, 20, 17), 1) == dt(11, 23, 9)
    assert cal.add_working_days(dt(11, 20, 18), 0) == dt(11, 23, 8, 30)


def test_tz_aware_input_keeps_tzinfo():
    tz = timezone(timedelta(hours=8))
    start = datetime(2026, 11, 20, 16, tzinfo=tz)
    assert CAL.add_working_hours(start, 2) == datetime(2026, 11, 23, 10, tzinfo=tz)
    assert CAL.add_working_hours(start, 2).tzinfo is tz
    assert CAL.add_working_days(start, 1).tzinfo is tz
    end = datetime(2026, 11, 23, 10, tzinfo=tz)
    assert CAL.working_seconds_between(start, end) == 2 * HOUR


# -- working_seconds_between ----------------------------------------------------------------


def test_working_seconds_between_basic():
    assert CAL.working_seconds_between(dt(11, 23, 10), dt(11, 23, 12, 30)) == 2.5 * HOUR
    assert CAL.working_seconds_between(dt(11, 20, 16), dt(11, 23, 10)) == 2 * HOUR
    assert CAL.working_seconds_between(dt(11, 20, 7), dt(11, 20, 20)) == 8 * HOUR
    assert CAL.working_seconds_between(dt(9, 30, 16), dt(10, 8, 10)) == 2 * HOUR
    assert CAL.working_seconds_between(dt(9, 25, 16), dt(9, 27, 10)) == 2 * HOUR  # make-up Sun


def test_working_seconds_between_empty_cases():
    assert CAL.working_seconds_between(dt(11, 23, 12), dt(11, 23, 12)) == 0.0
    assert CAL.working_seconds_between(dt(11, 23, 12), dt(11, 23, 10)) == 0.0  # end < start
    assert CAL.working_seconds_between(dt(10, 1, 9), dt(10, 7, 17)) == 0.0  # all holiday
    assert CAL.working_seconds_between(dt(11, 20, 17), dt(11, 23, 9)) == 0.0  # weekend gap


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt(11, 23, 10), dt(11, 23, 10)),
        (dt(11, 23, 10), dt(11, 23, 16, 59, 59)),
        (dt(11, 20, 16), dt(11, 23, 10)),  # over a weekend
        (dt(11, 20, 18), dt(11, 23, 9)),  # zero working time, end = normalised start
        (dt(9, 30, 12), dt(10, 8, 9, 30)),  # over National Day
        (dt(9, 25, 15), dt(9, 27, 11)),  # onto the make-up Sunday
        (dt(10, 3, 8), dt(10, 10, 16)),  # start on a holiday, end on make-up Saturday
        (dt(11, 23, 16), dt(11, 23, 17)),  # end exactly at day_end
        (datetime(2026, 9, 1, 9, 0, 0, 1), datetime(2026, 12, 31, 16, 59, 59, 999999)),
    ],
)
def test_round_trip_between_then_add(start, end):
    assert CAL.add_working_seconds(start, CAL.working_seconds_between(start, end)) == end


def test_round_trip_randomised():
    rng = random.Random(12345)
    base = dt(9, 1)
    for _ in range(300):
        start = base + timedelta(seconds=rng.randrange(0, 120 * 86400))
        # add then measure: exact for microsecond-resolution amounts
        amount = rng.randrange(0, 200 * 3600 * 10**6) / 10**6
        end = CAL.add_working_seconds(start, amount)
        assert CAL.working_seconds_between(start, end) == amount
        # measure then add: holds for any end inside working time
        later = start + timedelta(seconds=rng.randrange(0, 60 * 86400))
        if CAL.is_working_day(later) and CAL.day_start <= later.time() < CAL.day_end:
            assert CAL.add_working_seconds(start, CAL.working_seconds_between(start, later)) == (
                later
            )


# -- long spans -----------------------------------------------------------------------------


def test_sixty_working_day_span():
    start = dt(9, 1, 9)  # Tuesday
    # Hand count: 23 working days in September (incl. make-up 09-27), National Day skipped,
    # 10-08, 10-09, make-up 10-10, then weekdays; working day #60 after start is Fri 11-27.
    assert CAL.add_working_days(start, 60) == dt(11, 27, 9)
    assert CAL.add_working_days(dt(9, 1, 10, 15), 60) == dt(11, 27, 10, 15)
    # 60 full days of 8 h, counted from 09:00, end at day_end of the 60th day incl. the start.
    assert CAL.add_working_hours(start, 60 * 8) == dt(11, 26, 17)
    assert CAL.working_seconds_between(start, dt(11, 27, 9)) == 60 * 8 * HOUR
    # Independent brute-force count of the working days strictly between.
    days = sum(
        1
        for i in range(1, (date(2026, 11, 27) - date(2026, 9, 1)).days + 1)
        if CAL.is_working_day(date(2026, 9, 1) + timedelta(days=i))
    )
    assert days == 60


def test_long_span_is_fast():
    # Years of working time must not be iterated per hour or second.
    start = dt(1, 5, 9)
    end = CAL.add_working_hours(start, 8 * 250 * 20)  # ~20 years of working days
    assert CAL.working_seconds_between(start, end) == 8 * 250 * 20 * HOUR


# -- shift: moving a due time by working time (a paused clock resumes) ------------------------
# 2026-11-20 is a Friday; 11-23 a Monday. Around National Day: Wed 09-30 is the last working day
# before the holiday, Thu 10-08 the first after; Sun 09-27 and Sat 10-10 are make-up days.


def resumed(due: datetime, paused: datetime, resumed_at: datetime) -> datetime:
    """The due time of a clock paused at `paused` and resumed at `resumed_at`."""
    return CAL.shift(due, CAL.working_seconds_between(paused, resumed_at))


@pytest.mark.parametrize(
    ("due", "paused", "resumed_at", "expected"),
    [
        # A due at a day start, no working time while paused: unchanged (not 17:00 the day
        # before), over an evening, a weekend, a holiday, or up to a make-up day.
        (dt(11, 24, 9), dt(11, 23, 18), dt(11, 23, 18), dt(11, 24, 9)),
        (dt(11, 24, 9), dt(11, 23, 17), dt(11, 24, 9), dt(11, 24, 9)),
        (dt(11, 23, 9), dt(11, 20, 18), dt(11, 22, 12), dt(11, 23, 9)),
        (dt(10, 8, 9), dt(9, 30, 17), dt(10, 5, 10), dt(10, 8, 9)),
        (dt(9, 27, 9), dt(9, 25, 17), dt(9, 26, 20), dt(9, 27, 9)),  # due on make-up Sunday
        # A due at a day start, whole working days while paused: still at a day start.
        (dt(11, 24, 9), dt(11, 23, 9), dt(11, 23, 17), dt(11, 25, 9)),
        (dt(11, 23, 9), dt(11, 20, 9), dt(11, 20, 17), dt(11, 24, 9)),  # over a weekend
        (dt(10, 8, 9), dt(9, 30, 9), dt(9, 30, 17), dt(10, 9, 9)),  # over National Day
        (dt(10, 9, 9), dt(10, 8, 9), dt(10, 8, 17), dt(10, 10, 9)),  # onto make-up Saturday
        (dt(9, 28, 9), dt(9, 25, 9), dt(9, 25, 17), dt(9, 29, 9)),  # past make-up Sunday
        # A due at a day start, part of a day while paused.
        (dt(11, 24, 9), dt(11, 23, 16), dt(11, 24, 10), dt(11, 24, 11)),
        (dt(9, 28, 9), dt(9, 25, 16), dt(9, 27, 10), dt(9, 28, 11)),  # via make-up Sunday
        # A due at a day end: stays at a day end.
        (dt(11, 20, 17), dt(11, 20, 10), dt(11, 20, 10), dt(11, 20, 17)),
        (dt(11, 20, 17), dt(11, 20, 9), dt(11, 20, 17), dt(11, 23, 17)),  # over a weekend
        (dt(11, 20, 17), dt(11, 20, 16), dt(11, 20, 17), dt(11, 23, 10)),
        (dt(9, 30, 17), dt(9, 30, 9), dt(9, 30, 17), dt(10, 8, 17)),  # over National Day
        (dt(10, 9, 17), dt(10, 8, 9), dt(10, 8, 17), dt(10, 10, 17)),  # make-up Saturday
        (dt(9, 25, 17), dt(9, 25, 9), dt(9, 25, 17), dt(9, 27, 17)),  # make-up Sunday
        # Inside working hours: moved by the working time paused, as add_working_seconds.
        (dt(11, 23, 13), dt(11, 23, 10), dt(11, 23, 14), dt(11, 23, 17)),
        (dt(11, 20, 15), dt(11, 20, 16), dt(11, 23, 10), dt(11, 20, 17)),  # 1 h late, still
    ],
)
def test_shift_resumes_a_paused_due_time_on_its_side_of_the_day(due, paused, resumed_at, expected):
    assert resumed(due, paused, resumed_at) == expected
    # Same working time as counting the rest from the resume (the former computation),
    # whatever the wall time.
    if paused <= due:
        rest = CAL.working_seconds_between(paused, due)
        assert CAL.working_seconds_between(resumed_at, expected) == rest


def test_shift_zero_is_identity_everywhere():
    for instant in (dt(11, 23, 9), dt(11, 23, 17), dt(11, 23, 12), dt(11, 21, 12), dt(10, 3, 8)):
        assert CAL.shift(instant, 0) == instant


def test_shift_inside_a_day_and_from_outside_working_time():
    assert CAL.shift(dt(11, 23, 10), 2 * HOUR) == dt(11, 23, 12)
    assert CAL.shift(dt(11, 23, 10), 7 * HOUR) == dt(11, 23, 17)  # day end stays
    assert CAL.shift(dt(11, 23, 9), 7 * HOUR) == dt(11, 23, 16)
    assert CAL.shift(dt(11, 23, 9), 8 * HOUR) == dt(11, 24, 9)
    assert CAL.shift(dt(11, 21, 12), 8 * HOUR) == dt(11, 24, 9)  # Saturday counts as Mon 09:00
    assert CAL.shift(dt(11, 20, 18), 1) == dt(11, 23, 9, 0, 1)


def test_shift_days_keeps_the_side_of_the_day():
    assert CAL.shift_days(dt(11, 23, 9), 2) == dt(11, 25, 9)
    assert CAL.shift_days(dt(11, 23, 17), 2) == dt(11, 25, 17)  # add_working_days: Thu 09:00
    assert CAL.add_working_days(dt(11, 23, 17), 2) == dt(11, 26, 9)
    assert CAL.shift_days(dt(9, 30, 17), 1) == dt(10, 8, 17)
    assert CAL.shift_days(dt(10, 9, 9), 1) == dt(10, 10, 9)
    assert CAL.shift_days(dt(11, 20, 10, 30), 3) == dt(11, 25, 10, 30)
    assert CAL.shift_days(dt(11, 20, 10, 30), 0) == dt(11, 20, 10, 30)
    with pytest.raises(ValueError):
        CAL.shift_days(dt(11, 20, 10), -1)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_shift_rejects_bad_amounts(bad):
    with pytest.raises(ValueError):
        CAL.shift(dt(11, 23, 10), bad)


def test_shift_randomised_keeps_working_time_and_side():
    rng = random.Random(2026)
    day = 8 * HOUR
    starts = [dt(9, 1) + timedelta(days=d) for d in range(0, 100)]
    for _ in range(300):
        d = rng.choice(starts)
        instant = rng.choice(
            [
                datetime.combine(d.date(), CAL.day_start),
                datetime.combine(d.date(), CAL.day_end),
                d + timedelta(seconds=rng.randrange(0, 86400)),
            ]
        )
        amount = rng.choice([0, rng.randrange(1, 30) * day, rng.randrange(1, 200 * 3600)])
        moved = CAL.shift(instant, amount)
        assert CAL.working_seconds_between(instant, moved) == amount
        assert moved >= instant
        at_an_end = CAL.is_working_day(instant) and instant.time() in (CAL.day_start, CAL.day_end)
        if amount and amount % day == 0 and at_an_end:
            # Whole working days keep the clock time of a due at either end of the day.
            assert moved.time() == instant.time()
