"""Revisit (回访): replied cases to call back, the nearest revisit deadline first, with the reply
and its result; recording the result; unsatisfied reopens the case and needs a reason."""

from __future__ import annotations

from app.extensions import db
from app.models import Case
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.pages.inbox_helpers import at, replied, rows, signed_in, task_of


def test_replied_cases_nearest_revisit_deadline_first(app, api, dept):
    at(9)
    first = replied(api, dept, citizen_phone="13700000001")
    at(11)
    second = replied(api, dept, "housing", "housing_handler")
    html = signed_in(app, "revisit").get("/revisit").get_data(as_text=True)
    assert rows(html) == [str(first["id"]), str(second["id"])]
    assert "路灯已修复" in html and "已解决" in html and "13700000001" in html
    assert "东城区城管局" in html and "市住建局" in html  # who replied
    assert 'data-testid="count-revisit">2<' in html and 'data-action="revisit"' in html
    assert 'data-standing="normal"' in html


def revisit_form(client, api, case):
    task = task_of(api, case["id"], "revisit")
    page = client.get(
        f"/cases/{case['id']}/actions/revisit?task_id={task}&next=/revisit",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    return task, page


def test_satisfied_closes_the_case(app, api, dept):
    at(9)
    case = replied(api, dept)
    client = signed_in(app, "revisit")
    task, form = revisit_form(client, api, case)
    assert 'name="result"' in form and "满意" in form and "不满意" in form
    resp = client.post(
        f"/cases/{case['id']}/actions/revisit",
        data={
            "csrf_token": csrf_of(form),
            "task_id": task,
            "result": "satisfied",
            "next": "/revisit",
        },
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/revisit"
    db.session.expire_all()
    stored = db.session.get(Case, case["id"])
    assert (stored.status, stored.satisfaction) == ("closed", "satisfied")
    assert rows(client.get("/revisit").get_data(as_text=True)) == []


def test_unsatisfied_needs_a_reason_then_reopens(app, api, dept):
    at(9)
    case = replied(api, dept)
    client = signed_in(app, "revisit")
    task, form = revisit_form(client, api, case)
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/revisit",
        data={"csrf_token": csrf_of(form), "task_id": task, "result": "unsatisfied"},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 422
    marked = resp.get_data(as_text=True)
    assert 'data-testid="error-reason"' in marked and "<html" not in marked
    assert snapshot() == before
    resp = client.post(
        f"/cases/{case['id']}/actions/revisit",
        data={
            "csrf_token": csrf_of(form),
            "task_id": task,
            "result": "unsatisfied",
            "reason": "路灯仍然不亮",
            "next": "/revisit",
        },
    )
    assert resp.status_code == 303
    db.session.expire_all()
    stored = db.session.get(Case, case["id"])
    assert stored.status == "accepted" and stored.reopen_count == 1  # back to dispatch
    assert rows(client.get("/revisit").get_data(as_text=True)) == []
    dispatch = signed_in(app, "dispatcher").get("/dispatch").get_data(as_text=True)
    assert str(case["id"]) in rows(dispatch)


def test_a_result_not_in_the_list_is_marked(app, api, dept):
    at(9)
    case = replied(api, dept)
    client = signed_in(app, "revisit")
    task, form = revisit_form(client, api, case)
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/revisit",
        data={"csrf_token": csrf_of(form), "task_id": task, "result": "hung_up"},
    )
    assert resp.status_code == 422 and 'data-testid="error-result"' in resp.get_data(as_text=True)
    assert snapshot() == before


def test_a_bad_page_says_so(app, api, dept):
    at(9)
    case = replied(api, dept)
    resp = signed_in(app, "revisit").get("/revisit?page=abc")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "页码无效" in html and rows(html) == [str(case["id"])]


def test_only_the_revisit_desk_has_cases_to_call_back(app, api, dept):
    at(9)
    replied(api, dept)
    for username in ("east_urban_handler", "dispatcher", "leader"):
        resp = signed_in(app, username).get("/revisit")
        assert resp.status_code == 200 and rows(resp.get_data(as_text=True)) == [], username
