"""The work lists in a real browser (Chromium via Playwright): a handler's inbox with its tab
counts and coloured countdowns, a bulk sign of which one case was taken meanwhile, a dispatcher
finding a department by its pinyin initials and transferring a case, a revisit recorded (a
missing reason marked in place first). Screenshots: inbox, dispatch, revisit."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Case
from tests.pages.conftest import screenshot
from tests.pages.inbox_helpers import at, replied, sent_to, signed


def row(tab, case: dict):
    return tab.locator(f'tr[data-case="{case["id"]}"]')


def test_a_handler_bulk_signs_and_is_told_which_case_was_taken(desk, api, dept):
    at(9)
    late = sent_to(api, dept, content="和平路口井盖缺失，夜间行人易跌落")
    at(10)
    close = sent_to(api, dept, content="小区门口路灯不亮已经一周", citizen_name="王芳")
    at(12)
    fresh = sent_to(api, dept, content="人行道被占用摆摊，行人只能走机动车道", channel="web")
    signed(api, dept, content="垃圾清运不及时，气味很大", priority="urgent")
    at(13, 30)

    tab = desk("east_urban_handler")
    tab.click("nav >> text=待办")
    tab.wait_for_selector('[data-testid="worklist"]')
    assert tab.inner_text('[data-testid="count-sign"]') == "3"
    assert tab.inner_text('[data-testid="count-handling"]') == "1"
    assert tab.inner_text('[data-testid="count-overdue"]') == "1"
    standing = {
        c["number"]: row(tab, c).locator('[data-testid="countdown"]').get_attribute("data-standing")
        for c in (late, close, fresh)
    }
    assert standing == {
        late["number"]: "overdue",
        close["number"]: "warning",
        fresh["number"]: "normal",
    }
    # The colours are what a clerk sees: red, amber, green.
    colours = {
        s: row(tab, c)
        .locator('[data-testid="countdown"]')
        .evaluate("e => getComputedStyle(e).backgroundColor")
        for s, c in (("overdue", late), ("warning", close), ("normal", fresh))
    }
    assert len(set(colours.values())) == 3
    screenshot(tab, "inbox")

    row(tab, late).locator('[data-testid="choose"]').check()
    row(tab, close).locator('[data-testid="choose"]').check()
    api.act(close["id"], "sign", "east_urban_handler")  # a colleague signs it meanwhile
    tab.click('[data-testid="bulk-sign"]')
    report = tab.locator('[data-testid="bulk-report"]')
    report.wait_for()
    text = report.inner_text()
    assert "成功 1 件，未成功 1 件" in text
    assert late["number"] in tab.inner_text('[data-testid="bulk-done"]')
    refused = tab.inner_text('[data-testid="bulk-refused"]')
    assert close["number"] in refused and "该工单刚被其他人处理" in refused
    assert tab.inner_text('[data-testid="count-sign"]') == "1"  # htmx swapped the list in
    screenshot(tab, "inbox-bulk-report")
    db.session.expire_all()
    assert db.session.get(Case, late["id"]).status == "handling"

    # The tabs swap in place and keep the address.
    tab.click('[data-tab="handling"]')
    tab.wait_for_url(re.compile(r"tab=handling"))
    tab.wait_for_selector(f'tr[data-case="{late["id"]}"]')
    assert tab.locator('[data-action="reply"]').count() == 3
    # A filter the page cannot use is marked, the rest of the list stays.
    tab.fill("#f-phone", "abc")
    tab.click('[data-testid="filter"]')
    tab.wait_for_selector('[data-testid="error-phone"]')
    assert "is-invalid" in tab.get_attribute("#f-phone", "class")
    assert tab.locator("tr[data-case]").count() == 3


def test_a_dispatcher_finds_a_department_by_its_pinyin_initials(desk, api, dept):
    at(9)
    other = api.create(content="东城区和平路路灯不亮", priority="urgent")
    case = api.create(content="小区门口井盖松动，车辆经过响声很大")
    ext = signed(api, dept, "urban", "urban_handler")
    api.act(ext["id"], "extension_request", "urban_handler", days=2, reason="需协调施工队")
    sent_to(api, dept, "housing")
    at(10)

    gone = api.create(content="楼下餐馆油烟扰民")
    tab = desk("dispatcher")
    tab.click("nav >> text=派单")
    tab.wait_for_selector('[data-testid="waiting"]')
    # A colleague dispatches one meanwhile: its form says so in its place, the page stays.
    api.act(gone["id"], "transfer", "dispatcher", target_department_id=dept("water"))
    row(tab, gone).locator('[data-testid="open-transfer"]').click()
    error = tab.locator('[data-testid="inline-error"]')
    error.wait_for()
    assert "此操作当前不可用" in error.inner_text()
    assert tab.locator('[data-testid="waiting"]').count() == 1
    row(tab, case).locator('[data-testid="open-transfer"]').click()
    search = tab.locator('[data-picker-search="transfer-target_department_id"]')
    search.wait_for()
    search.press_sequentially("dcqcgj")
    picked = tab.locator("#transfer-target_department_id")
    assert picked.input_value() == str(dept("east_urban"))
    visible = picked.locator("option:not([hidden]):not([value=''])").all_inner_texts()
    assert [v.strip() for v in visible] == ["东城区城管局"]
    screenshot(tab, "dispatch")
    tab.locator(".minqing-action-form button[type=submit]").click()
    tab.wait_for_selector("text=已完成：转办")
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).current_department_id == dept("east_urban")
    assert row(tab, case).count() == 1  # now under "sent, not signed for yet"
    assert tab.locator(f'#section-recall tr[data-case="{case["id"]}"]').count() == 1

    # Bulk: choose the other one, pick the transport bureau by its initials, transfer.
    row(tab, other).locator('[data-testid="choose"]').check()
    tab.click('[data-testid="bulk-transfer"] summary')
    tab.locator('[data-picker-search="bulk-target"]').press_sequentially("sjt")
    assert tab.locator("#bulk-target").input_value() == str(dept("transport"))
    tab.click('[data-testid="bulk-transfer-submit"]')
    tab.wait_for_selector('[data-testid="bulk-report"]')
    assert "转办：成功 1 件，未成功 0 件" in tab.inner_text('[data-testid="bulk-report"]')
    db.session.expire_all()
    assert db.session.get(Case, other["id"]).current_department_id == dept("transport")


def test_a_revisit_clerk_records_an_unsatisfied_call(desk, api, dept):
    at(9)
    case = replied(api, dept, content="小区门口路灯不亮已经一周")
    replied(api, dept, "housing", "housing_handler", content="楼道墙皮脱落，存在安全隐患")
    at(11)

    tab = desk("revisit")
    tab.click("nav >> text=回访")
    tab.wait_for_selector('[data-testid="revisit-list"]')
    assert "路灯已修复" in row(tab, case).inner_text()
    screenshot(tab, "revisit")
    row(tab, case).locator('[data-testid="open-revisit"]').click()
    form = tab.locator(".minqing-action-form")
    form.wait_for()
    form.locator("select[name=result]").select_option("unsatisfied")
    form.locator("button[type=submit]").click()
    tab.wait_for_selector('[data-testid="error-reason"]')  # marked in place, nothing saved
    screenshot(tab, "revisit-form")
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).status == "replied"
    tab.locator(".minqing-action-form [name=reason]").fill("路灯仍然不亮")
    tab.locator(".minqing-action-form button[type=submit]").click()
    tab.wait_for_selector("text=已完成：回访")
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).status == "accepted"  # reopened, back to dispatch
