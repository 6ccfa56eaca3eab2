"""The telephony services the pages call (app/telephony): agents' states, groups and phones,
the IVR menu's validation and versions, the blacklist, a case's calls, satisfaction."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.models import AuditLog, Case, CaseEvent
from app.telephony import agents, blacklist, calls, ivr
from tests.conftest import snapshot
from tests.telephony.conftest import WAV, at, put_call, state_of

CH = "1795381636.60"


def refused(call, code: str) -> None:
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.to_dict()
    assert snapshot() == before


# --- agents ----------------------------------------------------------------------------------


def test_an_agent_sets_ready_away_signed_out_not_busy(now, groups, user):
    agent = user("agent01")
    assert agents.set_state(agent, "away", by=agent).state == "away"
    assert agents.set_state(agent, "ready", by=agent).state == "ready"
    refused(lambda: agents.set_state(agent, "busy", by=agent), "state_not_settable")
    refused(lambda: agents.set_state(agent, "wrap_up", by=agent), "state_not_settable")
    refused(lambda: agents.set_state(agent, "ready", by=user("agent02")), "role_not_allowed")
    refused(
        lambda: agents.set_state(user("dispatcher"), "ready", by=user("dispatcher")),
        "role_not_allowed",
    )


def test_on_a_call_the_agent_stays_busy(client, bridge, now, groups, user):
    put_call(client, bridge, CH, started_at=at(), answered_at=at(3), agent="agent01")
    agent = user("agent01")
    refused(lambda: agents.set_state(agent, "away", by=agent), "on_a_call")
    view = agents.state_of(agent)
    assert view.state == "busy" and view.caller == ""
    live = calls.live_call_of(agent)
    assert live is not None and live.channel_id == CH and live.live


def test_groups_sign_in_and_out(now, groups, user):
    agent = user("agent03")
    view = agents.sign_out_groups(agent, ["social"])
    assert [(g.code, g.signed_in) for g in view.groups] == [("social", False)]
    view = agents.sign_in_groups(agent, ["social"])
    assert view.groups[0].signed_in and view.groups[0].level == 1
    refused(lambda: agents.sign_in_groups(agent, ["general"]), "not_a_member")
    refused(lambda: agents.sign_in_groups(agent, ["nope"]), "unknown_skill_group")


def test_the_skill_groups_for_choices(now, groups):
    assert agents.skill_groups() == [
        ("general", "综合咨询", "general"),
        ("social", "社保医保", "social"),
    ]


def test_the_board_lists_every_agent(now, groups):
    board = {v.username: v for v in agents.board()}
    assert {"agent", "agent01", "agent02", "agent03"} <= set(board)
    assert board["agent01"].state == "ready"
    assert [g.code for g in board["agent"].groups] == ["general"]


def test_extensions_are_audited_and_unique(now, groups, user):
    agent, admin = user("agent01"), user("admin")
    view = agents.set_extension(agent, "PJSIP/desk1", by=agent, client_ip="10.0.0.1")
    assert view.endpoint == "PJSIP/desk1"
    assert agents.endpoint_of(agent) == "PJSIP/desk1"
    entry = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "telephony.extension")
    ).one()
    assert entry.data == {"before": "", "after": "PJSIP/desk1"} and entry.client_ip == "10.0.0.1"
    refused(
        lambda: agents.set_extension(user("agent02"), "PJSIP/desk1", by=admin), "endpoint_taken"
    )
    refused(lambda: agents.set_extension(agent, "desk 1; rm", by=agent), "invalid_endpoint")
    refused(lambda: agents.set_extension(agent, "PJSIP/x", by=user("agent02")), "role_not_allowed")
    refused(
        lambda: agents.set_extension(user("dispatcher"), "PJSIP/d", by=admin), "not_a_phone_user"
    )
    assert agents.set_extension(user("revisit"), "PJSIP/revisit", by=user("revisit")).endpoint
    assert agents.set_extension(agent, "", by=agent).endpoint is None


# --- the IVR menu ----------------------------------------------------------------------------


def good_menu() -> dict:
    return {
        "root": "main",
        "menus": {
            "main": {
                "prompt": "minqing/welcome",
                "timeout_seconds": 6,
                "options": {
                    "1": {"action": "queue", "group": "general"},
                    "2": {"action": "status"},
                    "3": {"action": "voicemail"},
                    "4": {"action": "menu", "menu": "more"},
                    "5": {"action": "announcement", "sound": "minqing/hours", "next": "main"},
                    "9": {"action": "transfer", "number": "110"},
                },
            },
            "more": {
                "prompt": "minqing/more",
                "timeout_seconds": 5,
                "options": {"*": {"action": "announcement", "sound": "minqing/bye", "next": None}},
            },
        },
    }


def test_a_good_menu_validates(now, groups):
    assert ivr.validate(good_menu(), ivr.DEFAULT_SCHEDULE) == []


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (
            lambda m: m["menus"]["main"]["options"]["1"].update(group="nope"),
            "menus.main.options.1.group",
            "unknown_skill_group",
        ),
        (
            lambda m: m["menus"]["main"]["options"]["4"].update(menu="gone"),
            "menus.main.options.4.menu",
            "unknown_menu",
        ),
        (
            lambda m: m["menus"]["main"]["options"].update({"A": {"action": "status"}}),
            "menus.main.options.A",
            "invalid_key",
        ),
        (
            lambda m: m["menus"]["main"]["options"]["9"].update(number="11-0"),
            "menus.main.options.9.number",
            "invalid_number",
        ),
        (
            lambda m: m["menus"]["main"]["options"]["2"].update(action="dance"),
            "menus.main.options.2.action",
            "unknown_action",
        ),
        (
            lambda m: m["menus"]["main"].update(timeout_seconds=0),
            "menus.main.timeout_seconds",
            "out_of_range",
        ),
        (
            lambda m: m["menus"]["main"].update(timeout_seconds="6"),
            "menus.main.timeout_seconds",
            "out_of_range",
        ),
        (
            lambda m: m["menus"]["main"].update(prompt="../../etc/passwd"),
            "menus.main.prompt",
            "invalid_sound",
        ),
        (lambda m: m.update(root="nowhere"), "root", "unknown_menu"),
        (
            lambda m: m["menus"]["main"]["options"]["5"].update(next="gone"),
            "menus.main.options.5.next",
            "unknown_menu",
        ),
        (
            lambda m: m["menus"]["main"]["options"]["3"].update(extra=1),
            "menus.main.options.3.extra",
            "unknown_field",
        ),
        (
            lambda m: m["menus"].update({"Bad Id": m["menus"]["more"]}),
            "menus.Bad Id",
            "invalid_menu_id",
        ),
    ],
)
def test_each_error_names_its_field(now, groups, change, path, code):
    menu = good_menu()
    change(menu)
    errors = ivr.validate(menu, ivr.DEFAULT_SCHEDULE)
    assert [(e.path, e.code) for e in errors] == [(path, code)]
    assert errors[0].zh and errors[0].en


@pytest.mark.parametrize(
    ("schedule", "path", "code"),
    [
        ({"working_days": [["08:00", "25:00"]]}, "schedule.working_days.0", "invalid_hours"),
        ({"working_days": [["20:00", "08:00"]]}, "schedule.working_days.0", "end_before_start"),
        (
            {"rest_days": [["08:00", "12:00"], ["11:00", "13:00"]]},
            "schedule.rest_days.1",
            "overlapping_hours",
        ),
        ({"rest_days": "all day"}, "schedule.rest_days", "required"),
        ({"closed_action": "dance"}, "schedule.closed_action", "unknown_action"),
    ],
)
def test_schedule_errors_name_their_field(now, groups, schedule, path, code):
    errors = ivr.validate(good_menu(), {**ivr.DEFAULT_SCHEDULE, **schedule})
    assert [(e.path, e.code) for e in errors] == [(path, code)]


def test_hours_schedules_validate(now, groups):
    schedule = {
        **ivr.DEFAULT_SCHEDULE,
        "working_days": [["08:00", "12:00"], ["13:00", "20:00"]],
        "rest_days": [],
    }
    assert ivr.validate(good_menu(), schedule) == []


def test_save_versions_restore(now, groups, user):
    admin = user("admin")
    assert ivr.current().id == 0 and ivr.current().document == ivr.DEFAULT_MENU
    first = ivr.save(good_menu(), ivr.DEFAULT_SCHEDULE, by=admin, note="第一版")
    changed = copy.deepcopy(good_menu())
    changed["menus"]["main"]["timeout_seconds"] = 9
    second = ivr.save(changed, ivr.DEFAULT_SCHEDULE, by=admin, note="第二版")
    assert ivr.current().id == second.id
    assert [v.note for v in ivr.versions()] == ["第二版", "第一版"]
    back = ivr.restore(first.id, by=admin)
    assert ivr.current().id == back.id and back.document == first.document
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["telephony.ivr_save", "telephony.ivr_save", "telephony.ivr_restore"]
    bad = good_menu()
    bad["root"] = "x"
    refused(lambda: ivr.save(bad, ivr.DEFAULT_SCHEDULE, by=admin), "ivr_invalid")
    refused(
        lambda: ivr.save(good_menu(), ivr.DEFAULT_SCHEDULE, by=user("agent")), "role_not_allowed"
    )
    refused(lambda: ivr.restore(999999, by=admin), "ivr_version_not_found")


def test_invalid_save_lists_every_error(now, groups, user):
    menu = good_menu()
    menu["menus"]["main"]["options"]["1"]["group"] = "nope"
    menu["menus"]["main"]["timeout_seconds"] = 99
    with pytest.raises(DomainError) as caught:
        ivr.save(menu, ivr.DEFAULT_SCHEDULE, by=user("admin"))
    paths = [e["path"] for e in caught.value.details["errors"]]
    assert paths == ["menus.main.timeout_seconds", "menus.main.options.1.group"]


# --- the blacklist ---------------------------------------------------------------------------


def test_the_blacklist(now, user):
    admin = user("admin")
    entry = blacklist.add("13900000000", "refuse", "", "骚扰电话", by=admin)
    blacklist.add("13911111111", "message", "minqing/blocked", "", by=admin)
    assert [(e.number, e.action, e.sound) for e in blacklist.entries()] == [
        ("13900000000", "refuse", ""),
        ("13911111111", "message", "minqing/blocked"),
    ]
    refused(lambda: blacklist.add("13900000000", "refuse", "", "", by=admin), "number_blacklisted")
    refused(lambda: blacklist.add("12", "refuse", "", "", by=admin), "invalid_number")
    refused(lambda: blacklist.add("13922222222", "shout", "", "", by=admin), "unknown_action")
    refused(lambda: blacklist.add("13922222222", "message", "", "", by=admin), "invalid_sound")
    refused(
        lambda: blacklist.add("13922222222", "refuse", "", "", by=user("agent")), "role_not_allowed"
    )
    blacklist.remove(entry.id, by=admin)
    assert [e.number for e in blacklist.entries()] == ["13911111111"]
    refused(lambda: blacklist.remove(entry.id, by=admin), "blacklist_entry_not_found")
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == [
        "telephony.blacklist_add",
        "telephony.blacklist_add",
        "telephony.blacklist_remove",
    ]


# --- a case's calls, satisfaction ------------------------------------------------------------


def test_satisfaction_lands_on_the_case_once(client, bridge, api, now, groups):
    case_id = api.create()["id"]
    put_call(client, bridge, CH, started_at=at(), answered_at=at(5), agent="agent01")
    put_call(client, bridge, CH, ended_at=at(60), satisfaction=2)
    put_call(client, bridge, CH, case_id=case_id)
    put_call(client, bridge, CH, case_id=case_id, satisfaction=3)  # a replay: no change
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "satisfaction")
    ).all()
    assert [(e.comment, e.data["key"]) for e in events] == [("来电满意度：基本满意", 2)]
    view = calls.of_case(db.session.get(Case, case_id))
    assert [(v.channel_id, v.satisfaction, v.agent, v.talk_seconds) for v in view] == [
        (CH, 2, "agent01", 55)
    ]


def test_link_case_brings_the_recording(client, bridge, api, now, groups, user):
    put_call(client, bridge, CH, started_at=at(), answered_at=at(5), agent="agent01")
    client.put(
        f"/api/v1/telephony/calls/{CH}/recording",
        data=WAV,
        headers={**bridge, "Content-Type": "audio/wav"},
    )
    case = db.session.get(Case, api.create()["id"])
    view = calls.link_case(CH, case, by=user("agent01"))
    assert view.case_id == case.id
    assert view.recording_url and view.recording_url.startswith(f"/cases/{case.id}/attachments/")
    assert calls.link_case(CH, case, by=user("agent01")).recording_url == view.recording_url
    other = db.session.get(Case, api.create(citizen_phone="13900009999")["id"])
    refused(lambda: calls.link_case(CH, other, by=user("agent01")), "call_linked_elsewhere")
    refused(lambda: calls.link_case("no.such", case, by=user("agent01")), "call_not_found")
    refused(lambda: calls.link_case(CH, case, by=user("dispatcher")), "role_not_allowed")
    assert state_of("agent01").state == "busy"
