"""Merging a call into an existing case over the API (重复诉求归并): POST and GET
/api/v1/cases/<id>/contacts, described in the OpenAPI document, refused in our error shape, and
counted per day with one GROUP BY."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from app.clock import clock
from app.extensions import db
from app.models import CaseContact, CaseEvent
from tests.api.test_bad_input_classes import assert_error
from tests.conftest import snapshot

CALL = {
    "channel": "phone",
    "caller_name": "李娜",
    "caller_phone": "13900002222",
    "content": "路灯还是不亮",
}


def post(client, auth, case_id: int, body: dict, as_user: str = "agent"):
    return client.post(f"/api/v1/cases/{case_id}/contacts", json=body, headers=auth(as_user))


def test_a_call_is_recorded_on_the_case_with_a_timeline_event(api, client, auth, user):
    case = api.create()
    clock.freeze(datetime(2026, 3, 3, 9, 30))
    resp = post(client, auth, case["id"], CALL)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["case_id"] == case["id"] and body["case_number"] == case["number"]
    assert {k: body[k] for k in CALL} == CALL
    assert body["user"] == user("agent").display_name
    row = db.session.get(CaseContact, body["id"])
    assert row.day == date(2026, 3, 3) and row.user_id == user("agent").id
    assert row.client_ip == "127.0.0.1"
    event = db.session.scalars(
        select(CaseEvent).filter_by(case_id=case["id"], action="contact")
    ).one()
    # The event names the contact, not the caller (the timeline is never masked).
    assert event.data == {"contact_id": row.id, "channel": "phone"}
    assert event.comment == CALL["content"]
    assert "李娜" not in str(event.data) and "13900002222" not in str(event.data)
    timeline = api.get(case["id"])["timeline"]
    assert [e["action"] for e in timeline][-1] == "contact"

    listed = client.get(f"/api/v1/cases/{case['id']}/contacts", headers=auth("dispatcher"))
    assert listed.status_code == 200
    assert [c["id"] for c in listed.get_json()["items"]] == [row.id]


def test_the_channel_defaults_to_phone(api, client, auth):
    case = api.create()
    body = {k: v for k, v in CALL.items() if k != "channel"}
    resp = post(client, auth, case["id"], body)
    assert resp.status_code == 201 and resp.get_json()["channel"] == "phone"


def test_bad_input_is_refused_in_our_shape_and_changes_nothing(api, client, auth):
    case = api.create()
    before = snapshot()
    for body in (
        {},
        {**CALL, "caller_phone": "not a phone"},
        {**CALL, "content": "x"},
        {**CALL, "caller_name": "张\n三"},
        {**CALL, "channel": "pigeon"},
        {**CALL, "extra": 1},
    ):
        resp = post(client, auth, case["id"], body)
        assert_error(resp, 422, "invalid_request")
    assert snapshot() == before


def test_who_may_merge_and_where(api, client, auth, dept):
    case = api.create()  # at the city centre: outside the east district's scope
    before = snapshot()
    assert_error(
        post(client, auth, case["id"], CALL, "east_urban_handler"), 403, "role_not_allowed"
    )
    assert_error(post(client, auth, case["id"], CALL, "oversight"), 403, "role_not_allowed")
    assert_error(post(client, auth, case["id"], CALL, "east_dispatcher"), 404, "case_not_found")
    assert_error(post(client, auth, 999999, CALL), 404, "case_not_found")
    assert snapshot() == before
    resp = client.get(f"/api/v1/cases/{case['id']}/contacts", headers=auth("east_dispatcher"))
    assert_error(resp, 404, "case_not_found")


def test_a_closed_case_takes_no_more_calls(api, client, auth):
    case = api.create(answered=True, answer="已当场答复")
    before = snapshot()
    assert_error(post(client, auth, case["id"], CALL), 409, "case_closed")
    assert snapshot() == before


def test_the_operation_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/cases/{case_id}/contacts"]
    body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"caller_name", "caller_phone", "content"}
    assert "201" in item["post"]["responses"] and "422" in item["post"]["responses"]
    assert "200" in item["get"]["responses"]


def test_repeat_calls_per_day_and_department_are_one_group_by(api, client, auth, dept):
    first, second = api.create(), api.create()
    api.act(second["id"], "transfer", "dispatcher", target_department_id=dept("east"))
    for at, case in (
        (datetime(2026, 3, 2, 9, 0), first),
        (datetime(2026, 3, 2, 15, 0), first),
        (datetime(2026, 3, 2, 16, 0), second),
        (datetime(2026, 3, 3, 10, 0), second),
    ):
        clock.freeze(at)
        assert post(client, auth, case["id"], CALL).status_code == 201
    per_day = db.session.execute(
        select(CaseContact.day, CaseContact.department_id, func.count())
        .group_by(CaseContact.day, CaseContact.department_id)
        .order_by(CaseContact.day, CaseContact.department_id)
    ).all()
    # Where each case was when the call came in: waiting for dispatch at the city centre, or
    # sent on to the east district.
    assert [tuple(r) for r in per_day] == sorted(
        [
            (date(2026, 3, 2), dept("city"), 2),
            (date(2026, 3, 2), dept("east"), 1),
            (date(2026, 3, 3), dept("east"), 1),
        ]
    )
