"""Refused input: every refusal is a 4xx with a machine-readable code and a zh/en message, and
changes nothing (a snapshot of every table before and after is equal). Also read scopes and the
case-list filters."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest

from app.clock import clock
from app.extensions import db
from tests.conftest import snapshot
from tests.helpers import INTAKE

MONDAY = datetime(2026, 3, 2, 10, 0)  # a working day, no holiday near


def assert_refused(resp, status: int, code: str) -> dict:
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["code"] == code, body
    assert isinstance(body["message"]["zh"], str) and body["message"]["zh"]
    assert isinstance(body["message"]["en"], str) and body["message"]["en"]
    return body


def post_action(client, auth, case_id, action, as_user, data=None, task_id=None):
    return client.post(
        f"/api/v1/cases/{case_id}/{action.replace('_', '-')}",
        json={"data": data or {}, "task_id": task_id},
        headers=auth(as_user),
    )


@pytest.fixture
def refused(client, auth):
    """refused(case_id, action, user, data, status, code): refused, and nothing changed."""

    def check(case_id, action, as_user, data, status, code, task_id=None):
        db.session.commit()
        before = snapshot()
        resp = post_action(client, auth, case_id, action, as_user, data, task_id)
        body = assert_refused(resp, status, code)
        assert snapshot() == before, f"{action} by {as_user} changed the database"
        return body

    return check


# -- flows to reach each state ---------------------------------------------------------------------


def accepted(api) -> int:
    return api.create()["id"]


def transferred(api, dept, target="urban") -> int:
    case_id = accepted(api)
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept(target))
    return case_id


def handling(api, dept) -> int:
    case_id = transferred(api, dept)
    api.act(case_id, "sign", "urban_handler")
    return case_id


def replied(api, dept) -> int:
    case_id = handling(api, dept)
    api.act(case_id, "reply", "urban_handler", text="路灯已修复", result_code="resolved")
    return case_id


def closed(api, dept) -> int:
    case_id = replied(api, dept)
    api.act(case_id, "revisit", "revisit", result="satisfied")
    return case_id


def at_east_urban(api, dept) -> int:
    """Sent to the East District centre, forwarded to its urban department, not yet signed."""
    case_id = accepted(api)
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("east"))
    api.act(case_id, "sign", "east_dispatcher")
    api.act(case_id, "transfer", "east_dispatcher", target_department_id=dept("east_urban"))
    return case_id


# -- wrong state -----------------------------------------------------------------------------------

WRONG_STATE = [
    # (state, action, user, data)
    ("accepted", "sign", "dispatcher", {}),
    ("accepted", "reply", "dispatcher", {"text": "已处理", "result_code": "resolved"}),
    ("accepted", "revisit", "revisit", {"result": "satisfied"}),
    ("accepted", "recall", "dispatcher", {"reason": "派错了"}),
    ("accepted", "approve_return", "dispatcher", {}),
    ("transferred", "transfer", "dispatcher", {"target_department_id": 2}),
    ("transferred", "reply", "urban_handler", {"text": "已处理", "result_code": "resolved"}),
    ("handling", "recall", "dispatcher", {"reason": "派错了"}),
    ("handling", "sign", "urban_handler", {}),
    ("handling", "revisit", "revisit", {"result": "satisfied"}),
    ("handling", "approve_extension", "dispatcher", {}),
    ("replied", "reply", "urban_handler", {"text": "再答复", "result_code": "resolved"}),
    ("replied", "co_reply", "urban_handler", {"text": "协办意见"}),
    ("closed", "revisit", "revisit", {"result": "satisfied"}),
    ("closed", "transfer", "dispatcher", {"target_department_id": 2}),
    ("closed", "sign", "urban_handler", {}),
]
STATES = {
    "accepted": lambda api, dept: accepted(api),
    "transferred": transferred,
    "handling": handling,
    "replied": replied,
    "closed": closed,
}


@pytest.mark.parametrize(("state", "action", "as_user", "data"), WRONG_STATE)
def test_action_in_wrong_state(api, dept, refused, state, action, as_user, data):
    case_id = STATES[state](api, dept)
    body = refused(case_id, action, as_user, data, 409, "action_not_available")
    assert body["details"]["status_now"] == state


def test_unavailable_message_comes_from_the_form(api, dept, refused):
    case_id = handling(api, dept)
    body = refused(
        case_id, "recall", "dispatcher", {"reason": "派错了"}, 409, "action_not_available"
    )
    assert "signed" in body["message"]["en"]
    assert body["message"]["zh"].startswith("对方已签收")


# -- wrong department / wrong role -----------------------------------------------------------------


def test_wrong_department_that_can_see_the_case(api, dept, refused):
    case_id = at_east_urban(api, dept)
    # The city dispatcher sees every case and may sign for tasks, but not East Urban's.
    refused(case_id, "sign", "dispatcher", {}, 403, "department_not_allowed")
    # The East centre sees its subtree's case, but the sign-for task is East Urban's.
    refused(case_id, "sign", "east_dispatcher", {}, 403, "department_not_allowed")


def test_recall_only_by_the_sending_department(api, dept, refused):
    case_id = at_east_urban(api, dept)
    # The city dispatcher did not send it to East Urban (the East centre did).
    refused(case_id, "recall", "dispatcher", {"reason": "派错了"}, 403, "department_not_allowed")
    api.act(case_id, "recall", "east_dispatcher", reason="派错了")


def test_department_that_never_had_the_case_gets_404(api, dept, refused):
    case_id = transferred(api, dept)
    refused(case_id, "sign", "housing_handler", {}, 404, "case_not_found")
    refused(case_id, "sign", "east_urban_handler", {}, 404, "case_not_found")
    refused(case_id, "sign", "west_dispatcher", {}, 404, "case_not_found")


@pytest.mark.parametrize(
    ("state", "action", "as_user", "data"),
    [
        ("accepted", "transfer", "agent", {"target_department_id": "urban"}),
        ("accepted", "transfer", "revisit", {"target_department_id": "urban"}),
        ("transferred", "recall", "agent", {"reason": "派错了"}),
        ("handling", "reply", "dispatcher", {"text": "已处理", "result_code": "resolved"}),
        ("handling", "extension_request", "oversight", {"days": 3, "reason": "需要时间"}),
        ("replied", "revisit", "dispatcher", {"result": "satisfied"}),
        ("replied", "revisit", "agent", {"result": "satisfied"}),
    ],
)
def test_wrong_role(api, dept, refused, state, action, as_user, data):
    case_id = STATES[state](api, dept)
    if data.get("target_department_id") == "urban":
        data = {**data, "target_department_id": dept("urban")}
    refused(case_id, action, as_user, data, 403, "role_not_allowed")


def test_handler_cannot_recall_its_own_sign_task(api, dept, refused):
    case_id = transferred(api, dept)
    refused(case_id, "recall", "urban_handler", {"reason": "不是我们的"}, 403, "role_not_allowed")


# -- data failing the form's schema ----------------------------------------------------------------

SCHEMA_FAILURES = [
    ("accepted", "transfer", "dispatcher", {}),
    ("accepted", "transfer", "dispatcher", {"target_department_id": "urban"}),
    ("accepted", "transfer", "dispatcher", {"target_department_id": 0}),
    ("accepted", "transfer", "dispatcher", {"target_department_id": 5, "colour": "red"}),
    (
        "accepted",
        "transfer",
        "dispatcher",
        {"target_department_id": 5, "co_department_ids": [3, 3]},
    ),
    ("transferred", "sign", "urban_handler", {"comment": "x" * 2001}),
    ("transferred", "recall", "dispatcher", {}),
    ("transferred", "recall", "dispatcher", {"reason": "x"}),
    ("handling", "reply", "urban_handler", {"text": "已修复"}),
    ("handling", "reply", "urban_handler", {"text": "已修复", "result_code": "fixed"}),
    ("handling", "reply", "urban_handler", {"text": "", "result_code": "resolved"}),
    ("handling", "return_request", "urban_handler", {"reason_code": "other"}),
    ("handling", "return_request", "urban_handler", {"reason_code": "lazy"}),
    ("handling", "extension_request", "urban_handler", {"days": 0, "reason": "需要时间"}),
    ("handling", "extension_request", "urban_handler", {"days": 31, "reason": "需要时间"}),
    ("handling", "extension_request", "urban_handler", {"days": "3", "reason": "需要时间"}),
    ("handling", "joint_request", "urban_handler", {"co_department_ids": [], "reason": "联办"}),
    ("replied", "revisit", "revisit", {"result": "unsatisfied"}),
    ("replied", "revisit", "revisit", {"result": "happy"}),
    ("replied", "revisit", "revisit", {"result": "satisfied", "resolved": "yes"}),
]


@pytest.mark.parametrize(("state", "action", "as_user", "data"), SCHEMA_FAILURES)
def test_data_failing_the_schema(api, dept, refused, state, action, as_user, data):
    case_id = STATES[state](api, dept)
    body = refused(case_id, action, as_user, data, 422, "invalid_form_data")
    assert body["details"]["errors"], body
    assert all("message" in e for e in body["details"]["errors"])


def test_schema_error_names_the_field(api, dept, refused):
    case_id = handling(api, dept)
    body = refused(
        case_id,
        "reply",
        "urban_handler",
        {"text": "已修复", "result_code": "fixed"},
        422,
        "invalid_form_data",
    )
    assert [e["field"] for e in body["details"]["errors"]] == ["result_code"]


def test_transfer_to_an_unknown_department(api, refused):
    data = {"target_department_id": 999999}
    refused(accepted(api), "transfer", "dispatcher", data, 422, "unknown_department")


def test_transfer_to_itself(api, dept, refused):
    data = {"target_department_id": dept("city")}
    refused(accepted(api), "transfer", "dispatcher", data, 422, "not_a_subordinate")


def test_district_centre_cannot_forward_outside_its_district(api, dept, refused):
    case_id = transferred(api, dept, target="east")
    api.act(case_id, "sign", "east_dispatcher")
    for target in ("urban", "west_urban", "west"):
        data = {"target_department_id": dept(target)}
        refused(case_id, "transfer", "east_dispatcher", data, 422, "not_a_subordinate")


def test_joint_dispatch_to_a_centre_is_refused(api, dept, refused):
    data = {"target_department_id": dept("east"), "co_department_ids": [dept("housing")]}
    refused(accepted(api), "transfer", "dispatcher", data, 422, "joint_needs_department")


def test_joint_with_a_centre_or_the_lead_is_refused(api, dept, refused):
    case_id = handling(api, dept)
    data = {"co_department_ids": [dept("urban")], "reason": "联合处理"}
    refused(case_id, "joint_request", "urban_handler", data, 422, "bad_co_department")
    data = {"co_department_ids": [dept("east")], "reason": "联合处理"}
    refused(case_id, "joint_request", "urban_handler", data, 422, "bad_co_department")


def test_return_limit(api, dept, refused, app):
    app.config["MAX_RETURNS_PER_CASE"] = 0
    case_id = handling(api, dept)
    data = {"reason_code": "not_our_remit"}
    refused(case_id, "return_request", "urban_handler", data, 422, "return_limit_reached")


# -- unknown case, unknown action, tokens ----------------------------------------------------------


def test_unknown_case(client, auth, refused):
    refused(999999, "sign", "urban_handler", {}, 404, "case_not_found")
    refused(999999, "transfer", "dispatcher", {"target_department_id": 2}, 404, "case_not_found")
    before = snapshot()
    for ref in ("999999", "20260101-999999", "no-such-case"):
        resp = client.get(f"/api/v1/cases/{ref}", headers=auth("dispatcher"))
        assert_refused(resp, 404, "case_not_found")
    assert snapshot() == before


def test_unknown_action(api, client, auth):
    case_id = accepted(api)
    db.session.commit()
    before = snapshot()
    resp = post_action(client, auth, case_id, "frobnicate", "dispatcher", {})
    assert 400 <= resp.status_code < 500
    assert_refused(resp, 404, "unknown_action")
    assert snapshot() == before


def test_unknown_action_in_the_service(api, user):
    from app.cases import service
    from app.errors import NotFound

    case_id = accepted(api)
    before = snapshot()
    with pytest.raises(NotFound) as err:
        service.act(case_id, "frobnicate", {}, user("dispatcher"))
    assert err.value.code == "unknown_action"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "no_token"),
        ({"Authorization": "Bearer"}, "no_token"),
        ({"Authorization": "Basic YWdlbnQ6dGVzdC1wYXNz"}, "no_token"),
        ({"Authorization": "Bearer not-a-token"}, "bad_token"),
    ],
)
def test_missing_or_invalid_token(api, dept, client, headers, code):
    case_id = transferred(api, dept)
    db.session.commit()
    before = snapshot()
    for method, url, body in [
        ("post", f"/api/v1/cases/{case_id}/sign", {"data": {}}),
        ("post", "/api/v1/cases", INTAKE),
        ("get", f"/api/v1/cases/{case_id}", None),
        ("get", "/api/v1/cases", None),
        ("get", "/api/v1/inbox", None),
    ]:
        resp = getattr(client, method)(url, json=body, headers=headers)
        assert_refused(resp, 401, code)
    assert snapshot() == before


def test_token_signed_with_another_key_or_expired(api, dept, client, auth, app):
    from itsdangerous import URLSafeTimedSerializer

    case_id = transferred(api, dept)
    db.session.commit()
    before = snapshot()
    forged = URLSafeTimedSerializer("another-secret", salt="api-token").dumps({"uid": 1})
    resp = client.post(
        f"/api/v1/cases/{case_id}/sign",
        json={"data": {}},
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert_refused(resp, 401, "bad_token")
    valid = auth("urban_handler")
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1
    resp = client.post(f"/api/v1/cases/{case_id}/sign", json={"data": {}}, headers=valid)
    assert_refused(resp, 401, "token_expired")
    assert snapshot() == before


def test_wrong_password(client):
    before = snapshot()
    resp = client.post("/api/v1/auth/token", json={"username": "agent", "password": "nope"})
    assert_refused(resp, 401, "bad_credentials")
    resp = client.post("/api/v1/auth/token", json={"username": "agent"})
    assert_refused(resp, 422, "invalid_request")
    assert snapshot() == before


# -- intake ----------------------------------------------------------------------------------------

BAD_INTAKE = [
    ({"channel": "pigeon"}, "channel"),
    ({"citizen_phone": "call me"}, "citizen_phone"),
    ({"citizen_name": ""}, "citizen_name"),
    ({"content": "x"}, "content"),
    ({"content": None}, "content"),
    ({"priority": "whenever"}, "priority"),
    ({"case_type": "gossip"}, "case_type"),
    ({"answered": "perhaps"}, "answered"),
    ({"answered": 0}, "answered"),
    ({"answered": 1}, "answered"),
    ({"answered": "true"}, "answered"),
    ({"external_id": "x" * 81}, "external_id"),
    ({"external_id": ""}, "external_id"),
    ({"citizen_phone": "13800001111\n"}, "citizen_phone"),
    ({"citizen_name": "x" * 101}, "citizen_name"),
    ({"citizen_address": "x" * 256}, "citizen_address"),
    ({"category": "x" * 41}, "category"),
    ({"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_INTAKE)
def test_bad_intake_fields(client, auth, fields, field):
    before = snapshot()
    resp = client.post("/api/v1/cases", json={**INTAKE, **fields}, headers=auth("agent"))
    body = assert_refused(resp, 422, "invalid_request")
    assert field in str(body["details"]["errors"]), body
    assert snapshot() == before


@pytest.mark.parametrize(
    "missing", ["channel", "citizen_name", "citizen_phone", "content", "case_type"]
)
def test_intake_missing_field(client, auth, missing):
    before = snapshot()
    intake = {k: v for k, v in INTAKE.items() if k != missing}
    resp = client.post("/api/v1/cases", json=intake, headers=auth("agent"))
    body = assert_refused(resp, 422, "invalid_request")
    assert missing in str(body["details"]["errors"])
    assert snapshot() == before


def test_intake_not_json(client, auth):
    before = snapshot()
    resp = client.post(
        "/api/v1/cases", data="channel=phone", headers=auth("agent"), content_type="text/plain"
    )
    assert 400 <= resp.status_code < 500
    body = resp.get_json()
    assert isinstance(body["code"], str) and body["message"]["en"], body
    assert snapshot() == before


def test_unknown_category(client, auth):
    before = snapshot()
    resp = client.post(
        "/api/v1/cases", json={**INTAKE, "category": "astrology"}, headers=auth("agent")
    )
    assert_refused(resp, 422, "unknown_category")
    assert snapshot() == before


def test_unknown_case_type_in_the_database(client, auth):
    """A type the API knows but this installation has not loaded is refused by the service."""
    from sqlalchemy import update

    from app.models import CaseType

    db.session.execute(update(CaseType).where(CaseType.code == "praise").values(code="praise_x"))
    db.session.commit()
    try:
        before = snapshot()
        resp = client.post(
            "/api/v1/cases", json={**INTAKE, "case_type": "praise"}, headers=auth("agent")
        )
        assert_refused(resp, 422, "unknown_case_type")
        assert snapshot() == before
    finally:
        db.session.rollback()
        db.session.execute(
            update(CaseType).where(CaseType.code == "praise_x").values(code="praise")
        )
        db.session.commit()


def test_answered_without_answer(client, auth):
    before = snapshot()
    resp = client.post(
        "/api/v1/cases", json={**INTAKE, "answered": True, "answer": "  "}, headers=auth("agent")
    )
    assert_refused(resp, 422, "answer_required")
    assert snapshot() == before


@pytest.mark.parametrize("as_user", ["urban_handler", "revisit", "leader", "oversight"])
def test_intake_by_a_role_that_cannot_accept(client, auth, as_user):
    before = snapshot()
    resp = client.post("/api/v1/cases", json=INTAKE, headers=auth(as_user))
    assert_refused(resp, 403, "role_not_allowed")
    assert snapshot() == before


@pytest.mark.parametrize(
    "args",
    [
        "status=lost",
        "department_id=0",
        "department_id=2147483648",
        "department_id=%D9%A1",  # ١ (Arabic-Indic one)
        "overdue=yes",
        "page=1.0",
        "case_type=gossip",
        "channel=pigeon",
        "created_from=yesterday",
        "overdue=maybe",
        "q=x",
        "page=0",
        "per_page=1000",
        "sort=colour",
    ],
)
def test_bad_list_arguments(client, auth, args):
    resp = client.get(f"/api/v1/cases?{args}", headers=auth("dispatcher"))
    assert_refused(resp, 422, "invalid_request")


# -- scopes ----------------------------------------------------------------------------------------


def _ids(client, auth, as_user, query=""):
    resp = client.get(f"/api/v1/cases?per_page=200{query}", headers=auth(as_user))
    assert resp.status_code == 200, resp.get_json()
    return {item["id"] for item in resp.get_json()["items"]}


def test_department_sees_only_cases_sent_to_it(api, dept, client, auth):
    urban = transferred(api, dept)
    housing = transferred(api, dept, target="housing")
    not_sent = accepted(api)
    assert _ids(client, auth, "urban_handler") == {urban}
    assert _ids(client, auth, "housing_handler") == {housing}
    assert _ids(client, auth, "east_urban_handler") == set()
    for as_user, case_id in [
        ("urban_handler", housing),
        ("urban_handler", not_sent),
        ("housing_handler", urban),
        ("east_urban_handler", urban),
        ("east_dispatcher", urban),
    ]:
        resp = client.get(f"/api/v1/cases/{case_id}", headers=auth(as_user))
        assert_refused(resp, 404, "case_not_found")
        number = api.get(case_id)["number"]
        resp = client.get(f"/api/v1/cases/{number}", headers=auth(as_user))
        assert_refused(resp, 404, "case_not_found")
    assert api.get(urban, as_user="urban_handler")["id"] == urban


def test_department_keeps_seeing_a_case_after_it_left(api, dept, client, auth):
    case_id = transferred(api, dept)
    api.act(case_id, "recall", "dispatcher", reason="派错了")
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("housing"))
    assert case_id in _ids(client, auth, "urban_handler")
    assert api.get(case_id, as_user="urban_handler")["allowed_actions"] == []


def test_district_centre_sees_its_subtree(api, dept, client, auth):
    east = at_east_urban(api, dept)
    city = transferred(api, dept)
    assert _ids(client, auth, "east_dispatcher") == {east}
    assert _ids(client, auth, "east_urban_handler") == {east}
    assert _ids(client, auth, "west_dispatcher") == set()
    assert city in _ids(client, auth, "dispatcher")


def test_leader_sees_the_departments_they_oversee(api, dept, client, auth):
    east = at_east_urban(api, dept)
    east_centre_only = transferred(api, dept, target="east")
    housing = transferred(api, dept, target="housing")
    urban = transferred(api, dept)
    west = transferred(api, dept, target="west")
    not_sent = accepted(api)
    assert _ids(client, auth, "leader") == {east, east_centre_only, housing}
    assert api.get(east, as_user="leader")["id"] == east
    assert api.get(housing, as_user="leader")["id"] == housing
    for case_id in (urban, west, not_sent):
        resp = client.get(f"/api/v1/cases/{case_id}", headers=auth("leader"))
        assert_refused(resp, 404, "case_not_found")
    # Oversight and administrators see everything.
    everything = {east, east_centre_only, housing, urban, west, not_sent}
    assert _ids(client, auth, "oversight") == everything
    assert _ids(client, auth, "admin") == everything


def test_leader_cannot_act(api, dept, refused):
    case_id = transferred(api, dept, target="housing")
    refused(case_id, "sign", "leader", {}, 403, "role_not_allowed")
    case_id = transferred(api, dept)
    refused(case_id, "sign", "leader", {}, 404, "case_not_found")


# -- list filters ----------------------------------------------------------------------------------


@pytest.fixture
def listed(api, dept):
    """Five cases over three days, in different states, types, channels and phones."""
    cases = {}
    clock.freeze(MONDAY)
    cases["a"] = api.create(channel="phone", case_type="help", citizen_phone="13800001111")
    cases["b"] = api.create(
        channel="web", case_type="complaint", citizen_phone="13900002222", content="噪音扰民严重"
    )
    api.act(cases["b"]["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    clock.freeze(MONDAY.replace(day=3))
    cases["c"] = api.create(
        channel="web", case_type="help", citizen_phone="13700003333", content="路面塌陷有坑"
    )
    api.act(cases["c"]["id"], "transfer", "dispatcher", target_department_id=dept("housing"))
    api.act(cases["c"]["id"], "sign", "housing_handler")
    clock.freeze(MONDAY.replace(day=4))
    cases["d"] = api.create(
        channel="letter",
        case_type="enquiry",
        citizen_phone="13800004444",
        content="咨询社保缴费50%比例",
    )
    cases["e"] = api.create(
        channel="phone",
        case_type="praise",
        citizen_phone="021-66667777",
        answered=True,
        answer="感谢来电",
    )
    clock.freeze(MONDAY.replace(day=4, hour=16))
    return {k: v["id"] for k, v in cases.items()}, {k: v["number"] for k, v in cases.items()}


def _list(client, auth, query, as_user="dispatcher"):
    # Quote only the values (q may hold %, _ and Chinese).
    pairs = [p.partition("=") for p in query.split("&") if p]
    query = "&".join(f"{k}={quote(v)}" for k, _, v in pairs)
    resp = client.get(f"/api/v1/cases?{query}", headers=auth(as_user))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _names(client, auth, ids, query, as_user="dispatcher"):
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i["id"]] for i in _list(client, auth, query, as_user)["items"]}


def test_list_filters(listed, client, auth, dept):
    ids, numbers = listed
    names = lambda q: _names(client, auth, ids, q)  # noqa: E731
    assert names("") == set("abcde")
    assert names("status=accepted") == {"a", "d"}
    assert names("status=transferred") == {"b"}
    assert names("status=handling") == {"c"}
    assert names("status=closed") == {"e"}
    assert names("status=replied") == set()
    assert names(f"department_id={dept('urban')}") == {"b"}
    assert names(f"department_id={dept('housing')}") == {"c"}
    assert names(f"department_id={dept('city')}") == {"a", "d"}
    assert names("case_type=help") == {"a", "c"}
    assert names("case_type=report") == set()
    assert names("channel=web") == {"b", "c"}
    assert names("channel=web&case_type=help") == {"c"}
    assert names("created_from=2026-03-03") == {"c", "d", "e"}
    assert names("created_to=2026-03-03") == {"a", "b", "c"}
    assert names("created_from=2026-03-03&created_to=2026-03-03") == {"c"}
    assert names("created_from=2026-03-05") == set()


def test_list_overdue(listed, client, auth):
    ids, _ = listed
    names = lambda q: _names(client, auth, ids, q)  # noqa: E731
    # b waits for signature since Monday 10:00 (4 working hours): overdue by Wednesday.
    assert names("overdue=true") == {"b"}
    assert names("overdue=false") == set("acde")
    body = _list(client, auth, "overdue=true")
    assert body["items"][0]["status"]["overdue"] is True


def test_list_fuzzy_search(listed, client, auth):
    ids, numbers = listed
    names = lambda q: _names(client, auth, ids, q)  # noqa: E731
    assert names(f"q={numbers['c']}") == {"c"}
    assert names(f"q={numbers['a'][:8]}") == {"a", "b"}  # number prefix: Monday's cases
    assert names("q=0000") == {"a", "b", "c", "d"}  # phone substring
    assert names("q=00002222") == {"b"}
    assert names("q=塌陷") == {"c"}
    assert names("q=50%比例") == {"d"}
    assert names("q=5_%") == set()  # LIKE wildcards are taken literally
    assert names("q=路灯") == {"a", "e"}  # INTAKE content
    assert names("q=路灯&channel=phone&status=closed") == {"e"}
    assert names("q=66667777") == {"e"}


def test_list_pagination_and_sort(listed, client, auth):
    ids, numbers = listed
    by_id = {v: k for k, v in ids.items()}

    def order(query):
        return [by_id[i["id"]] for i in _list(client, auth, query)["items"]]

    # Cases created at the same (frozen) moment are ordered by id, newest first.
    assert order("sort=created_at") == ["b", "a", "c", "e", "d"]
    assert order("sort=number") == ["a", "b", "c", "d", "e"]
    assert order("sort=-number") == ["e", "d", "c", "b", "a"]
    # Default: newest first; ties (same created_at) by id descending.
    assert order("") == ["e", "d", "c", "b", "a"]
    page1 = _list(client, auth, "sort=number&per_page=2&page=1")
    page2 = _list(client, auth, "sort=number&per_page=2&page=2")
    page3 = _list(client, auth, "sort=number&per_page=2&page=3")
    page4 = _list(client, auth, "sort=number&per_page=2&page=4")
    assert [by_id[i["id"]] for i in page1["items"]] == ["a", "b"]
    assert [by_id[i["id"]] for i in page2["items"]] == ["c", "d"]
    assert [by_id[i["id"]] for i in page3["items"]] == ["e"]
    assert page4["items"] == []
    for page in (page1, page2, page3, page4):
        assert page["total"] == 5 and page["total_capped"] is False and page["per_page"] == 2
    assert page2["page"] == 2
    # handle_due_at: only c has a handling clock (signed); NULLs go last ascending on both DBs?
    due = order("sort=handle_due_at&status=handling")
    assert due == ["c"]


def test_list_respects_scope_with_filters(listed, client, auth):
    ids, _ = listed
    assert _names(client, auth, ids, "", as_user="housing_handler") == {"c"}
    assert _names(client, auth, ids, "status=transferred", as_user="housing_handler") == set()
    assert _names(client, auth, ids, "", as_user="leader") == {"c"}
    body = _list(client, auth, "", as_user="urban_handler")
    assert body["total"] == 1
