"""The combined query in a real browser: filters chosen in the form become the URL, a query is
saved and run again from the list, the department picker narrows by typing."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app.extensions import db
from app.models import SavedQuery
from tests.pages.conftest import screenshot

DEMANDS = [
    ("张伟", "13800001111", "小区门口路灯不亮已经一周，晚上出行很不方便", "help", "phone"),
    ("李娜", "13900002222", "楼上装修噪音扰民，晚上十点后仍在施工", "complaint", "web"),
    ("王芳", "13700003333", "和平路与解放路交叉口井盖缺失，存在安全隐患", "report", "phone"),
    ("刘洋", "13600004444", "咨询新生儿医保办理需要哪些材料", "enquiry", "phone"),
    ("陈静", "13500005555", "小区垃圾清运不及时，气味很大", "complaint", "walk_in"),
    ("赵磊", "13400006666", "建议在学校门口增设人行横道信号灯", "suggestion", "letter"),
]


@pytest.fixture(autouse=True)
def _no_saved_queries():
    yield
    db.session.rollback()
    db.session.execute(delete(SavedQuery))
    db.session.commit()


def test_query_save_and_run_in_the_browser(api, dept, page, sign_in):
    for i, (name, phone, content, case_type, channel) in enumerate(DEMANDS):
        case = api.create(
            citizen_name=name,
            citizen_phone=phone,
            content=content,
            case_type=case_type,
            channel=channel,
            priority="urgent" if i == 2 else "normal",
        )
        if i % 2 == 0:
            task = api.get(case["id"])["open_tasks"][0]["task_id"]
            target = dept("east_urban" if i else "housing")
            api.act(case["id"], "transfer", "dispatcher", task_id=task, target_department_id=target)
    sign_in("dispatcher")
    page.goto("/query")
    assert page.locator("[data-testid=query-results] tbody tr").count() == len(DEMANDS)
    page.select_option("#status", "transferred")
    page.fill("#q", "小区")
    page.click("[data-testid=run-query]")
    page.wait_for_url("**/query?*")
    assert "status=transferred" in page.url and "q=" in page.url
    rows = page.locator("[data-testid=query-results] tbody tr")
    assert rows.count() == 2
    assert "小区" in rows.nth(0).inner_text()
    # Save it, then clear the form and run it again from "my saved queries".
    page.fill("#save-name", "小区转办未签收")
    page.click("[data-testid=save-query]")
    page.wait_for_selector("text=已保存查询：小区转办未签收")
    page.click("text=清空")
    page.wait_for_url("**/query")
    assert page.locator("[data-testid=query-results] tbody tr").count() == len(DEMANDS)
    page.click("[data-testid=saved-queries] >> text=小区转办未签收")
    page.wait_for_url("**/query?status=transferred*")
    assert page.locator("[data-testid=query-results] tbody tr").count() == 2
    # The department picker: typing pinyin initials narrows the list; the filter applies it.
    page.click("text=清空")
    page.fill("[data-picker-search=department_id]", "zj")
    visible = page.locator("#department_id option:not([hidden])")
    assert visible.count() >= 1
    page.select_option("#department_id", str(dept("housing")))
    page.click("[data-testid=run-query]")
    page.wait_for_url(f"**/query?*department_id={dept('housing')}*")
    assert page.locator("[data-testid=query-results] tbody tr").count() == 1
    page.click("text=清空")
    page.wait_for_url("**/query")
    screenshot(page, "query")


def test_a_refused_filter_is_marked_in_the_browser(page, sign_in):
    sign_in("agent")
    page.goto("/query?created_from=2026-02-30&q=x")
    assert page.locator("#q.is-invalid").count() == 1
    assert page.locator("[data-testid=error-created_from]").inner_text() != ""
    screenshot(page, "query-refused")
