"""The case detail page (test client): every field, status words, deadlines, the timeline's
labels, exactly the API's allowed actions as forms, the co-departments' replies beside the
lead's reply box, the diagram's own version and path; another department's case is a 404."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import ProcessVersion, WorkflowInstance
from app.pages.case import EVENT_LABELS
from app.processes import service as processes
from tests.conftest import PASSWORD
from tests.pages.conftest import csrf_of


def sent_to(api, dept, code: str = "urban", **intake) -> dict:
    case = api.create(**intake)
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(code))
    return case


def handling(api, dept, code: str = "urban", **intake) -> dict:
    case = sent_to(api, dept, code, **intake)
    api.act(case["id"], "sign", f"{code}_handler")
    return case


def offered(html: str) -> set[tuple[str, str]]:
    """(action, task id) of every action the page offers (a form in place or a button)."""
    return set(re.findall(r'data-offered="([a-z_]+) ([0-9a-f-]{36})"', html))


def test_the_page_shows_the_case_by_id_and_by_number(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("urban_handler")
    for ref in (case["id"], case["number"]):
        resp = client.get(f"/cases/{ref}")
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        assert case["number"] in html
        assert "小区门口路灯不亮已经一周" in html and "东城区和平路1号" in html
        assert 'data-testid="citizen-name">张伟<' in html
        assert 'data-testid="citizen-phone">13800001111<' in html
        assert "正在办理" in html  # the status words
        assert "市城管局" in html  # the current department
        assert 'data-testid="countdown"' in html  # the handling deadline's time left
        assert "个工作日" in html or "小时" in html


def test_names_and_phones_come_from_the_detail_query(api, client, page_login, dept, monkeypatch):
    """Masking is the detail query's (confidential cases): the page shows what it gives."""
    from app.cases import queries

    case = handling(api, dept)
    real = queries.detail

    def masked(user, c):
        body = real(user, c)
        return {**body, "citizen_name": "张*", "citizen_phone": "138****1111"}

    monkeypatch.setattr(queries, "detail", masked)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-testid="citizen-name">张*<' in html and "138****1111" in html
    assert "13800001111" not in html and "张伟" not in html


def signed_in_client(app, username: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)},
    )
    return client


def test_the_actions_offered_are_exactly_the_apis(app, api, dept):
    joint = api.create()
    api.act(
        joint["id"],
        "transfer",
        "dispatcher",
        target_department_id=dept("urban"),
        co_department_ids=[dept("housing")],
    )
    cases = [api.create(), sent_to(api, dept), handling(api, dept), joint]
    api.act(joint["id"], "sign", "urban_handler")
    users = ("dispatcher", "urban_handler", "housing_handler", "oversight", "leader", "agent")
    for username in users:
        client = signed_in_client(app, username)
        for case in cases:
            resp = client.get(f"/cases/{case['id']}")
            answer = api.client.get(f"/api/v1/cases/{case['id']}", headers=api.auth(username))
            assert resp.status_code == answer.status_code, (username, case["id"])
            if answer.status_code == 404:
                continue
            html = resp.get_data(as_text=True)
            allowed = answer.get_json()["allowed_actions"]
            expected = {(a["action"], a["task_id"]) for a in allowed}
            assert offered(html) == expected, (username, case["id"])
            if not expected:
                assert 'data-testid="no-actions"' in html


