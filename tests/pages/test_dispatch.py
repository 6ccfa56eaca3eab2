"""The dispatch desk (派单): cases waiting at my centre (most urgent, then oldest, first) with
their transfer form, bulk transfer, recall of what I sent and is not signed for, and decisions
on return, extension and joint-handling requests."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Case
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.pages.inbox_helpers import at, rows, sent_to, signed, signed_in, task_of


def section(html: str, name: str) -> str:
    match = re.search(rf'<section id="section-{name}".*?</section>', html, re.S)
    assert match, name
    return match.group(0)


def test_waiting_cases_most_urgent_then_oldest_first(app, api):
    at(9)
    old = api.create()
    at(10)
    urgent = api.create(priority="urgent")
    at(11)
    critical = api.create(priority="critical")
    newer = api.create()
    html = signed_in(app, "dispatcher").get("/dispatch").get_data(as_text=True)
    waiting = section(html, "wait")
    assert rows(waiting) == [str(c["id"]) for c in (critical, urgent, old, newer)]
    assert 'data-testid="count-wait">4<' in waiting and "特急" in waiting and "紧急" in waiting
    assert 'data-action="transfer"' in waiting and 'data-testid="bulk-transfer"' in waiting


def test_a_row_opens_its_transfer_form_and_the_form_sends_the_case_on(app, api, dept):
    at(9)
    case = api.create()
    client = signed_in(app, "dispatcher")
    html = client.get("/dispatch").get_data(as_text=True)
    link = re.search(rf'hx-get="(/cases/{case["id"]}/actions/transfer\?[^"]+)"', html)
    assert link and "next=/dispatch" in link.group(1)
    fragment = client.get(link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    form = fragment.get_data(as_text=True)
    assert "<html" not in form and 'data-picker-search="transfer-target_department_id"' in form
    assert 'name="co_department_ids"' in form  # co-departments for joint handling
    resp = client.post(
        f"/cases/{case['id']}/actions/transfer",
        data={
            "csrf_token": csrf_of(form),
            "task_id": task_of(api, case["id"]),
            "target_department_id": str(dept("urban")),
            "next": "/dispatch",
        },
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/dispatch"
    html = client.get("/dispatch").get_data(as_text=True)
    assert "已完成：转办" in html
    assert rows(section(html, "wait")) == [] and rows(section(html, "recall")) == [str(case["id"])]


def test_bulk_transfer_from_the_desk(app, api, dept):
    at(9)
    a, b, taken = api.create(), api.create(), api.create()
    client = signed_in(app, "dispatcher")
    html = client.get("/dispatch").get_data(as_text=True)
    chosen = [f"{c['id']}:{task_of(api, c['id'])}" for c in (a, b, taken)]
    api.act(taken["id"], "transfer", "dispatcher", target_department_id=dept("housing"))
    before = snapshot()
    resp = client.post(  # no target: the picker is marked, nothing done
        "/dispatch/bulk",
        data={"csrf_token": csrf_of(html), "action": "transfer", "items": chosen},
    )
    assert resp.status_code == 422
    assert 'data-testid="error-target_department_id"' in resp.get_data(as_text=True)
    assert snapshot() == before
    resp = client.post(
        "/dispatch/bulk",
        data={
            "csrf_token": csrf_of(html),
            "action": "transfer",
            "items": chosen,
            "target_department_id": str(dept("urban")),
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "转办：成功 2 件，未成功 1 件" in html
    assert taken["number"] in section(html, "wait") and "该工单刚被其他人处理" in html
    db.session.expire_all()
    assert db.session.get(Case, a["id"]).current_department_id == dept("urban")
    assert db.session.get(Case, taken["id"]).current_department_id == dept("housing")


def test_recall_what_was_sent_and_not_signed_for(app, api, dept):
    at(9)
    waiting = sent_to(api, dept, "urban")
    signed_for = signed(api, dept, "housing", "housing_handler")
    client = signed_in(app, "dispatcher")
    html = client.get("/dispatch").get_data(as_text=True)
    recall = section(html, "recall")
    assert rows(recall) == [str(waiting["id"])] and "市城管局" in recall
    assert 'data-action="recall"' in recall and 'data-standing="normal"' in recall
    assert str(signed_for["id"]) not in rows(recall)
    task = task_of(api, waiting["id"])
    form = client.get(f"/cases/{waiting['id']}/actions/recall?task_id={task}&next=/dispatch")
    page = form.get_data(as_text=True)
    before = snapshot()
    resp = client.post(  # a recall needs its reason
        f"/cases/{waiting['id']}/actions/recall",
        data={"csrf_token": csrf_of(page), "task_id": task, "next": "/dispatch"},
    )
    assert resp.status_code == 422 and 'data-testid="error-reason"' in resp.get_data(as_text=True)
    assert snapshot() == before
    resp = client.post(
        f"/cases/{waiting['id']}/actions/recall",
        data={
            "csrf_token": csrf_of(page),
            "task_id": task,
            "reason": "派错单位",
            "next": "/dispatch",
        },
    )
    assert resp.status_code == 303
    html = client.get("/dispatch").get_data(as_text=True)
    assert rows(section(html, "recall")) == [] and str(waiting["id"]) in rows(section(html, "wait"))


def test_requests_to_decide_show_what_was_asked(app, api, dept):
    at(9)
    ext = signed(api, dept, "urban", "urban_handler")
    api.act(ext["id"], "extension_request", "urban_handler", days=3, reason="需要协调施工队")
    ret = signed(api, dept, "housing", "housing_handler")
    api.act(ret["id"], "return_request", "housing_handler", reason_code="not_our_remit")
    joint = signed(api, dept, "water", "water_handler")
    api.act(
        joint["id"],
        "joint_request",
        "water_handler",
        co_department_ids=[dept("urban"), dept("ecology")],
        reason="涉及多个部门",
    )
    client = signed_in(app, "dispatcher")
    decide = section(client.get("/dispatch").get_data(as_text=True), "decide")
    assert sorted(rows(decide)) == sorted(str(c["id"]) for c in (ext, ret, joint))
    assert "申请延期" in decide and "3个工作日" in decide and "需要协调施工队" in decide
    assert "申请退回" in decide and "非本单位职责" in decide and "市住建局" in decide
    assert "申请联办" in decide and "市城管局、市生态环境局" in decide
    for action in ("approve_extension", "deny_extension", "approve_return", "reject_return"):
        assert f'data-action="{action}"' in decide
    # Approve the extension through its form, with a comment.
    task = task_of(api, ext["id"], name="approve_extension")
    page = client.get(f"/cases/{ext['id']}/actions/approve_extension?task_id={task}")
    resp = client.post(
        f"/cases/{ext['id']}/actions/approve_extension",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "task_id": task,
            "comment": "同意延期三个工作日",
            "next": "/dispatch",
        },
    )
    assert resp.status_code == 303
    decide = section(client.get("/dispatch").get_data(as_text=True), "decide")
    assert str(ext["id"]) not in rows(decide)


def test_a_district_centre_decides_for_its_departments(app, api, dept):
    at(9)
    case = sent_to(api, dept, "east")
    api.act(case["id"], "sign", "east_dispatcher")
    api.act(case["id"], "transfer", "east_dispatcher", target_department_id=dept("east_urban"))
    api.act(case["id"], "sign", "east_urban_handler")
    api.act(case["id"], "extension_request", "east_urban_handler", days=1, reason="雨天无法施工")
    east = signed_in(app, "east_dispatcher").get("/dispatch").get_data(as_text=True)
    assert rows(section(east, "decide")) == [str(case["id"])] and "东城区城管局" in east
    city = signed_in(app, "dispatcher").get("/dispatch").get_data(as_text=True)
    assert rows(section(city, "decide")) == []


def test_bad_page_numbers_say_so(app, api):
    at(9)
    case = api.create()
    client = signed_in(app, "dispatcher")
    for query in ("wait_page=x", "recall_page=0", "decide_page=-1", "wait_page=1e3"):
        resp = client.get(f"/dispatch?{query}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "页码无效" in html, query
        assert rows(section(html, "wait")) == [str(case["id"])], query
    html = client.get("/dispatch?wait_page=9").get_data(as_text=True)
    assert 'data-testid="empty-wait"' in html


def test_sections_page_on_their_own(app, api):
    at(9)
    for _ in range(22):
        api.create()
    client = signed_in(app, "dispatcher")
    first = client.get("/dispatch").get_data(as_text=True)
    assert len(rows(section(first, "wait"))) == 20
    assert 'href="/dispatch?wait_page=2"' in first
    second = client.get("/dispatch?wait_page=2").get_data(as_text=True)
    assert len(rows(section(second, "wait"))) == 2


def test_a_handler_finds_nothing_to_dispatch(app, api, dept):
    at(9)
    sent_to(api, dept)
    html = signed_in(app, "east_urban_handler").get("/dispatch").get_data(as_text=True)
    for name in ("wait", "recall", "decide"):
        assert rows(section(html, name)) == []
    assert 'href="/dispatch"' not in html.split("<main")[0]  # not in its menu
