"""The oversight pages: the case page's urge, order, answer and instruction forms (each bad
input marked, nothing changed), instructions at the top read on opening, the notice PDF, and
the oversight page (counts, bulk urge from the filters, orders, the ladder's editor)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, InstructionRead, SupervisionOrder
from app.oversight import ladder
from tests.conftest import snapshot
from tests.oversight.conftest import flow_of
from tests.pages.conftest import csrf_of
from tests.pages.inbox_helpers import signed_in

MON = datetime(2026, 3, 2, 10, 0)


@pytest.fixture(autouse=True)
def _monday():
    clock.freeze(MON)


@pytest.fixture
def at_department(api, dept):
    def make(code="urban", sign=True):
        case_id = api.create()["id"]
        api.act(case_id, "transfer", "dispatcher", target_department_id=dept(code))
        if sign:
            api.act(case_id, "sign", f"{code}_handler")
        return case_id

    return make


def _post(client, case_id, path, data):
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": csrf_of(html)})


def test_the_oversight_office_urges_from_the_case_page(app, at_department):
    case_id = at_department()
    office = signed_in(app, "oversight")
    before = flow_of(case_id)
    resp = _post(office, case_id, f"/cases/{case_id}/urge", {"message": "请今日办结"})
    assert resp.status_code == 303
    html = office.get(resp.headers["Location"]).get_data(as_text=True)
    assert "请今日办结" in html and 'data-action="urge"' in html
    assert flow_of(case_id) == before
    # Bad input: an empty message is marked, nothing changed.
    before_all = snapshot()
    resp = _post(office, case_id, f"/cases/{case_id}/urge", {"message": "  "})
    assert resp.status_code == 422
    assert 'data-testid="error-urge-message"' in resp.get_data(as_text=True)
    assert snapshot() == before_all


def test_urging_a_closed_case_on_its_page_is_refused(app, api, at_department):
    case_id = at_department()
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    api.act(case_id, "revisit", "revisit", result="satisfied")
    office = signed_in(app, "oversight")
    before = snapshot()
    resp = _post(office, case_id, f"/cases/{case_id}/urge", {"message": "催"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'data-testid="error-urge-message"' in html and "办结" in html
    assert snapshot() == before


def test_an_order_answered_on_the_case_page(app, at_department, user):
    case_id = at_department()
    office = signed_in(app, "oversight")
    before = snapshot()
    resp = _post(
        office,
        case_id,
        f"/cases/{case_id}/supervision",
        {"message": "请反馈", "feedback_date": "2026-02-27"},
    )
    assert resp.status_code == 422
    assert 'data-testid="error-order-feedback_date"' in resp.get_data(as_text=True)
    resp = _post(
        office,
        case_id,
        f"/cases/{case_id}/supervision",
        {"message": "请反馈", "feedback_date": "3月5日"},
    )
    assert resp.status_code == 422
    assert snapshot() == before
    resp = _post(
        office,
        case_id,
        f"/cases/{case_id}/supervision",
        {"message": "请三日内反馈", "feedback_date": "2026-03-05"},
    )
    assert resp.status_code == 303
    order = db.session.scalars(select(SupervisionOrder)).one()
    # Another department's dispatcher who sees the case has no answer form; posting is refused.
    centre = signed_in(app, "dispatcher")
    html = centre.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="answer-form"' not in html
    before = snapshot()
    resp = _post(
        centre, case_id, f"/cases/{case_id}/supervision/{order.id}/answer", {"answer": "答"}
    )
    assert resp.status_code == 403 and 'data-testid="error-answer"' in resp.get_data(as_text=True)
    assert snapshot() == before
    handler = signed_in(app, "urban_handler")
    html = handler.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="answer-form"' in html and "请三日内反馈" in html
    resp = _post(
        handler, case_id, f"/cases/{case_id}/supervision/{order.id}/answer", {"answer": ""}
    )
    assert resp.status_code == 422
    resp = _post(
        handler,
        case_id,
        f"/cases/{case_id}/supervision/{order.id}/answer",
        {"answer": "已处理完毕"},
    )
    assert resp.status_code == 303
    html = office.get("/oversight?state=answered").get_data(as_text=True)
    assert f'data-order="{order.id}" data-state="answered"' in html


def test_an_instruction_shows_on_top_and_opening_reads_it(app, at_department, user):
    case_id = at_department("east_urban")
    leader = signed_in(app, "leader")
    before = snapshot()
    resp = _post(leader, case_id, f"/cases/{case_id}/instructions", {"text": ""})
    assert resp.status_code == 422 and 'data-testid="error-instruction-text"' in resp.get_data(
        as_text=True
    )
    assert snapshot() == before
    resp = _post(leader, case_id, f"/cases/{case_id}/instructions", {"text": "请高度重视"})
    assert resp.status_code == 303
    html = leader.get(f"/cases/{case_id}").get_data(as_text=True)
    top = html.index('data-testid="instructions"')
    assert top < html.index('data-testid="fields"') and "未读" in html
    clock.freeze(datetime(2026, 3, 2, 11, 30))
    handler = signed_in(app, "east_urban_handler")
    handler.get(f"/cases/{case_id}")
    (read,) = db.session.scalars(select(InstructionRead)).all()
    assert read.user_id == user("east_urban_handler").id and read.read_at == datetime(
        2026, 3, 2, 11, 30
    )
    html = leader.get(f"/cases/{case_id}").get_data(as_text=True)
    readers = re.findall(r'data-testid="reader">([^<]+)<', html)
    assert len(readers) == 1 and "11:30" in readers[0]


def test_a_leader_outside_their_departments_gets_404_and_nothing_changes(app, at_department):
    case_id = at_department("west_urban")
    leader = signed_in(app, "leader")
    assert leader.get(f"/cases/{case_id}").status_code == 404
    before = snapshot()
    other = at_department("east_urban")
    html = leader.get(f"/cases/{other}").get_data(as_text=True)
    before = snapshot()
    resp = leader.post(
        f"/cases/{case_id}/instructions", data={"text": "请办", "csrf_token": csrf_of(html)}
    )
    assert resp.status_code == 404
    assert snapshot() == before


def test_the_oversight_page_counts_urges_by_filter_and_edits_the_ladder(
    app, at_department, dept, user
):
    late = at_department("urban")
    clock.freeze(datetime(2026, 3, 4, 10, 0))
    not_late = at_department("urban")
    clock.freeze(datetime(2026, 3, 9, 12, 0))
    office = signed_in(app, "oversight")
    assert signed_in(app, "urban_handler").get("/oversight").status_code == 403
    html = office.get(f"/oversight?department_id={dept('urban')}&overdue=true").get_data(
        as_text=True
    )
    assert 'data-testid="overdue-count">1<' in html
    resp = office.post(
        "/oversight/urge",
        data={
            "csrf_token": csrf_of(html),
            "filters": f"department_id={dept('urban')}&overdue=true",
            "message": "逾期请办",
            "scope": "filters",
        },
    )
    assert resp.status_code == 200
    assert "1 件工单已催办" in resp.get_data(as_text=True) or "已催办" in resp.get_data(
        as_text=True
    )
    assert db.session.get(Case, late).urge_count == 1
    assert db.session.get(Case, not_late).urge_count == 0
    # A bulk urge with an empty message is marked, nothing changed.
    before = snapshot()
    resp = office.post(
        "/oversight/urge",
        data={"csrf_token": csrf_of(html), "filters": "", "message": "", "scope": "filters"},
    )
    assert resp.status_code == 422 and 'data-testid="error-message"' in resp.get_data(as_text=True)
    assert snapshot() == before
    # The ladder: a rule that does not parse is marked with its line; nothing is saved.
    resp = office.post(
        "/oversight/ladder",
        data={"csrf_token": csrf_of(html), "rules": "到期前1个工作日催办\n逾期后一天通报"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'data-testid="error-rules"' in body and 'data-line="1"' in body
    assert ladder.rules() == []
    resp = office.post(
        "/oversight/ladder",
        data={
            "csrf_token": csrf_of(html),
            "rules": "到期前1个工作日催办\n逾期后1个工作日发催办通知书",
        },
    )
    assert resp.status_code == 303 and [r.step for r in ladder.rules()] == ["urge", "notice"]
    # The notice: the ladder issues it; the case page links its PDF.
    clock.freeze(datetime(2026, 3, 10, 12, 0))
    ladder.run()
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == late, CaseEvent.action == "notice")
    ).one()
    html = signed_in(app, "urban_handler").get(f"/cases/{late}").get_data(as_text=True)
    assert f"/cases/{late}/notices/{event.id}.pdf" in html
    pdf = signed_in(app, "urban_handler").get(f"/cases/{late}/notices/{event.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert (
        signed_in(app, "west_urban_handler")
        .get(f"/cases/{late}/notices/{event.id}.pdf")
        .status_code
        == 404
    )
