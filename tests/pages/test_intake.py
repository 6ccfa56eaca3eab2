"""The agent's intake page: the caller's history first, the accept form drawn from the API's
schema, the repeat warning, merging the call into a case; every refusal marked, nothing saved."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.cases import query_password
from app.extensions import db
from app.models import Case, CaseContact, CaseEvent
from tests.conftest import snapshot
from tests.helpers import INTAKE
from tests.pages.conftest import csrf_of

FORM = {
    "channel": "phone",
    "citizen_name": "赵敏",
    "citizen_phone": "13512345678",
    "citizen_address": "南湖区湖滨路8号",
    "content": "湖滨路人行道的井盖松动，行人容易绊倒",
    "case_type": "help",
    "priority": "normal",
}


def opened(client, path: str = "/intake") -> tuple[str, str]:
    resp = client.get(path)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    return html, csrf_of(html)


def accept(client, token: str, key: str = "intake-test-1", **fields):
    return client.post(
        "/intake", data={"csrf_token": token, "idempotency_key": key, **FORM, **fields}
    )


def only_case() -> Case:
    db.session.expire_all()
    return db.session.scalars(select(Case)).one()


def test_opened_by_phone_the_callers_history_comes_first(api, client, page_login):
    earlier = api.create()
    call = {"caller_name": "张伟", "caller_phone": INTAKE["citizen_phone"], "content": "催问路灯"}
    other = api.create(citizen_phone="13900009999")
    assert (
        client.post(
            f"/api/v1/cases/{other['id']}/contacts", json=call, headers=api.auth("agent")
        ).status_code
        == 201
    )
    page_login("agent")
    html, _token = opened(client, f"/intake?phone={INTAKE['citizen_phone']}")
    history = html.index('data-testid="history"')
    assert history < html.index('id="intake-form"')
    cases = html[
        html.index('data-testid="history-cases"') : html.index('data-testid="history-contacts"')
    ]
    assert earlier["number"] in cases and other["number"] not in cases
    assert "已受理" in cases and INTAKE["content"] in cases
    contacts = html[html.index('data-testid="history-contacts"') :]
    assert other["number"] in contacts[: contacts.index("</table>")] and "催问路灯" in contacts
    # The phone is filled in, and the call is said to be a likely repeat of the earlier case.
    assert f'name="citizen_phone" value="{INTAKE["citizen_phone"]}"' in html
    assert 'data-testid="repeat-warning"' in html and "同一号码" in html


def test_the_form_is_the_apis_intake_schema(client, page_login):
    spec = client.get("/api/v1/openapi.json").get_json()
    ref = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][ref["schema"]["$ref"].rsplit("/", 1)[1]]
    page_login("agent")
    html, _token = opened(client)
    drawn = re.findall(r'data-field="([a-z_]+)"', html)
    assert drawn == [n for n in schema["properties"] if n != "external_id"]
    assert "confidential" in drawn and "answered" in drawn
    for name in schema["required"]:  # marked as required
        label = html[html.index(f'data-field="{name}"') :]
        assert '<span class="text-danger">*</span>' in label[: label.index("</label>")]
    assert "受理并转派单" in html and "姓名" in html and "诉求类型" in html and "投诉" in html
    # The category, a code in the API, is chosen from the catalog's categories.
    assert '<option value="environment" >生态环境</option>' in html


def test_a_category_is_taken_by_its_code(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    assert accept(client, token, category="environment").status_code == 200
    before = snapshot()
    resp = accept(client, token, key="intake-test-2", category="no-such")
    assert resp.status_code == 422 and 'data-testid="error-category"' in resp.get_data(as_text=True)
    assert snapshot() == before


def test_a_new_case_goes_to_dispatch_and_the_caller_is_given_number_and_password(
    client, page_login, user
):
    page_login("agent")
    _html, token = opened(client)
    resp = accept(client, token)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    page = resp.get_data(as_text=True)
    case = only_case()
    assert case.number in page and f'href="/cases/{case.id}"' in page
    password = re.search(r'data-testid="query-password">(\w+)<', page).group(1)
    assert query_password.check_password(case.number, password, case.query_password_hash)
    assert case.status == "accepted" and not case.answered and not case.confidential
    assert case.accepted_by_id == user("agent").id and case.citizen_name == "赵敏"
    event = db.session.scalars(select(CaseEvent).filter_by(case_id=case.id)).first()
    assert event.action == "accept" and event.client_ip == "127.0.0.1"


def test_answered_at_intake_the_case_closes_at_once(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    resp = accept(client, token, answered="1", answer="井盖已报修，请留意现场提示")
    assert resp.status_code == 200
    case = only_case()
    assert case.answered and case.status == "closed" and case.answer.startswith("井盖")


def test_a_confidential_case(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    resp = accept(client, token, confidential="1")
    assert resp.status_code == 200 and "姓名和电话对其他角色隐藏" in resp.get_data(as_text=True)
    assert only_case().confidential


def test_missing_and_bad_fields_are_marked_and_nothing_is_saved(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    before = snapshot()
    resp = accept(client, token, citizen_name="", content="", citizen_phone="电话号码")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    for name in ("citizen_name", "content", "citizen_phone"):
        assert f'data-testid="error-{name}"' in page, name
        field = page[page.index(f'data-field="{name}"') :]
        assert "is-invalid" in field[: field.index("</div>")]
    assert "必填" in page and 'data-testid="form-error"' in page
    # What was typed stays.
    assert 'value="南湖区湖滨路8号"' in page
    assert snapshot() == before


def test_answered_without_an_answer_marks_the_answer(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    before = snapshot()
    resp = accept(client, token, answered="1")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'data-testid="error-answer"' in page and "即办件需填写答复内容" in page
    assert snapshot() == before


def test_a_line_break_in_a_name_is_refused_as_the_api_refuses_it(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    before = snapshot()
    resp = accept(client, token, citizen_name="赵\n敏")
    assert resp.status_code == 422 and 'data-testid="error-citizen_name"' in resp.get_data(
        as_text=True
    )
    assert snapshot() == before


def test_a_form_submitted_twice_makes_one_case(client, page_login):
    page_login("agent")
    _html, token = opened(client)
    first = accept(client, token, key="intake-twice")
    second = accept(client, token, key="intake-twice")
    assert first.status_code == second.status_code == 200
    case = only_case()
    page = second.get_data(as_text=True)
    assert case.number in page and 'data-testid="replayed"' in page
    # The same form sent back with other content: said so, and a fresh key to send it again.
    changed = accept(client, token, key="intake-twice", content="另一件事：楼道灯坏了")
    assert changed.status_code == 409
    page = changed.get_data(as_text=True)
    assert "此受理单已提交过" in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert key != "intake-twice"
    assert accept(client, token, key=key, content="另一件事：楼道灯坏了").status_code == 200
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 2


def test_without_a_csrf_token_nothing_is_accepted(client, page_login):
    page_login("agent")
    before = snapshot()
    resp = client.post("/intake", data=FORM)
    assert resp.status_code == 400
    assert snapshot() == before


def test_the_call_is_merged_into_the_case(api, client, page_login, user):
    case = api.create()
    page_login("agent")
    _html, token = opened(client, f"/intake?phone={INTAKE['citizen_phone']}")
    form = {**FORM, "csrf_token": token, "citizen_phone": INTAKE["citizen_phone"]}
    resp = client.post(f"/intake/cases/{case['id']}/contacts", data=form)
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/intake?phone={INTAKE['citizen_phone']}"
    row = db.session.scalars(select(CaseContact)).one()
    assert (row.case_id, row.caller_name, row.content) == (case["id"], "赵敏", FORM["content"])
    assert row.user_id == user("agent").id and row.channel == "phone"
    assert db.session.scalar(select(db.func.count()).select_from(Case)) == 1  # no new case
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"来电已归并到工单 {case['number']}" in page
    contacts = page[page.index('data-testid="history-contacts"') :]
    assert FORM["content"] in contacts


def test_a_merge_without_what_the_caller_said_is_marked(api, client, page_login):
    case = api.create()
    page_login("agent")
    _html, token = opened(client)
    before = snapshot()
    form = {**FORM, "csrf_token": token, "content": ""}
    resp = client.post(f"/intake/cases/{case['id']}/contacts", data=form)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'data-testid="error-content"' in page and "归并来电前" in page
    assert snapshot() == before


def test_a_closed_case_takes_no_merge(api, client, page_login):
    case = api.create(answered=True, answer="已当场答复")
    page_login("agent")
    html, token = opened(client, f"/intake?phone={INTAKE['citizen_phone']}")
    assert f'data-testid="merge-{case["id"]}"' not in html  # not offered
    before = snapshot()
    resp = client.post(f"/intake/cases/{case['id']}/contacts", data={**FORM, "csrf_token": token})
    assert resp.status_code == 409 and "已办结" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_another_districts_case_is_not_found(api, client, page_login):
    case = api.create()  # at the city centre, never sent to the east district
    page_login("east_dispatcher")
    html, token = opened(client, f"/intake?phone={INTAKE['citizen_phone']}")
    assert case["number"] not in html
    before = snapshot()
    resp = client.post(f"/intake/cases/{case['id']}/contacts", data={**FORM, "csrf_token": token})
    assert resp.status_code == 404 and "text/html" in resp.content_type
    assert snapshot() == before


def test_the_repeat_warning_follows_what_is_typed(api, client, page_login):
    case = api.create(
        citizen_phone="13600000001", citizen_address="南湖区湖滨路8号", content=FORM["content"]
    )
    page_login("agent")
    html, token = opened(client)
    assert 'hx-trigger="keyup changed delay:500ms from:#citizen_phone' in html
    assert 'data-testid="no-repeats"' in html

    def warned(**typed) -> str:
        resp = client.post("/intake/repeats", data=typed, headers={"X-CSRFToken": token})
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    assert case["number"] in warned(citizen_phone="13600000001")
    similar = warned(citizen_address="南湖区 湖滨路8号", content="湖滨路人行道井盖松动了")
    assert case["number"] in similar and "相近地址、相似内容" in similar
    assert 'data-testid="no-repeats"' in warned(
        citizen_address="南湖区湖滨路8号", content="咨询社保卡补办需要哪些材料"
    )
    assert 'data-testid="no-repeats"' in warned(content="x" * 5000)  # long input: cut, no error


def test_who_may_open_the_intake(client, page_login):
    page_login("east_urban_handler")
    assert client.get("/intake").status_code == 403
    assert 'href="/intake"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    page_login("dispatcher")
    assert 'href="/intake"' in client.get("/").get_data(as_text=True)
    assert client.get("/intake").status_code == 200
