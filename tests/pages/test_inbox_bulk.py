"""Bulk sign and bulk transfer from the inbox: each case its own transaction; the page says which
were done and, per case, why the others were not; a refused case is left as it was."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, OpenTask
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.pages.inbox_helpers import at, sent_to, signed_in, task_of


def item(api, case: dict, as_user: str = "dispatcher") -> str:
    return f"{case['id']}:{task_of(api, case['id'], as_user)}"


def case_rows(case_id: int) -> list:
    """Everything stored about one case, to show that a refusal left it as it was."""
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    tasks = db.session.scalars(select(OpenTask).filter_by(case_id=case_id)).all()
    events = db.session.scalars(select(CaseEvent).filter_by(case_id=case_id)).all()
    return [
        (stored.status, stored.current_department_id, stored.updated_at, stored.sign_due_at),
        sorted((t.task_uuid, t.task_name, t.department_id) for t in tasks),
        [(e.id, e.action) for e in events],
    ]


def post(client, path: str = "/inbox/bulk", **data):
    html = client.get("/inbox").get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_of(html), **data})


def status_of(case: dict) -> str:
    db.session.expire_all()
    return db.session.get(Case, case["id"]).status


def test_bulk_sign_signs_each_chosen_case(app, api, dept):
    at(9)
    a, b, c = (sent_to(api, dept) for _ in range(3))
    client = signed_in(app, "east_urban_handler")
    resp = post(client, action="sign", items=[item(api, a), item(api, b)], tab="sign")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-testid="bulk-report"' in html
    assert "签收：成功 2 件，未成功 0 件" in html
    assert (status_of(a), status_of(b), status_of(c)) == ("handling", "handling", "transferred")
    assert 'data-testid="count-sign">1<' in html  # the list came back without them


def test_a_case_taken_meanwhile_and_another_departments_are_refused_and_unchanged(app, api, dept):
    at(9)
    mine, taken = sent_to(api, dept), sent_to(api, dept)
    theirs = sent_to(api, dept, "west_urban")
    chosen = [item(api, mine), item(api, taken), item(api, theirs)]
    api.act(taken["id"], "sign", "east_urban_handler")  # a colleague was quicker
    before_taken, before_theirs = case_rows(taken["id"]), case_rows(theirs["id"])
    client = signed_in(app, "east_urban_handler")
    resp = post(client, action="sign", items=chosen)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "签收：成功 1 件，未成功 2 件" in html
    refused = re.search(r'data-testid="bulk-refused">(.*?)</ul>', html, re.S).group(1)
    assert taken["number"] in refused and "该工单刚被其他人处理" in refused
    # Another department's case: refused as not found, its number not shown.
    assert f'data-case="{theirs["id"]}"' in refused and "工单不存在" in refused
    assert theirs["number"] not in html
    assert status_of(mine) == "handling"
    assert case_rows(taken["id"]) == before_taken and case_rows(theirs["id"]) == before_theirs


def test_a_row_signs_on_its_own(app, api, dept):
    at(9)
    a, b = sent_to(api, dept), sent_to(api, dept)
    client = signed_in(app, "east_urban_handler")
    resp = post(client, sign_one=item(api, a), items=[item(api, b)], action="transfer")
    assert resp.status_code == 200 and "签收：成功 1 件" in resp.get_data(as_text=True)
    assert (status_of(a), status_of(b)) == ("handling", "transferred")


def test_nothing_chosen_or_no_action_is_refused_and_nothing_changes(app, api, dept):
    at(9)
    a = sent_to(api, dept)
    client = signed_in(app, "east_urban_handler")
    before = snapshot()
    for data, words in [
        ({"action": "sign"}, "请至少选择一件工单"),
        ({"items": [item(api, a)]}, "请选择对所选工单执行的操作"),
        ({"action": "delete", "items": [item(api, a)]}, "请选择对所选工单执行的操作"),
        ({"action": "sign", "items": ["1:x"] * 101}, "一次最多处理 100 件工单"),
    ]:
        resp = post(client, **data)
        assert resp.status_code == 422, data
        assert 'data-testid="bulk-error"' in resp.get_data(as_text=True) and words in resp.get_data(
            as_text=True
        )
    assert snapshot() == before


def test_rows_that_name_no_case_are_reported(app, api, dept):
    at(9)
    a = sent_to(api, dept)
    client = signed_in(app, "east_urban_handler")
    before = snapshot()
    resp = post(
        client,
        action="sign",
        items=["abc", "99999999999:x", f"{a['id']}:not a task", "77777:0000-1111"],
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "签收：成功 0 件，未成功 4 件" in html
    assert html.count("不是列表中的工单") == 3 and "工单不存在" in html
    assert snapshot() == before


def test_a_bulk_form_without_its_csrf_token_is_refused(app, api, dept):
    at(9)
    a = sent_to(api, dept)
    client = signed_in(app, "east_urban_handler")
    resp = client.post("/inbox/bulk", data={"action": "sign", "items": [item(api, a)]})
    assert resp.status_code == 400 and status_of(a) == "transferred"


def forwarding(api, dept) -> dict:
    """A case the east district centre has signed for and now forwards."""
    case = sent_to(api, dept, "east")
    api.act(case["id"], "sign", "east_dispatcher")
    return case


def test_a_district_centre_transfers_in_bulk(app, api, dept):
    at(9)
    a, b = forwarding(api, dept), forwarding(api, dept)
    client = signed_in(app, "east_dispatcher")
    html = client.get("/inbox?tab=handling").get_data(as_text=True)
    assert 'data-testid="bulk-transfer"' in html and 'data-picker-search="bulk-target"' in html
    resp = post(
        client,
        action="transfer",
        items=[item(api, a, "east_dispatcher"), item(api, b, "east_dispatcher")],
        target_department_id=str(dept("east_housing")),
        tab="handling",
    )
    assert resp.status_code == 200 and "转办：成功 2 件" in resp.get_data(as_text=True)
    db.session.expire_all()
    for case in (a, b):
        assert db.session.get(Case, case["id"]).current_department_id == dept("east_housing")


def test_a_bulk_transfer_without_a_target_marks_the_picker(app, api, dept):
    at(9)
    a = forwarding(api, dept)
    client = signed_in(app, "east_dispatcher")
    before = snapshot()
    for target in ("", "abc", "99999999999", "-3"):
        resp = post(
            client,
            action="transfer",
            items=[item(api, a, "east_dispatcher")],
            target_department_id=target,
            tab="handling",
        )
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, target
        assert 'data-testid="error-target_department_id"' in html, target
        assert 'id="bulk-target"' in html and "is-invalid" in html
    assert snapshot() == before


def test_a_target_the_service_refuses_is_reported_per_case(app, api, dept):
    at(9)
    a = forwarding(api, dept)
    client = signed_in(app, "east_dispatcher")
    before = snapshot()
    resp = post(  # a district forwards only to its own departments
        client,
        action="transfer",
        items=[item(api, a, "east_dispatcher")],
        target_department_id=str(dept("west_urban")),
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "转办：成功 0 件，未成功 1 件" in html
    assert a["number"] in re.search(r'data-testid="bulk-refused">(.*?)</ul>', html, re.S).group(1)
    assert snapshot() == before


def test_htmx_gets_the_body_back_with_the_report(app, api, dept):
    at(9)
    a = sent_to(api, dept)
    client = signed_in(app, "east_urban_handler")
    html = client.get("/inbox").get_data(as_text=True)
    resp = client.post(
        "/inbox/bulk",
        data={"csrf_token": csrf_of(html), "action": "sign", "items": [item(api, a)]},
        headers={"HX-Request": "true"},
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith('<div id="inbox-body">')
    assert 'data-testid="bulk-report"' in body
