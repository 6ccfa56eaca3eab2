"""The oversight office urges in a real browser (Chromium via Playwright) and the department
sees it: the oversight page lists the overdue case, the office urges it with a message, and
the department's inbox marks it 催办 while its case page shows the urge in the timeline.
Screenshots: oversight, inbox-urged."""

from __future__ import annotations

from app.extensions import db
from app.models import Case
from tests.pages.conftest import screenshot
from tests.pages.inbox_helpers import at, sent_to


def test_the_office_urges_and_the_department_sees_the_mark(desk, api, dept):
    at(9)
    late = sent_to(api, dept, content="和平路口井盖缺失，夜间行人易跌落")
    quiet = sent_to(api, dept, content="小区门口路灯不亮已经一周")
    at(15)  # both past their four working hours to be signed for

    office = desk("oversight")
    office.click("nav >> text=效能督办")
    office.wait_for_selector('[data-testid="department-counts"]')
    counts = office.locator(f'tr[data-department="{dept("east_urban")}"]')
    assert counts.locator('[data-testid="overdue-count"]').inner_text() == "2"
    office.locator(
        f'[data-testid="overdue-cases"] tr[data-case-id="{late["id"]}"] [data-testid="choose"]'
    ).check()
    office.fill("#bulk-message", "井盖缺失危及行人，请立即签收处置")
    office.click('[data-testid="urge-chosen"]')
    report = office.locator('[data-testid="urge-report"]')
    report.wait_for()
    assert "1 件工单已催办" in report.inner_text()
    screenshot(office, "oversight")
    db.session.expire_all()
    assert db.session.get(Case, late["id"]).urge_count == 1
    assert db.session.get(Case, quiet["id"]).urge_count == 0

    handler = desk("east_urban_handler")
    handler.click("nav >> text=待办")
    handler.wait_for_selector('[data-testid="worklist"]')
    mark = handler.locator(f'tr[data-case="{late["id"]}"] [data-testid="urged"]')
    assert mark.inner_text() == "催办"
    assert handler.locator(f'tr[data-case="{quiet["id"]}"] [data-testid="urged"]').count() == 0
    screenshot(handler, "inbox-urged")
    handler.locator(f'tr[data-case="{late["id"]}"] [data-testid="case-number"]').click()
    urge_event = handler.locator('[data-testid="timeline"] li[data-action="urge"]')
    urge_event.wait_for()
    assert "井盖缺失危及行人，请立即签收处置" in urge_event.inner_text()
