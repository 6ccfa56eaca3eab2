"""GET /api/v1/telephony/config: the bridge's whole configuration, with an ETag that moves
whenever the menu, the schedule, the blacklist, the calendar or a setting does."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Holiday
from app.telephony import blacklist, ivr
from tests.telephony.conftest import NOW


def get_config(client, headers, etag=None):
    extra = {"If-None-Match": etag} if etag else {}
    return client.get("/api/v1/telephony/config", headers={**headers, **extra})


def test_the_config_carries_the_menu_calendar_and_settings(client, bridge, now, groups):
    resp = get_config(client, bridge)
    assert resp.status_code == 200
    body = resp.get_json()
    assert resp.headers["ETag"] == f'"{body["version"]}"'
    assert body["menu"]["root"] == "main"
    assert body["menu"]["menus"]["main"]["options"]["1"] == {"action": "queue", "group": "general"}
    assert body["schedule"]["working_days"] == [["00:00", "24:00"]]
    assert body["utc_offset_minutes"] == 480
    assert len(body["calendar"]) == 14
    assert body["calendar"][NOW.date().isoformat()] == "working"  # a Tuesday
    assert body["calendar"]["2026-12-05"] == "rest"  # a Saturday
    assert body["max_invalid"] == 3 and body["operator_group"] == "general"
    assert body["ring_seconds"] == 15 and body["survey"] is True
    assert body["dial_template"] == "PJSIP/{number}@hotline-trunk"
    assert body["blacklist"] == []


def test_same_version_is_304_and_changes_move_it(client, bridge, now, groups, user):
    first = get_config(client, bridge)
    etag = first.headers["ETag"]
    same = get_config(client, bridge, etag)
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == etag

    admin = user("admin")
    blacklist.add("13900000000", "refuse", "", "骚扰", by=admin)
    after_blacklist = get_config(client, bridge, etag)
    assert after_blacklist.status_code == 200
    assert after_blacklist.get_json()["blacklist"] == [
        {"number": "13900000000", "action": "refuse"}
    ]
    etag = after_blacklist.headers["ETag"]

    menu = {"root": "main", "menus": {"main": {**ivr.DEFAULT_MENU["menus"]["main"]}}}
    menu["menus"]["main"]["options"] = {"1": {"action": "queue", "group": "social"}}
    ivr.save(menu, {**ivr.DEFAULT_SCHEDULE, "rest_days": []}, by=admin, note="周末关闭")
    after_menu = get_config(client, bridge, etag)
    assert after_menu.status_code == 200
    assert after_menu.get_json()["schedule"]["rest_days"] == []
    etag = after_menu.headers["ETag"]

    from app.deadlines import service as deadlines

    db.session.add(Holiday(day=date(2026, 12, 3), kind="holiday", name="测试"))
    deadlines.changed()
    db.session.commit()
    after_holiday = get_config(client, bridge, etag)
    assert after_holiday.status_code == 200
    assert after_holiday.get_json()["calendar"]["2026-12-03"] == "rest"
    db.session.delete(db.session.get(Holiday, date(2026, 12, 3)))
    deadlines.changed()
    db.session.commit()


def test_a_setting_moves_the_version(app, client, bridge, now):
    etag = get_config(client, bridge).headers["ETag"]
    app.config["TELEPHONY_RING_SECONDS"] = 20
    resp = get_config(client, bridge, etag)
    assert resp.status_code == 200 and resp.get_json()["ring_seconds"] == 20


def test_administrators_read_it_agents_do_not(client, auth, now):
    assert get_config(client, auth("admin")).status_code == 200
    for username in ("agent", "dispatcher", "oversight"):
        resp = get_config(client, auth(username))
        assert resp.status_code == 403 and resp.get_json()["code"] == "role_not_allowed"
