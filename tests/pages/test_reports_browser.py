"""A report page in Debian's chromium: the charts drawn by ECharts (served by the app, no
CDN), the tables, a filter changed through the form landing in the URL; a screenshot."""

from __future__ import annotations

import re

from tests.pages.conftest import screenshot
from tests.reports.conftest import build_month


def test_the_department_report_in_a_browser(api, dept, desk):
    build_month(api, dept)
    page = desk("oversight")
    page.goto("/reports/department?month=2026-11")
    # Both charts drawn as SVG by ECharts, with the departments on the axis.
    page.wait_for_selector('.report-chart[data-chart="rates"][data-drawn="1"] svg')
    page.wait_for_selector('.report-chart[data-chart="overdue"][data-drawn="1"] svg')
    assert "市住建局" in page.inner_text('.report-chart[data-chart="rates"]')
    ranking = page.locator('[data-table="ranking"] tbody tr')
    assert ranking.first.locator('[data-col="department"]').inner_text() == "市住建局"
    assert ranking.last.locator('[data-col="department"]').inner_text() == "合计"
    screenshot(page, "report-department")
    # Another month through the form: the URL is the report.
    page.fill("#month", "2026-10")
    page.click('[data-testid="apply"]')
    page.wait_for_url(re.compile(r"month=2026-10"))
    assert page.inner_text('[data-testid="period"]') == "2026-10"
    page.wait_for_selector('.report-chart[data-drawn="1"] svg')
    # The custom report: picked measures by district, drawn and tabled.
    page.goto(
        "/reports/custom?month=2026-11&measures=dispatched&measures=sign_rate&dimensions=district"
    )
    page.wait_for_selector('.report-chart[data-chart="custom"][data-drawn="1"] svg')
    names = page.locator('[data-table="custom"] tbody [data-col="district"]').all_inner_texts()
    assert names == ["市级", "东城区12345分中心", "合计"]
    screenshot(page, "report-custom")
