"""One case from the call to its close, through the pages only, in a real browser, as the people
of a hotline work it: the agent accepts it, the city dispatcher sends it to the urban management
bureau, which signs and asks to return it (not its remit); the dispatcher approves the return and
sends it to the housing bureau with two co-departments (joint handling); each co-department
replies from its inbox, the lead replies, and the revisit clerk records the citizen satisfied.
"""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Case, CaseEvent
from tests.pages.conftest import screenshot
from tests.pages.inbox_helpers import at

PHONE = "13600001234"


def row(tab, case_id: int):
    return tab.locator(f'tr[data-case="{case_id}"]')


def status(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).status


def done(tab, action_zh: str) -> None:
    tab.wait_for_selector(f"text=已完成：{action_zh}")


def sign(tab, case_id: int) -> None:
    """Sign for the case from the inbox, and wait for the answer: a page left at once would
    cancel the request (a busy machine answers after the next line has moved on)."""
    with tab.expect_response(lambda r: r.request.method == "POST") as answer:
        row(tab, case_id).locator('[data-testid="sign-one"]').click()
    assert answer.value.ok, answer.value.status


def test_a_case_from_intake_to_close_through_the_pages(desk, dept):
    at(9)
    # The agent takes the call.
    agent = desk("agent")
    agent.goto(f"/intake?phone={PHONE}")
    agent.fill("#citizen_name", "陈静")
    agent.fill("#citizen_address", "东城区和平路12号")
    agent.fill("#content", "楼道内电线老化裸露，存在安全隐患，希望尽快处理")
    agent.select_option("#case_type", "help")
    agent.get_by_test_id("accept").click()
    agent.get_by_test_id("accepted").wait_for()
    number = agent.get_by_test_id("case-number").inner_text()
    href = agent.get_by_test_id("open-case").get_attribute("href")
    case_id = int(re.fullmatch(r"/cases/(\d+)", href).group(1))
    assert status(case_id) == "accepted"

    # The city dispatcher sends it to the urban management bureau.
    dispatcher = desk("dispatcher")
    dispatcher.goto("/dispatch")
    row(dispatcher, case_id).locator('[data-testid="open-transfer"]').click()
    dispatcher.locator("#transfer-target_department_id").select_option(str(dept("urban")))
    dispatcher.locator(".minqing-action-form button[type=submit]").click()
    done(dispatcher, "转办")

    # The bureau signs for it, then asks to return it: not its remit.
    urban = desk("urban_handler")
    urban.goto("/inbox")
    sign(urban, case_id)
    urban.goto("/inbox?tab=handling")
    row(urban, case_id).locator('[data-action="return_request"]').click()
    urban.locator("select[name=reason_code]").select_option("not_our_remit")
    urban.locator(".minqing-action-form button[type=submit]").click()
    done(urban, "申请退回")

    # The dispatcher approves the return and sends it on with two co-departments.
    dispatcher.goto("/dispatch")
    decide = dispatcher.locator(f'#section-decide tr[data-case="{case_id}"]')
    decide.locator('[data-testid="open-approve_return"]').click()
    dispatcher.locator(".minqing-action-form button[type=submit]").click()
    done(dispatcher, "同意退回")
    assert status(case_id) == "accepted"
    row(dispatcher, case_id).locator('[data-testid="open-transfer"]').click()
    dispatcher.locator("#transfer-target_department_id").select_option(str(dept("housing")))
    dispatcher.locator("#transfer-co_department_ids").select_option(
        [str(dept("transport")), str(dept("ecology"))]
    )
    screenshot(dispatcher, "walkthrough-joint-dispatch")
    dispatcher.locator(".minqing-action-form button[type=submit]").click()
    done(dispatcher, "转办")

    # The lead signs; each co-department replies from its own inbox.
    housing = desk("housing_handler")
    housing.goto("/inbox")
    sign(housing, case_id)
    for code, text in (("transport", "已排查周边线路"), ("ecology", "无环境污染问题")):
        co = desk(f"{code}_handler")
        co.goto("/inbox?tab=handling")
        row(co, case_id).locator('[data-action="co_reply"]').click()
        co.locator("textarea[name=text], input[name=text]").fill(text)
        co.locator(".minqing-action-form button[type=submit]").click()
        done(co, "协办答复")

    # The lead replies, with the co-departments' replies beside its box.
    housing.goto("/inbox?tab=handling")
    row(housing, case_id).locator('[data-action="reply"]').click()
    beside = housing.get_by_test_id("co-replies").inner_text()
    assert "已排查周边线路" in beside and "无环境污染问题" in beside
    housing.locator("textarea[name=text]").fill("已更换楼道老化电线，经检查无安全隐患")
    housing.locator("select[name=result_code]").select_option("resolved")
    screenshot(housing, "walkthrough-reply")
    housing.locator(".minqing-action-form button[type=submit]").click()
    done(housing, "答复")
    assert status(case_id) == "replied"

    # The revisit clerk calls the citizen back: satisfied, the case closes.
    revisit = desk("revisit")
    revisit.goto("/revisit")
    assert "已更换楼道老化电线" in row(revisit, case_id).inner_text()
    row(revisit, case_id).locator('[data-testid="open-revisit"]').click()
    revisit.locator(".minqing-action-form select[name=result]").select_option("satisfied")
    revisit.locator(".minqing-action-form button[type=submit]").click()
    done(revisit, "回访")
    assert status(case_id) == "closed"

    actions = [
        e.action
        for e in db.session.query(CaseEvent).filter_by(case_id=case_id).order_by(CaseEvent.id)
    ]
    for expected in ("accept", "transfer", "sign", "return_request", "approve_return"):
        assert expected in actions
    assert actions.count("co_reply") == 2 and actions[-1] in ("revisit", "close")
    # Every step was taken from a page: the audit log has the browser's address on each.
    addresses = {e.client_ip for e in db.session.query(CaseEvent).filter_by(case_id=case_id)}
    assert addresses == {"127.0.0.1"}, addresses
    assert number
