"""The PDF from the command line (`flask reports render --format pdf`) and from the report
page (its PDF link), their refusals said clearly, nothing written on a refusal."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Department
from tests.reports_output.conftest import embedded_fonts, pdf_text


def flask(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_render_pdf_from_the_command_line(app, march_cases, tmp_path):
    out = tmp_path / "urban.pdf"
    result = flask(
        app, "reports", "render", "department", "--month", "2026-03", "--format", "pdf",
        "--department", "urban", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    text = pdf_text(pdf)
    assert "市城管局承办单位绩效考核" in text and "统计期：2026年3月" in text
    assert "市住建局" not in text
    assert any("CJK" in f for f in embedded_fonts(pdf))


def test_the_command_line_refuses_a_bad_month_a_bad_format_and_says_why(app, tmp_path):
    out = tmp_path / "x.pdf"
    result = flask(
        app, "reports", "render", "department", "--month", "2026-13", "--format", "pdf",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 2 and "--month" in result.output and "YYYY-MM" in result.output
    result = flask(
        app, "reports", "render", "department", "--month", "2026-03", "--format", "doc",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 2 and "'doc' is not one of" in result.output
    assert "pdf" in result.output
    assert not out.exists()


def test_a_pdf_that_cannot_be_drawn_is_said_not_a_traceback(app, march_cases, tmp_path):
    app.config["NODE_BINARY"] = str(tmp_path / "no-node")
    out = tmp_path / "x.pdf"
    result = flask(
        app, "reports", "render", "department", "--month", "2026-03", "--format", "pdf",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 1 and "暂时无法生成 PDF" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_the_report_page_links_its_pdf_with_its_filters(march_cases, signed_in):
    client = signed_in("oversight")
    html = client.get("/reports/department?month=2026-03").get_data(as_text=True)
    link = re.search(r'href="([^"]+)"[^>]*data-testid="pdf"', html)
    assert link, "no PDF link on the report page"
    href = link.group(1).replace("&amp;", "&")
    assert "export.pdf" in href and "month=2026-03" in href
    answer = client.get(href)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert 'filename="department-2026-03.pdf"' in answer.headers["Content-Disposition"]
    text = pdf_text(answer.data)
    assert "承办单位绩效考核" in text and "市城管局" in text and "市住建局" in text


def test_a_departments_pdf_is_its_own_and_refusals_are_pages(app, march_cases, signed_in):
    housing = db.session.scalar(select(Department.id).filter_by(code="housing"))
    urban = db.session.scalar(select(Department.id).filter_by(code="urban"))
    client = signed_in("urban_handler")
    answer = client.get(f"/reports/department/export.pdf?month=2026-03&department_id={urban}")
    assert answer.status_code == 200
    assert "市城管局承办单位绩效考核" in pdf_text(answer.data)
    # Another department's numbers are not found for it; a bad month is said.
    answer = client.get(f"/reports/department/export.pdf?month=2026-03&department_id={housing}")
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    answer = client.get("/reports/department/export.pdf?month=2026-3x")
    assert answer.status_code == 422 and "月份格式应为 YYYY-MM" in answer.get_data(as_text=True)
    assert client.get("/reports/department/export.doc?month=2026-03").status_code == 404
    app.config["NODE_BINARY"] = "/nonexistent/node"
    answer = client.get("/reports/department/export.pdf?month=2026-03")
    assert answer.status_code == 503 and "暂时无法生成 PDF" in answer.get_data(as_text=True)
