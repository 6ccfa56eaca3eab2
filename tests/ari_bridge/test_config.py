"""Service hours as the bridge reads them from the config: the day's kind from the calendar
(else weekends rest), local time = UTC + the offset, an empty list closed all day."""

from __future__ import annotations

from datetime import UTC, datetime

from ari_bridge.config import Config

DOC = {
    "utc_offset_minutes": 480,
    "schedule": {"working_days": [["08:00", "20:00"]], "rest_days": [],
                 "closed_prompt": "minqing/closed", "closed_action": "voicemail"},
    "calendar": {"2026-12-01": "working", "2026-12-05": "working", "2026-12-02": "rest"},
    "blacklist": [{"number": "13900000000", "action": "refuse"}],
}  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_working_day_hours_in_local_time():
    config = Config(DOC)
    assert config.is_open(at("2026-12-01T00:00:00"))  # 08:00 local
    assert not config.is_open(at("2026-11-30T23:59:00"))  # 07:59 local
    assert not config.is_open(at("2026-12-01T12:00:00"))  # 20:00 local: closed from then
    late = Config({**DOC, "schedule": {"working_days": [["20:00", "24:00"]]}})
    assert late.is_open(at("2026-12-01T15:59:00"))  # 23:59 local: "24:00" ends the day


def test_the_calendar_decides_the_day_kind_and_an_empty_list_is_closed():
    config = Config(DOC)
    assert not config.is_open(at("2026-12-02T04:00:00"))  # a rest day (calendar), no hours
    assert config.is_open(at("2026-12-05T04:00:00"))  # a Saturday made a working day


def test_no_schedule_is_open_and_bad_values_fall_back():
    config = Config({"max_invalid": "x", "ring_seconds": True})
    assert config.is_open(at("2026-12-02T04:00:00"))
    assert config.max_invalid == 3 and config.ring_seconds == 15
    assert Config(DOC).blacklisted("13900000000") == {"number": "13900000000", "action": "refuse"}
    assert Config(DOC).blacklisted("13800000000") is None