def test_the_reply_form_is_in_the_page_with_a_file_input(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-testid="reply-box"' in html
    form = html[html.index('data-action="reply" novalidate') - 600 :]
    assert 'enctype="multipart/form-data"' in form
    assert 'type="file"' in form and 'name="files"' in form
    assert 'name="text"' in form and 'name="result_code"' in form
    # The other actions are buttons fetching their forms (htmx), with a link for no script.
    assert 'hx-get="/cases/' in html and "/actions/return_request?task_id=" in html


def test_the_lead_sees_the_co_departments_replies_beside_its_reply_box(
    api, client, page_login, dept
):
    case = api.create()
    api.act(
        case["id"],
        "transfer",
        "dispatcher",
        target_department_id=dept("urban"),
        co_department_ids=[dept("housing"), dept("water")],
    )
    api.act(case["id"], "sign", "urban_handler")
    api.act(case["id"], "co_reply", "housing_handler", text="住建局已核实：小区路灯产权属物业")
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    # The lead's reply box waits for the co-departments: no reply yet, but a co-department's
    # reply is shown once the lead may reply; until then the timeline holds it.
    assert "住建局已核实" in html
    api.act(case["id"], "co_reply", "water_handler", text="水务局：与供水无关")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    box = html[html.index('data-testid="co-replies"') :]
    box = box[: box.index('data-testid="diagram-card"')]
    assert box.count('data-testid="co-reply"') == 2
    assert "住建局已核实" in box and "水务局：与供水无关" in box
    assert "市住建局" in box and "市水务局" in box


def test_the_timeline_labels_every_event_in_chinese(api, client, page_login, dept):
    case = handling(api, dept)
    api.act(case["id"], "extension_request", "urban_handler", days=3, reason="需协调施工队")
    api.act(case["id"], "approve_extension", "dispatcher", comment="同意")
    api.act(case["id"], "reply", "urban_handler", text="路灯已修复", result_code="resolved")
    api.act(case["id"], "revisit", "revisit", result="unsatisfied", reason="晚上仍不亮")
    page_login("dispatcher")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    timeline = html[html.index('data-testid="timeline"') :]
    for action, words in [
        ("accept", "受理"),
        ("transfer", "派单"),
        ("sign", "签收"),
        ("extension_request", "申请延期"),
        ("approve_extension", "同意延期"),
        ("reply", "答复"),
        ("revisit", "回访"),
        ("reopen", "重办"),
    ]:
        assert f'data-action="{action}"' in timeline, action
        assert words in timeline, words
    assert "需协调施工队" in timeline and "路灯已修复" in timeline and "晚上仍不亮" in timeline
    assert "已解决" in timeline and "不满意" in timeline and "3 个工作日" in timeline


def test_every_event_kind_has_a_chinese_label(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_CN"):
        for action, label in EVENT_LABELS.items():
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(label)), (action, str(label))


def test_another_departments_case_is_a_404_page(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("east_urban_handler")
    for path in (
        f"/cases/{case['id']}",
        f"/cases/{case['number']}",
        f"/cases/{case['id']}/diagram.bpmn",
        f"/cases/{case['id']}/diagram-path.json",
        "/cases/20991231-999999",
        "/cases/999999",
    ):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert "text/html" in resp.content_type
        page = resp.get_data(as_text=True)
        assert "张伟" not in page and "路灯" not in page and "13800001111" not in page


def test_signed_out_the_page_sends_to_the_login(api, client, dept):
    case = handling(api, dept)
    resp = client.get(f"/cases/{case['id']}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_diagram_is_the_cases_own_version_not_the_newest(app, api, client, page_login, dept):
    case = handling(api, dept)
    own = db.session.get(WorkflowInstance, case["id"]).process_version_id
    files = processes.read_files()
    (name,) = files
    newer = {name: files[name].replace("签收 sign for", "签收 sign for (v2)")}
    processes.deploy(newer, by="tests")
    try:
        newest = db.session.scalar(processes.newest_version(app.config["MAIN_PROCESS"]))
        assert newest.id != own
        page_login("urban_handler")
        resp = client.get(f"/cases/{case['id']}/diagram.bpmn")
        assert resp.status_code == 200 and resp.mimetype == "application/xml"
        assert "sandbox" in resp.headers["Content-Security-Policy"]
        xml = resp.get_data(as_text=True)
        assert xml == db.session.get(ProcessVersion, own).files[name]
        assert "(v2)" not in xml
        again = client.get(
            f"/cases/{case['id']}/diagram.bpmn", headers={"If-None-Match": resp.headers["ETag"]}
        )
        assert again.status_code == 304
    finally:
        db.session.delete(newest)
        db.session.commit()


def test_the_diagram_path_marks_the_path_taken_and_the_current_task(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("urban_handler")
    marks = client.get(f"/cases/{case['id']}/diagram-path.json").get_json()
    assert marks["current"] == ["handle"]
    assert {"start", "dispatch", "sign", "f_dispatched", "f_dept_signed"} <= set(marks["done"])
    assert "handle" not in marks["done"] and "revisit" not in marks["done"]


def test_the_page_survives_a_case_in_every_state(api, client, page_login, dept):
    answered = api.create(answered=True, answer="已当场答复：路灯报修电话为 12319")
    closed = handling(api, dept)
    api.act(closed["id"], "reply", "urban_handler", text="路灯已修复", result_code="resolved")
    api.act(closed["id"], "revisit", "revisit", result="satisfied")
    page_login("oversight")
    for case, words in ((answered, "已当场答复"), (closed, "满意")):
        html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
        assert words in html and "办结" in html
        assert 'data-testid="no-actions"' in html
    ids = db.session.scalars(select(WorkflowInstance.case_id)).all()
    assert {answered["id"], closed["id"]} <= set(ids)
