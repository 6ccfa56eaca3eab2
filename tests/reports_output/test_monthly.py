"""The monthly department reports: stored by the scheduler's job from the first working day of
the next month, once per department and month (a second run, two schedulers at once, a
scheduler that was off that day), listed on the download page by the readers' scope."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from app.clock import clock
from app.extensions import db
from app.models import Department, MonthlyReport
from app.reports import monthly, storage
from app.scheduler import jobs
from tests.reports_output.conftest import embedded_fonts, pdf_text

APRIL = datetime(2026, 4, 7, 10, 0)  # a working Tuesday after 清明
# 1-5 May 2026 are the 劳动节 holidays: April's reports are due on Wednesday 6 May.
HOLIDAY_EVE = datetime(2026, 5, 5, 23, 0)
FIRST_WORKING_DAY = datetime(2026, 5, 6, 8, 0)
THIRD_WORKING_DAY = datetime(2026, 5, 8, 9, 30)
KEPT = ("urban", "housing", "east_urban")  # the departments left active in these tests


@pytest.fixture
def few_departments(app, tmp_path):
    """Three active handling departments (each report is a few seconds of drawing), the files
    in a folder of the test's own."""
    app.config["MONTHLY_REPORTS_DIR"] = str(tmp_path / "reports")
    others = select(Department.id).where(Department.code.not_in(KEPT))
    db.session.execute(update(Department).where(Department.id.in_(others)).values(active=False))
    db.session.commit()
    yield {code: db.session.scalar(select(Department.id).filter_by(code=code)) for code in KEPT}
    db.session.rollback()
    db.session.execute(update(Department).values(active=True))
    db.session.commit()


@pytest.fixture
def april_case(api, dept):
    clock.freeze(APRIL)
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    api.act(case_id, "revisit", "revisit", result="satisfied", resolved=True)
    return case_id


def _stored() -> list[tuple[int, str]]:
    db.session.expire_all()
    return sorted(db.session.execute(select(MonthlyReport.department_id, MonthlyReport.month)))


def test_a_scheduler_off_on_the_first_working_day_catches_up_once(app, few_departments, april_case):
    clock.freeze(HOLIDAY_EVE)
    assert monthly.run(clock.now()) == 0  # 1-5 May: holidays, nothing due yet
    # Off on 6 May; it runs again on the 8th, through the scheduler's pass of every job.
    clock.freeze(THIRD_WORKING_DAY)
    assert jobs.run_all(app)["monthly_reports"] == 3
    assert jobs.run_all(app)["monthly_reports"] == 0
    clock.freeze(datetime(2026, 5, 20, 10, 0))
    assert monthly.run(clock.now()) == 0
    assert _stored() == sorted((i, "2026-04") for i in few_departments.values())
    row = db.session.scalar(
        select(MonthlyReport).where(MonthlyReport.department_id == few_departments["urban"])
    )
    assert row.file_name == "市城管局-月报-2026-04.pdf"
    pdf = storage.path_of(row.file_key).read_bytes()
    assert len(pdf) == row.size
    text = pdf_text(pdf)
    assert "市城管局承办单位绩效考核" in text and "统计期：2026年4月" in text
    assert "100.0%" in text and "市住建局" not in text
    assert any("CJK" in f for f in embedded_fonts(pdf))
    # Only the stored files: nothing half-written or left over.
    files = sorted(p.name for p in storage.folder().rglob("*") if p.is_file())
    assert len(files) == 3 and all(f.endswith(".pdf") and not f.startswith(".") for f in files)


def test_the_reports_are_due_from_the_first_working_day(app, few_departments):
    clock.freeze(FIRST_WORKING_DAY)
    app.config["MONTHLY_REPORTS_PER_RUN"] = 2  # one pass draws two; the next goes on
    assert monthly.run(clock.now()) == 2
    assert monthly.run(clock.now()) == 1
    assert monthly.run(clock.now()) == 0
    assert len(_stored()) == 3


def test_two_schedulers_at_once_store_each_report_once(app, few_departments):
    clock.freeze(FIRST_WORKING_DAY)
    db.session.commit()
    made, failed = [], []
    start = threading.Barrier(2, timeout=30)

    def job():
        with app.app_context():
            try:
                start.wait()
                made.append(monthly.run(clock.now()))
            except Exception as exc:  # reported below
                failed.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert sum(made) == 3
    assert len(_stored()) == 3
    count = db.session.scalar(select(func.count()).select_from(MonthlyReport))
    files = [p for p in storage.folder().rglob("*.pdf") if p.is_file()]
    assert count == len(files) == 3  # the loser of a race removed its file


def test_the_download_page_lists_a_departments_own_and_all_for_oversight(
    signed_in, few_departments
):
    clock.freeze(FIRST_WORKING_DAY)
    assert monthly.run(clock.now()) == 3
    db.session.expire_all()
    ids = {r.department_id: r.id for r in db.session.scalars(select(MonthlyReport))}
    client = signed_in("urban_handler")
    index = client.get("/reports").get_data(as_text=True)
    assert 'href="/reports/monthly"' in index  # found from the reports' list
    html = client.get("/reports/monthly").get_data(as_text=True)
    assert "市城管局" in html and "2026-04" in html and "市住建局" not in html
    answer = client.get(f"/reports/monthly/{ids[few_departments['urban']]}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF")
    assert "attachment" in answer.headers["Content-Disposition"]
    # Another department's report is not there for it, as one that does not exist.
    assert client.get(f"/reports/monthly/{ids[few_departments['housing']]}.pdf").status_code == 404
    assert client.get("/reports/monthly/999999.pdf").status_code == 404

    client = signed_in("oversight")
    html = client.get("/reports/monthly?month=2026-04").get_data(as_text=True)
    for name in ("市城管局", "市住建局"):
        assert name in html
    assert html.count('data-testid="download"') == 3
    assert 'data-testid="none"' in client.get("/reports/monthly?month=2026-03").get_data(
        as_text=True
    )
    assert client.get(f"/reports/monthly/{ids[few_departments['housing']]}.pdf").status_code == 200


def test_the_download_page_refuses_a_bad_month_and_a_reader_of_no_reports(
    signed_in, few_departments
):
    client = signed_in("oversight")
    answer = client.get("/reports/monthly?month=2026-13")
    assert answer.status_code == 422
    assert "月份格式应为 YYYY-MM" in answer.get_data(as_text=True)
    answer = client.get("/reports/monthly?month=<script>")
    assert answer.status_code == 422 and "<script>" not in answer.get_data(as_text=True)
    assert signed_in("designer").get("/reports/monthly").status_code == 403
