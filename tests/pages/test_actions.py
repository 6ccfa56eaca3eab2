"""Taking an action from a page: the form is the action's schema; a refused field is marked and
nothing changes; another department's case is a 404; done, the case has moved on."""

from __future__ import annotations

from app.extensions import db
from app.models import Case
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of


def transferred_to(api, dept, code: str = "east_urban") -> dict:
    case = api.create()
    detail = api.get(case["id"])
    task = detail["open_tasks"][0]["task_id"]
    api.act(case["id"], "transfer", "dispatcher", task_id=task, target_department_id=dept(code))
    return case


def test_the_dispatcher_transfers_a_case_through_the_form(api, client, page_login, dept):
    case = api.create()
    page_login("dispatcher")
    task = api.get(case["id"])["open_tasks"][0]["task_id"]
    html = client.get(f"/cases/{case['id']}/actions/transfer?task_id={task}").get_data(as_text=True)
    assert 'name="target_department_id"' in html and "东城区12345分中心" in html
    resp = client.post(
        f"/cases/{case['id']}/actions/transfer",
        data={
            "csrf_token": csrf_of(html),
            "task_id": task,
            "target_department_id": str(dept("east")),
            "next": "/",
        },
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).current_department_id == dept("east")


def test_a_missing_required_field_is_marked_and_nothing_changes(api, client, page_login, dept):
    case = transferred_to(api, dept, "east")
    api.act(case["id"], "sign", "east_dispatcher")
    page_login("east_dispatcher")
    task = api.get(case["id"], "east_dispatcher")["open_tasks"][0]["task_id"]
    html = client.get(f"/cases/{case['id']}/actions/transfer?task_id={task}").get_data(as_text=True)
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/transfer",
        data={"csrf_token": csrf_of(html), "task_id": task},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'data-testid="error-target_department_id"' in page and "必填" in page
    assert snapshot() == before


def test_a_service_refusal_is_shown_and_nothing_changes(api, client, page_login, dept):
    case = transferred_to(api, dept, "east")
    api.act(case["id"], "sign", "east_dispatcher")
    page_login("east_dispatcher")
    task = api.get(case["id"], "east_dispatcher")["open_tasks"][0]["task_id"]
    html = client.get(f"/cases/{case['id']}/actions/transfer?task_id={task}").get_data(as_text=True)
    before = snapshot()
    resp = client.post(  # a district forwards only to its own departments
        f"/cases/{case['id']}/actions/transfer",
        data={"csrf_token": csrf_of(html), "task_id": task, "target_department_id": dept("west")},
    )
    assert resp.status_code == 422
    assert 'data-testid="form-error"' in resp.get_data(as_text=True)
    assert snapshot() == before


def test_another_departments_case_is_not_found(api, client, page_login, dept):
    case = transferred_to(api, dept, "east")
    page_login("west_urban_handler")
    assert client.get(f"/cases/{case['id']}/actions/sign").status_code == 404
    html = client.get("/").get_data(as_text=True)
    resp = client.post(f"/cases/{case['id']}/actions/sign", data={"csrf_token": csrf_of(html)})
    assert resp.status_code == 404 and "text/html" in resp.content_type


def test_an_action_not_open_now_is_refused(api, client, page_login, dept):
    case = transferred_to(api, dept, "east")
    page_login("dispatcher")  # the sender: may recall, not sign
    resp = client.get(f"/cases/{case['id']}/actions/sign")
    assert resp.status_code == 409


def test_a_department_id_out_of_range_is_marked_not_a_500(api, client, page_login, dept):
    case = api.create()
    page_login("dispatcher")
    task = api.get(case["id"])["open_tasks"][0]["task_id"]
    html = client.get(f"/cases/{case['id']}/actions/transfer?task_id={task}").get_data(as_text=True)
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/transfer",
        data={"csrf_token": csrf_of(html), "task_id": task, "target_department_id": "99999999999"},
    )
    assert resp.status_code == 422
    assert 'data-testid="error-target_department_id"' in resp.get_data(as_text=True)
    assert snapshot() == before
