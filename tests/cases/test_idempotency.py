"""Intake is idempotent: a call or web submission that arrives twice makes one case.

A key (Idempotency-Key header, else external_id) belongs to the user who sent it and to the
body it came with: another user's same key is another key, and the same key with another body
is refused. Case numbers are the intake date and a per-day sequence: YYYYMMDD-NNNNNN.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.cases import intake
from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, WorkflowInstance
from tests.conftest import snapshot
from tests.helpers import INTAKE

NUMBER = re.compile(r"^(\d{8})-(\d{6})$")


def post_intake(client, auth, headers=None, **fields):
    return client.post(
        "/api/v1/cases",
        json={**INTAKE, **fields},
        headers={**auth("agent"), **(headers or {})},
    )


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_same_idempotency_key_gives_one_case(client, auth):
    key = {"Idempotency-Key": "call-7f3a9c"}
    first = post_intake(client, auth, key)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True
    assert re.fullmatch(r"\d{6}", body["query_password"])

    db.session.commit()
    before = snapshot()
    again = post_intake(client, auth, key)
    assert again.status_code == 200, again.get_json()
    replay = again.get_json()
    assert replay["created"] is False
    assert replay["id"] == body["id"]
    assert replay["number"] == body["number"]
    assert replay["query_password"] is None
    assert replay["status"] == body["status"]
    assert snapshot() == before  # a replay writes nothing, not even a case number
    assert count(Case) == 1
    assert count(WorkflowInstance) == 1
    assert count(CaseEvent) == 1


def test_same_key_with_another_body_is_refused(client, auth):
    key = {"Idempotency-Key": "retry-42"}
    first = post_intake(client, auth, key).get_json()
    db.session.commit()
    before = snapshot()
    again = post_intake(client, auth, key, content="第二次提交的内容不同", channel="web")
    assert again.status_code == 409, again.get_json()
    body = again.get_json()
    assert body["code"] == "idempotency_key_reused"
    assert body["message"]["zh"] and body["message"]["en"]
    assert "number" not in body and first["number"] not in json.dumps(body)
    assert snapshot() == before
    # The first body, sent again, is still a replay of its case.
    replay = post_intake(client, auth, key)
    assert replay.status_code == 200 and replay.get_json()["id"] == first["id"]


def test_a_default_spelled_out_is_the_same_body(client, auth):
    key = {"Idempotency-Key": "defaults"}
    first = post_intake(client, auth, key).get_json()
    spelled_out = {"priority": "normal", "answered": False, "answer": "", "category": None}
    again = post_intake(client, auth, key, **spelled_out)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["id"] == first["id"]


def test_same_key_from_another_user_is_another_case(client, auth):
    key = {"Idempotency-Key": "call-0001"}
    mine = post_intake(client, auth, key).get_json()
    theirs = client.post("/api/v1/cases", json=INTAKE, headers={**auth("dispatcher"), **key})
    assert theirs.status_code == 201, theirs.get_json()
    theirs = theirs.get_json()
    assert theirs["created"] is True and theirs["id"] != mine["id"]
    assert theirs["query_password"] is not None
    # Each user's replay answers with that user's own case.
    assert post_intake(client, auth, key).get_json()["id"] == mine["id"]
    replay = client.post("/api/v1/cases", json=INTAKE, headers={**auth("dispatcher"), **key})
    assert replay.status_code == 200 and replay.get_json()["id"] == theirs["id"]
    assert count(Case) == 2


def test_replay_of_a_case_that_moved_on_shows_its_current_status(api, client, auth, dept):
    key = {"Idempotency-Key": "web-form-991"}
    first = post_intake(client, auth, key).get_json()
    api.act(first["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    again = post_intake(client, auth, key).get_json()
    assert again["created"] is False
    assert again["status"]["status"] == "transferred"


def test_same_external_id_gives_one_case(client, auth):
    first = post_intake(client, auth, external_id="open311-REQ-000123")
    assert first.status_code == 201
    again = post_intake(client, auth, external_id="open311-REQ-000123")
    assert again.status_code == 200, again.get_json()
    body, replay = first.get_json(), again.get_json()
    assert replay["created"] is False
    assert replay["id"] == body["id"] and replay["number"] == body["number"]
    assert replay["query_password"] is None
    assert count(Case) == 1


def test_same_external_id_from_another_user_is_another_case(client, auth):
    first = post_intake(client, auth, external_id="ivr-20260302-0001").get_json()
    other = client.post(
        "/api/v1/cases",
        json={**INTAKE, "external_id": "ivr-20260302-0001"},
        headers=auth("dispatcher"),
    )
    assert other.status_code == 201, other.get_json()
    assert other.get_json()["id"] != first["id"]
    assert count(Case) == 2


def test_same_external_id_with_another_body_is_refused(client, auth):
    post_intake(client, auth, external_id="open311-REQ-000777")
    again = post_intake(client, auth, external_id="open311-REQ-000777", content="另一件事情")
    assert again.status_code == 409
    assert again.get_json()["code"] == "idempotency_key_reused"
    assert count(Case) == 1


@pytest.mark.parametrize(
    "key", ["", "   ", "k" * 81, "k" * 5000], ids=["empty", "blank", "81-chars", "5000-chars"]
)
def test_unusable_idempotency_key_is_refused(client, auth, key):
    resp = post_intake(client, auth, {"Idempotency-Key": key})
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["code"] == "invalid_idempotency_key"
    assert "80" in body["message"]["en"] and body["message"]["zh"]
    assert count(Case) == 0


@pytest.mark.parametrize(
    "key",
    ["bell\x07key", "del\x7fkey", "tab\tinside", "n\u00e9e"],
    ids=["control", "DEL", "tab", "non-ascii"],
)
def test_idempotency_key_with_characters_no_header_may_hold_is_refused(client, auth, key):
    """The request guard refuses them before the view, as in every header it reads."""
    resp = post_intake(client, auth, {"Idempotency-Key": key})
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["code"] == "invalid_characters"
    assert count(Case) == 0


def test_idempotency_key_of_80_characters_is_fine(client, auth):
    key = {"Idempotency-Key": "k" * 80}
    first = post_intake(client, auth, key)
    assert first.status_code == 201
    assert post_intake(client, auth, key).get_json()["id"] == first.get_json()["id"]


@pytest.mark.parametrize(
    ("external_id", "status", "code"),
    [
        ("", 422, "invalid_request"),  # the intake schema: at least one character
        ("  ", 422, "invalid_external_id"),  # the key's own rules (app/cases/idempotency.py)
        ("a\x00b", 400, "invalid_characters"),  # the request guard, as for any string
    ],
    ids=["empty", "blank", "NUL"],
)
def test_unusable_external_id_is_refused(client, auth, external_id, status, code):
    resp = post_intake(client, auth, external_id=external_id)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["code"] == code
    assert count(Case) == 0


def test_over_long_external_id_is_refused(client, auth):
    resp = post_intake(client, auth, external_id="e" * 81)
    assert resp.status_code == 422
    assert count(Case) == 0


def test_different_keys_give_two_cases(client, auth):
    a = post_intake(client, auth, {"Idempotency-Key": "k-1"}).get_json()
    b = post_intake(client, auth, {"Idempotency-Key": "k-2"}).get_json()
    c = post_intake(client, auth, external_id="e-1").get_json()
    d = post_intake(client, auth, external_id="e-2").get_json()
    assert all(x["created"] for x in (a, b, c, d))
    assert len({x["id"] for x in (a, b, c, d)}) == 4
    assert len({x["number"] for x in (a, b, c, d)}) == 4
    assert count(Case) == 4


def test_header_key_and_external_id_do_not_collide(client, auth):
    a = post_intake(client, auth, {"Idempotency-Key": "same-text"}).get_json()
    b = post_intake(client, auth, external_id="same-text").get_json()
    assert a["created"] and b["created"] and a["id"] != b["id"]


def test_header_key_wins_over_external_id(client, auth):
    first = post_intake(client, auth, {"Idempotency-Key": "h-1"}, external_id="x-1").get_json()
    again = post_intake(client, auth, {"Idempotency-Key": "h-1"}, external_id="x-1")
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    # Same header, another external id: the header is the key, and the body is another one.
    other_body = post_intake(client, auth, {"Idempotency-Key": "h-1"}, external_id="x-2")
    assert other_body.status_code == 409
    # The external id alone was not recorded as a key.
    other = post_intake(client, auth, external_id="x-1")
    assert other.status_code == 201


def test_without_any_key_each_submission_is_a_case(client, auth):
    a = post_intake(client, auth).get_json()
    b = post_intake(client, auth).get_json()
    assert a["created"] and b["created"] and a["id"] != b["id"]


def test_refused_intake_does_not_burn_the_key(client, auth):
    key = {"Idempotency-Key": "fix-and-retry"}
    bad = post_intake(client, auth, key, category="astrology")
    assert bad.status_code == 422
    assert count(Case) == 0
    good = post_intake(client, auth, key)
    assert good.status_code == 201 and good.get_json()["created"] is True


def test_case_numbers_are_date_based_and_sequential_per_day(client, auth):
    clock.freeze(datetime(2026, 3, 2, 9, 30))
    monday = [post_intake(client, auth).get_json()["number"] for _ in range(3)]
    assert monday == ["20260302-000001", "20260302-000002", "20260302-000003"]
    # A replay takes no number.
    key = {"Idempotency-Key": "n-1"}
    first = post_intake(client, auth, key).get_json()["number"]
    assert first == "20260302-000004"
    assert post_intake(client, auth, key).get_json()["number"] == first
    assert post_intake(client, auth).get_json()["number"] == "20260302-000005"
    # A new day starts again at 1; the previous day is not affected.
    clock.freeze(datetime(2026, 3, 3, 0, 0, 1))
    assert post_intake(client, auth).get_json()["number"] == "20260303-000001"
    assert post_intake(client, auth).get_json()["number"] == "20260303-000002"
    clock.freeze(datetime(2026, 3, 2, 23, 59, 59))
    assert post_intake(client, auth).get_json()["number"] == "20260302-000006"


def test_case_number_uses_todays_date(client, auth):
    body = post_intake(client, auth).get_json()
    day, seq = NUMBER.fullmatch(body["number"]).groups()
    assert day == clock.now().strftime("%Y%m%d")
    assert int(seq) >= 1
    # Found by its number as well as its id.
    resp = client.get(f"/api/v1/cases/{body['number']}", headers=auth("dispatcher"))
    assert resp.status_code == 200 and resp.get_json()["id"] == body["id"]


def test_refused_intake_takes_no_number(client, auth):
    clock.freeze(datetime(2026, 3, 2, 9, 30))
    assert post_intake(client, auth).get_json()["number"] == "20260302-000001"
    assert post_intake(client, auth, category="astrology").status_code == 422
    assert post_intake(client, auth).get_json()["number"] == "20260302-000002"


def test_duplicate_submissions_at_the_same_moment_make_one_case(app, auth, monkeypatch):
    """Two intakes with one key race past the "already there?" check: the database decides."""
    headers = {**auth("agent"), "Idempotency-Key": "double-click"}
    db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    original = intake._create

    def create_after_both_checked(*args, **kwargs):
        barrier.wait()  # both requests have looked for the key and found nothing
        return original(*args, **kwargs)

    monkeypatch.setattr(intake, "_create", create_after_both_checked)
    results = []

    def submit():
        with app.app_context():
            resp = app.test_client().post("/api/v1/cases", json=INTAKE, headers=headers)
            results.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(code for code, _ in results) == [200, 201], results
    created = next(body for code, body in results if code == 201)
    replay = next(body for code, body in results if code == 200)
    assert replay["id"] == created["id"] and replay["number"] == created["number"]
    assert replay["created"] is False and replay["query_password"] is None
    assert count(Case) == 1
    assert count(WorkflowInstance) == 1
    assert created["number"].endswith("-000001")
