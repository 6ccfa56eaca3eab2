"""The intake in a real browser: the screen pop by phone, the repeat warning refreshed by htmx as
the agent types, the merge; and a new case refused for a missing field, then accepted."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseContact
from tests.helpers import INTAKE
from tests.pages.conftest import screenshot

CALLER = INTAKE["citizen_phone"]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_agent_merges_a_repeat_call_into_the_earlier_case(api, page, sign_in):
    earlier = api.create()  # this caller's, two days ago in the flow's eyes: still open
    neighbour = api.create(  # another caller, the same street light
        citizen_name="李娜",
        citizen_phone="13900002222",
        citizen_address="东城区和平路3号",
        content="和平路小区门口的路灯晚上一直不亮",
    )
    sign_in("agent")
    page.goto(f"/intake?phone={CALLER}")
    history = page.get_by_test_id("history-cases")
    assert earlier["number"] in history.inner_text()
    warning = page.get_by_test_id("repeat-warning")
    assert earlier["number"] in warning.inner_text() and "同一号码" in warning.inner_text()
    assert neighbour["number"] not in warning.inner_text()

    page.fill("#citizen_name", "张伟")
    page.fill("#citizen_address", "东城区和平路1号")
    page.locator("#content").press_sequentially("小区门口路灯还是不亮，已经一周多了")
    # htmx asks again once the typing pauses: the neighbour's case joins the warning.
    page.locator(f'[data-testid="repeat"][data-case-id="{neighbour["id"]}"]').wait_for()
    assert "相近地址、相似内容" in page.get_by_test_id("repeat-warning").inner_text()
    screenshot(page, "intake-repeat")

    page.get_by_test_id("repeat-warning").get_by_test_id(f"merge-{earlier['id']}").click()
    page.wait_for_url(re.compile(r"/intake\?phone="))
    assert f"来电已归并到工单 {earlier['number']}" in page.content()
    assert "小区门口路灯还是不亮" in page.get_by_test_id("history-contacts").inner_text()
    assert count(CaseContact) == 1 and count(Case) == 2


def test_a_new_case_refused_for_a_missing_field_then_accepted(api, page, sign_in):
    api.create(citizen_phone="13512340000", content="上个月咨询过的公积金提取问题")
    sign_in("agent")
    page.goto("/intake?phone=13512340000")
    assert "公积金" in page.get_by_test_id("history").inner_text()
    page.fill("#citizen_name", "赵敏")
    page.fill("#citizen_address", "南湖区湖滨路8号")
    page.select_option("#case_type", "help")
    screenshot(page, "intake")
    page.get_by_test_id("accept").click()  # the content is missing

    content = page.locator("#content")
    content.wait_for()
    assert "is-invalid" in (content.get_attribute("class") or "")
    assert page.get_by_test_id("error-content").inner_text() == "必填。"
    assert page.locator("#citizen_name").input_value() == "赵敏"  # what was typed stays
    assert count(Case) == 1
    screenshot(page, "intake-invalid")

    content.fill("湖滨路人行道的井盖松动，行人容易绊倒")
    page.get_by_test_id("accept").click()
    page.get_by_test_id("accepted").wait_for()
    number = page.get_by_test_id("case-number").inner_text()
    assert re.fullmatch(r"\d{8}-\d{6}", number)
    assert re.fullmatch(r"\w+", page.get_by_test_id("query-password").inner_text())
    assert page.get_by_test_id("open-case").get_attribute("href").startswith("/cases/")
    assert count(Case) == 2
    screenshot(page, "intake-done")


def test_answered_at_intake_shows_the_answer_box(page, sign_in):
    sign_in("agent")
    page.goto("/intake")
    answer = page.locator('[data-field="answer"]')
    assert answer.is_hidden()
    assert page.get_by_test_id("accept").inner_text() == "受理并转派单"
    page.check("#answered")
    assert answer.is_visible()
    assert page.get_by_test_id("accept").inner_text() == "受理并办结（即办件）"


def test_typing_a_known_phone_raises_the_warning(api, page, sign_in):
    earlier = api.create()
    sign_in("agent")
    page.goto("/intake")
    assert page.get_by_test_id("no-repeats").is_visible()
    page.locator("#citizen_phone").press_sequentially(CALLER)  # keys: keyup
    page.get_by_test_id("repeat-warning").wait_for()
    assert earlier["number"] in page.get_by_test_id("repeat-warning").inner_text()
