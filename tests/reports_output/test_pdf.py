"""The report PDF: Chinese headings a reader (and pypdf) can read, the CJK font embedded, the
charts drawn on the server, the numbers the result's."""

from __future__ import annotations

from app.reports import Filters, run
from app.reports.formatting import format_cell
from app.reports.pdf import report_pdf
from tests.reports_output.conftest import embedded_fonts, keep_first_page, pdf_text


def test_the_department_report_pdf_is_chinese_with_the_cjk_font_embedded(march_cases):
    result = run("department", "2026-03")
    pdf = report_pdf(result)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for heading in ("承办单位绩效考核", "统计期：2026年3月", "总体指标", "承办单位排名", "按区县"):
        assert heading in text, heading
    # The charts are SVG drawn by ECharts on the server: their titles are text in the PDF.
    assert "各单位按期办结率与满意率" in text and "各单位逾期件数" in text
    assert "市城管局" in text and "市住建局" in text
    fonts = embedded_fonts(pdf)
    assert any("CJK" in f for f in fonts), fonts
    png = keep_first_page(pdf, "report-department-2026-03")
    assert png.stat().st_size > 10_000  # a drawn page, not a blank one


def test_the_pdf_prints_the_results_numbers(march_cases):
    result = run("department", "2026-03")
    summary = result.tables["summary"].frame.iloc[0]
    # 3 of 4 revisits satisfied: the PDF prints what the result holds, written the one way.
    assert format_cell("rate", summary["satisfaction_rate"]) == "75.0%"
    text = pdf_text(report_pdf(result))
    assert "满意率 75.0%" in text or "满意率75.0%" in text.replace(" ", "")


def test_a_department_narrowed_report_names_the_department_and_only_its_cases(march_cases, dept):
    result = run("department", "2026-03", Filters(department_id=dept("urban")))
    text = pdf_text(report_pdf(result, subject="市城管局"))
    assert "市城管局承办单位绩效考核" in text
    assert "市住建局" not in text
    # 2 of urban's 3 revisits satisfied.
    assert "66.7%" in text


def test_an_empty_month_still_makes_a_readable_pdf():
    text = pdf_text(report_pdf(run("department", "2025-01")))
    assert "承办单位绩效考核" in text and "总体指标" in text and "—" in text
