"""POST /api/v1/telephony/status-query: a case's status by keypad; wrong numbers and wrong
passwords answer alike; the sixth failure in an hour from one number is refused, as is any
query after it, on every worker (the failures are rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import clock
from tests.conftest import snapshot
from tests.telephony.conftest import NOW

URL = "/api/v1/telephony/status-query"


def query(client, headers, number, password, caller="13800000000"):
    return client.post(
        URL, json={"number": number, "password": password, "caller": caller}, headers=headers
    )


@pytest.fixture
def case(api, now):
    return api.create()


def test_the_right_password_reads_the_status(client, bridge, case):
    digits = case["number"].replace("-", "")
    for number in (digits, case["number"]):
        resp = query(client, bridge, number, case["query_password"])
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["number"] == case["number"] and body["status"] == "accepted"
        assert body["words"] == {"zh": "已受理", "en": "Accepted"}


def test_a_wrong_password_and_a_wrong_number_answer_alike(client, bridge, case):
    wrong_password = query(
        client, bridge, case["number"], "000000" if case["query_password"] != "000000" else "111111"
    )
    wrong_number = query(client, bridge, "20991231999999", case["query_password"])
    assert wrong_password.status_code == wrong_number.status_code == 404
    assert wrong_password.get_json() == wrong_number.get_json()
    assert wrong_number.get_json()["code"] == "case_not_found"


def test_five_failures_an_hour_refuse_the_caller(client, bridge, case):
    wrong = "000000" if case["query_password"] != "000000" else "111111"
    for _ in range(5):
        assert query(client, bridge, case["number"], wrong).status_code == 404
    refused = query(client, bridge, case["number"], case["query_password"])
    assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_attempts"
    other = query(client, bridge, case["number"], case["query_password"], caller="13911112222")
    assert other.status_code == 200  # another caller is not refused
    clock.freeze(NOW + timedelta(minutes=61))
    assert query(client, bridge, case["number"], case["query_password"]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"number": "2026-12-01", "password": "123456"},
        {"number": "abc", "password": "123456"},
        {"number": "20261201000001", "password": "12a456"},
        {"number": 20261201000001, "password": "123456"},
        {"number": "20261201000001"},
        {"number": "20261201000001", "password": "123456", "caller": "138 0000"},
    ],
)
def test_bad_queries_are_422_and_count_nothing(client, bridge, now, body):
    before = snapshot()
    resp = client.post(URL, json=body, headers=bridge)
    assert resp.status_code == 422, resp.get_json()
    assert snapshot() == before


def test_agents_may_not_query_by_keypad(client, auth, case):
    resp = query(client, auth("agent"), case["number"], case["query_password"])
    assert resp.status_code == 403
