"""Reference data in the API: readable with any role's token, described in the OpenAPI
document, refusing a bad year or an unknown parameter in our error shape."""

from __future__ import annotations

import pytest

from app.models.catalog import CASE_TYPES, PRIORITIES

PATHS = [
    "/api/v1/reference/departments",
    "/api/v1/reference/case-types",
    "/api/v1/reference/categories",
    "/api/v1/reference/limits",
    "/api/v1/reference/calendar",
]


def is_error(body: dict, code: str) -> bool:
    return body["code"] == code and set(body["message"]) == {"zh", "en"}


@pytest.mark.parametrize("path", PATHS)
def test_every_role_reads_it_and_nobody_without_a_token(client, auth, path):
    for username in ("agent", "east_urban_handler", "designer", "leader"):
        resp = client.get(path, headers=auth(username))
        assert resp.status_code == 200, (username, resp.get_json())
    resp = client.get(path)
    assert resp.status_code == 401 and is_error(resp.get_json(), "no_token")


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_parameter_is_refused_in_our_shape(client, auth, path):
    resp = client.get(path, query_string={"colour": "red"}, headers=auth("agent"))
    assert resp.status_code == 422
    body = resp.get_json()
    assert is_error(body, "invalid_request")
    assert "colour" in str(body["details"])


def test_the_department_tree_names_kinds_parents_and_initials(client, auth, dept):
    items = client.get(PATHS[0], headers=auth("agent")).get_json()["items"]
    by_code = {d["code"]: d for d in items}
    city, east, east_urban = by_code["city"], by_code["east"], by_code["east_urban"]
    assert items[0] == city and city["parent_id"] is None and city["kind"] == "city"
    assert east["kind"] == "district" and east["parent_id"] == city["id"]
    assert east_urban["kind"] == "department" and east_urban["parent_id"] == east["id"]
    assert east_urban["depth"] == 2 and east_urban["district"] == "东城区12345分中心"
    assert east_urban["name"] == "东城区城管局" and east_urban["initials"] == "dcqcgj"
    assert east_urban["id"] == dept("east_urban")
    order = [d["id"] for d in items]
    assert order.index(east["id"]) < order.index(east_urban["id"])  # a parent first


def test_inactive_departments_only_when_asked(client, auth, dept):
    from app.extensions import db
    from app.models import Department

    market = db.session.get(Department, dept("west_market"))
    market.active = False
    db.session.commit()
    try:
        listed = client.get(PATHS[0], headers=auth("agent")).get_json()["items"]
        assert "west_market" not in {d["code"] for d in listed}
        everything = client.get(
            PATHS[0], query_string={"include_inactive": "true"}, headers=auth("agent")
        ).get_json()["items"]
        assert {"code": "west_market", "active": False}.items() <= next(
            d for d in everything if d["code"] == "west_market"
        ).items()
        bad = client.get(PATHS[0], query_string={"include_inactive": "yes"}, headers=auth("agent"))
        assert bad.status_code == 422 and is_error(bad.get_json(), "invalid_request")
    finally:
        market.active = True
        db.session.commit()


def test_case_types_carry_their_limits_per_priority(client, auth):
    body = client.get(PATHS[1], headers=auth("agent")).get_json()
    assert [t["code"] for t in body["items"]] == list(CASE_TYPES)
    assert body["priorities"] == list(PRIORITIES)
    complaint = next(t for t in body["items"] if t["code"] == "complaint")
    assert complaint["name"] == "投诉" and complaint["name_en"] == "Complaint"
    assert [lim["priority"] for lim in complaint["limits"]] == list(PRIORITIES)
    normal = complaint["limits"][0]
    assert normal == {
        "case_type": "complaint",
        "priority": "normal",
        "sign_hours": 4.0,
        "handle_days": 10,
        "revisit_days": 3,
        "decision_hours": 8.0,
        "warn_hours": 4.0,
    }


def test_limits_filter_by_type_and_priority(client, auth):
    query = {"case_type": "help", "priority": "urgent"}
    items = client.get(PATHS[3], query_string=query, headers=auth("agent")).get_json()["items"]
    assert [(i["case_type"], i["priority"], i["handle_days"]) for i in items] == [
        ("help", "urgent", 2)
    ]
    everything = client.get(PATHS[3], headers=auth("agent")).get_json()["items"]
    assert len(everything) == len(CASE_TYPES) * len(PRIORITIES)
    bad = client.get(PATHS[3], query_string={"priority": "asap"}, headers=auth("agent"))
    assert bad.status_code == 422 and "priority" in str(bad.get_json()["details"])


def test_categories_are_a_tree_of_codes(client, auth):
    items = client.get(PATHS[2], headers=auth("agent")).get_json()["items"]
    urban = next(c for c in items if c["code"] == "urban")
    assert urban == {
        "id": urban["id"],
        "code": "urban",
        "name": "城市管理",
        "name_en": "Urban management",
        "parent_id": None,
        "depth": 0,
    }


def test_the_calendar_of_2026_is_the_state_councils(client, auth):
    body = client.get(PATHS[4], query_string={"year": 2026}, headers=auth("agent")).get_json()
    assert body["year"] == 2026
    assert (body["workday_start"], body["workday_end"]) == ("09:00", "17:00")
    days = {d["date"]: (d["kind"], d["name"]) for d in body["days"]}
    assert days["2026-02-15"] == ("holiday", "春节") and days["2026-02-23"] == ("holiday", "春节")
    assert days["2026-02-14"] == ("workday", "春节") and days["2026-02-28"] == ("workday", "春节")
    assert days["2026-10-10"] == ("workday", "国庆节") and days["2026-09-20"] == (
        "workday",
        "国庆节",
    )
    assert sum(1 for k, _n in days.values() if k == "workday") == 6
    assert list(days) == sorted(days)


def test_the_calendar_defaults_to_this_year(client, auth):
    from datetime import datetime

    from app.clock import clock

    clock.freeze(datetime(2026, 5, 1, 10, 0))
    body = client.get(PATHS[4], headers=auth("agent")).get_json()
    assert body["year"] == 2026 and body["days"]
    clock.freeze(datetime(2031, 1, 5, 10, 0))
    assert client.get(PATHS[4], headers=auth("agent")).get_json() == {
        **body,
        "year": 2031,
        "days": [],
    }


@pytest.mark.parametrize("year", ["1999", "2101", "twenty", "2026.0", "-1", ""])
def test_a_bad_year_is_refused_in_our_shape(client, auth, year):
    resp = client.get(PATHS[4], query_string={"year": year}, headers=auth("agent"))
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert is_error(body, "invalid_request") and "year" in body["details"]["errors"]["query"]


def test_the_openapi_document_describes_them(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in PATHS:
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearerAuth": []}]
        assert "200" in operation["responses"] and "422" in operation["responses"]
    year = next(
        p
        for p in spec["paths"]["/api/v1/reference/calendar"]["get"]["parameters"]
        if p["name"] == "year"
    )
    assert year["schema"]["minimum"] == 2000 and year["schema"]["maximum"] == 2100
