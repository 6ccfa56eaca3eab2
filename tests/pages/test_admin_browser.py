"""The administration in a real browser: the department tree, a user created with the
searchable department picker, the 2026 holiday calendar; screenshots of each."""

from __future__ import annotations

import pytest

from tests.pages.conftest import screenshot
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")


def test_departments_in_the_browser(page, sign_in):
    sign_in("admin")
    page.click("text=系统管理")
    page.wait_for_selector('[data-testid="department-tree"]')
    assert page.locator('[data-testid="admin-tabs"] .active').inner_text() == "单位"
    # A missing name is marked, nothing is added; then it is.
    page.select_option("#parent_id", label="　东城区12345分中心 · 区级分中心")
    page.fill("#code", "east_water")
    page.click('[data-testid="add-department"] button[type=submit]')
    assert page.locator("#name.is-invalid").count() == 1
    assert page.locator('[data-testid="error-name"]').inner_text() == "必填"
    page.fill("#name", "东城区水务局")
    page.click('[data-testid="add-department"] button[type=submit]')
    page.wait_for_selector('[data-testid="department-name"]:has-text("东城区水务局")')
    page.click('nav[aria-label="breadcrumb"] >> text=单位')
    row = page.locator('tr[data-department="east_water"]')
    assert "dcqswj" in row.inner_text()
    screenshot(page, "admin-departments")


def test_a_user_made_with_the_department_picker(page, sign_in):
    sign_in("admin")
    page.goto("/admin/users")
    page.wait_for_selector('[data-testid="users"]')
    screenshot(page, "admin-users")
    page.click('[data-testid="new-user"]')
    page.fill("#username", "lake_clerk")
    page.fill("#display_name", "李娜")
    page.fill('[data-picker-search="department_id"]', "nhqcgj")  # 南湖区城管局's initials
    page.select_option("#department_id", label="　　南湖区城管局")
    page.check("#role-handler")
    page.fill("#password", "lake-clerk-pass")
    page.click('[data-testid="create-user"] button[type=submit]')
    page.wait_for_selector('[data-testid="user-name"]:has-text("lake_clerk")')
    assert "已创建用户 lake_clerk" in page.inner_text("main")
    screenshot(page, "admin-user")


def test_the_holiday_calendar_in_the_browser(page, sign_in):
    sign_in("admin")
    page.goto("/admin/holidays?year=2026")
    page.wait_for_selector('[data-testid="holidays"]')
    assert "2026年：放假33天，调休上班6天" in page.inner_text('[data-testid="holiday-summary"]')
    assert page.locator('[data-testid="holidays"] tbody tr').count() == 39
    screenshot(page, "admin-holidays")
