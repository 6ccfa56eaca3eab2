"""The holiday calendar page: a year's days, add and remove a day, import a year from CSV
(all or nothing, every bad line reported by number); the deadlines read the new calendar at
once."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.deadlines import service as deadlines
from app.extensions import db
from app.models import AuditLog, Holiday
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")
PAGE = "/admin/holidays?year=2027"
CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-20,workday,春节
"""


@pytest.fixture
def admin(client, page_login):
    page_login("admin")
    return client


def token(client, page: str = PAGE) -> str:
    return csrf_of(client.get(page).get_data(as_text=True))


def upload(client, text: str | bytes, year: int | str = 2027):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/admin/holidays/import",
        data={"csrf_token": token(client), "year": str(year), "file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )


def days(year: int) -> dict[date, tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Holiday).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
    )
    return {h.day: (h.kind, h.name) for h in rows}


def test_the_2026_calendar_as_the_state_council_published_it(admin):
    html = admin.get("/admin/holidays?year=2026").get_data(as_text=True)
    assert "2026年：放假33天，调休上班6天" in html
    assert 'data-day="2026-02-14"' in html and 'data-day="2026-10-10"' in html
    assert html.count("调休上班</span>") == 6


def test_importing_a_year_and_the_deadlines_follow(admin):
    before_cal = deadlines.work_calendar()  # cached now
    assert before_cal.is_working_day(date(2027, 2, 8))
    resp = upload(admin, CSV_2027)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert days(2027) == {
        date(2027, 1, 1): ("holiday", "元旦"),
        date(2027, 2, 6): ("holiday", "春节"),
        date(2027, 2, 7): ("holiday", "春节"),
        date(2027, 2, 8): ("holiday", "春节"),
        date(2027, 2, 20): ("workday", "春节"),
    }
    cal = deadlines.work_calendar()
    assert not cal.is_working_day(date(2027, 2, 8)) and cal.is_working_day(date(2027, 2, 20))
    assert cal.add_working_days(datetime(2027, 2, 5, 10, 0), 1) == datetime(2027, 2, 9, 10, 0)
    html = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2027年已导入：放假4天，调休上班1天" in html
    entry = db.session.scalar(select(AuditLog).filter_by(action="holiday.import"))
    assert entry.target_key == "2027" and entry.data["added"] == 5
    # A second import replaces the year.
    assert upload(admin, "date,kind,name\n2027-10-01,holiday,国庆节\n").status_code == 303
    assert days(2027) == {date(2027, 10, 1): ("holiday", "国庆节")}
    assert len(days(2026)) == 39  # another year is untouched


def test_a_file_with_bad_lines_imports_nothing_and_says_which(admin):
    upload(admin, CSV_2027)
    before = snapshot()
    bad = CSV_2027 + "2027-02-31,holiday,春节\n2026-12-31,holiday,元旦\n2027-02-19,workday,春节\n"
    resp = upload(admin, bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "文件有3处错误，未导入任何日期" in html and 'data-testid="error-file"' in html
    assert "第7行" in html and "第8行" in html and "第9行" in html
    assert "不在2027年内" in html and "只能是周六或周日" in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "year", "field", "words"),
    [
        (CSV_2027, "1999", "year", "年份须在2000至2100之间"),
        (CSV_2027, "", "year", "年份须在"),
        (CSV_2027, "abc", "year", ""),
        (b"", 2027, "file", "请选择CSV文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", 2027, "file", "未导入任何日期"),
        (b"x" * 70000, 2027, "file", "文件过大"),
        ("date;kind;name\n2027-01-01;holiday;元旦\n", 2027, "file", "表头"),
    ],
)
def test_files_and_years_refused(admin, content, year, field, words):
    before = snapshot()
    resp = upload(admin, content, year)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert f'data-testid="error-{field}"' in html and words in html
    assert snapshot() == before


def test_adding_and_removing_a_day(admin):
    resp = admin.post(
        "/admin/holidays/days?year=2027",
        data={"csrf_token": token(admin), "day": "2027-06-09", "kind": "holiday", "name": "端午节"},
    )
    assert resp.status_code == 303
    assert days(2027) == {date(2027, 6, 9): ("holiday", "端午节")}
    assert not deadlines.work_calendar().is_working_day(date(2027, 6, 9))
    resp = admin.post("/admin/holidays/days/2027-06-09/remove", data={"csrf_token": token(admin)})
    assert resp.status_code == 303 and days(2027) == {}
    assert deadlines.work_calendar().is_working_day(date(2027, 6, 9))
    actions = [e.action for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["holiday.add", "holiday.remove"]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"day": "2026-10-01", "kind": "holiday", "name": "国庆节"}, "day", "已在日历中"),
        ({"day": "2027-06-09", "kind": "workday", "name": "端午节"}, "day", "只能是周六或周日"),
        ({"day": "2027-06-09", "kind": "holiday", "name": ""}, "name", "缺少节日名称"),
        ({"day": "", "kind": "holiday", "name": "端午节"}, "day", "请填写日期"),
        ({"day": "06/09/2027", "kind": "holiday", "name": "端午节"}, "day", ""),
        ({"day": "2027-06-09", "kind": "rest", "name": "端午节"}, "kind", "请选择放假或调休上班"),
        ({"day": "1899-06-09", "kind": "holiday", "name": "端午节"}, "day", "年份须在"),
    ],
)
def test_a_refused_day_changes_nothing(admin, data, field, words):
    before = snapshot()
    resp = admin.post("/admin/holidays/days?year=2027", data={"csrf_token": token(admin), **data})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert f'data-testid="error-{field}"' in html and words in html
    assert snapshot() == before


def test_removing_a_day_not_there(admin):
    before = snapshot()
    resp = admin.post("/admin/holidays/days/2027-06-09/remove", data={"csrf_token": token(admin)})
    assert resp.status_code == 404 and "日历中没有这一天" in resp.get_data(as_text=True)
    resp = admin.post("/admin/holidays/days/not-a-date/remove", data={"csrf_token": token(admin)})
    assert resp.status_code == 404
    assert snapshot() == before


def test_the_seed_leaves_an_edited_year_alone(admin):
    from app.seed.reference import seed_holidays

    admin.post("/admin/holidays/days/2026-10-07/remove", data={"csrf_token": token(admin)})
    seed_holidays(2026)
    db.session.commit()
    assert date(2026, 10, 7) not in days(2026)
