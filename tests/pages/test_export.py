"""Exports of the combined query: the list's rows (scope, filters, order, the list's summary)
streamed as CSV (UTF-8 with BOM, Chinese headers) or XLSX, capped, refused filters sent back to
the page, and every export audited in the audit log."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest

from app.cases import export, queries
from app.extensions import db
from app.models import AuditLog, User
from tests.pages.conftest import csrf_of

HEADER_ZH = [zh for _key, zh, _en in export.COLUMNS]
NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(resp) -> list[list[str]]:
    body = resp.get_data()
    assert body.startswith("\ufeff".encode())  # the BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(resp) -> list[list[tuple[str | None, str]]]:
    """The first sheet's rows: (cell type, text) per column, ("", "") where nothing was written."""
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['s']}}}row"):
        cells: list[tuple[str | None, str]] = [("", "")] * len(export.COLUMNS)
        for cell in row.iter(f"{{{NS['s']}}}c"):
            column = ord(re.match(r"[A-Z]", cell.get("r")).group()) - ord("A")
            text = "".join(t.text or "" for t in cell.iter(f"{{{NS['s']}}}t"))
            value = cell.find("s:v", NS)
            cells[column] = (cell.get("t"), text or (value.text if value is not None else ""))
        rows.append(cells)
    return rows


def transferred(api, dept, code: str = "east", **fields) -> dict:
    case = api.create(**fields)
    task = api.get(case["id"])["open_tasks"][0]["task_id"]
    api.act(case["id"], "transfer", "dispatcher", task_id=task, target_department_id=dept(code))
    return case


def test_csv_is_the_lists_rows_with_a_bom_and_chinese_headers(api, client, page_login, dept):
    east = transferred(api, dept, "east", citizen_name="李娜", channel="web")
    api.create(content="楼道灯坏了，请尽快修理", priority="urgent")
    page_login("dispatcher")
    resp = client.get("/query/export.csv")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert (
        "filename*=UTF-8''%E7%BB%BC%E5%90%88%E6%9F%A5%E8%AF%A2-"
        in resp.headers["Content-Disposition"]
    )
    rows = read_csv(resp)
    assert rows[0] == HEADER_ZH
    listed = queries.list_cases(
        db.session.scalar(db.select(User).filter_by(username="dispatcher")),
        {"page": 1, "per_page": 20, "sort": "-created_at"},
    )["items"]
    assert [r[0] for r in rows[1:]] == [c["number"] for c in listed]
    newest, older = rows[1], rows[2]
    assert newest[2:6] == ["电话", "求助", "紧急", "已受理"]
    assert newest[10] == "楼道灯坏了，请尽快修理"
    assert older[0] == east["number"]
    assert older[2] == "网站" and older[6] == "李娜" and older[8] == "东城区12345分中心"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", older[1])


def test_the_export_has_the_scope_and_the_filters_of_the_list(api, client, page_login, dept):
    east = transferred(api, dept, "east", content="东城区井盖缺失")
    transferred(api, dept, "west", content="西城区井盖缺失")
    transferred(api, dept, "east", content="东城区噪音扰民")
    page_login("east_dispatcher")
    rows = read_csv(client.get("/query/export.csv?q=井盖"))
    assert [r[0] for r in rows[1:]] == [east["number"]]


def test_xlsx_has_the_same_rows_and_keeps_text_as_text(api, client, page_login):
    first = api.create(content='=HYPERLINK("http://evil.example","点我")')
    second = api.create(citizen_name="@王五", content="+1 普通内容")
    page_login("dispatcher")
    resp = client.get("/query/export.xlsx")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.mimetype == export.MEDIA_TYPES["xlsx"]
    rows = read_xlsx(resp)
    assert [text for _t, text in rows[0]] == HEADER_ZH
    assert [row[0][1] for row in rows[1:]] == [second["number"], first["number"]]
    content = rows[2][10]
    assert content == ("inlineStr", '=HYPERLINK("http://evil.example","点我")')  # not a formula
    assert rows[1][1][0] is None  # the intake time is a date cell (a number with a format)
    # In CSV, a cell a spreadsheet would take for a formula is prefixed with an apostrophe.
    csv_rows = read_csv(client.get("/query/export.csv"))
    assert csv_rows[2][10].startswith("'=HYPERLINK(")
    assert csv_rows[1][6] == "'@王五" and csv_rows[1][10] == "'+1 普通内容"


@pytest.fixture
def english_reader(user):
    """The dispatcher reads English for one test (the language is kept on the user)."""
    yield
    user("dispatcher").locale = None
    db.session.commit()


def test_english_readers_get_english_headers(api, client, page_login, english_reader):
    api.create()
    page_login("dispatcher")
    html = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_of(html), "locale": "en"})
    resp = client.get("/query/export.csv")
    rows = read_csv(resp)
    assert rows[0] == [en for _key, _zh, en in export.COLUMNS]
    assert rows[1][2:6] == ["Phone", "Help", "Normal", "Accepted"]
    assert "filename*=UTF-8''cases-" in resp.headers["Content-Disposition"]


def test_past_the_cap_the_export_is_refused_with_a_message(app, api, client, page_login):
    for _ in range(3):
        api.create()
    app.config["EXPORT_MAX_ROWS"] = 2
    page_login("dispatcher")
    resp = client.get("/query/export.csv?status=accepted")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/query?status=accepted"
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "查询结果超过 2 条，无法导出" in html and "请缩小查询范围" in html
    app.config["EXPORT_MAX_ROWS"] = 3  # at the cap itself: exported
    assert len(read_csv(client.get("/query/export.xlsx".replace("xlsx", "csv")))) == 4


def test_refused_filters_go_back_to_the_page_that_marks_them(client, page_login):
    page_login("dispatcher")
    resp = client.get("/query/export.xlsx?created_from=2026-02-30&status=handling")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"])
    assert page.status_code == 422
    assert 'data-testid="error-created_from"' in page.get_data(as_text=True)


def test_an_unknown_format_is_not_found_and_a_session_is_needed(client, page_login):
    resp = client.get("/query/export.csv")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    page_login("dispatcher")
    assert client.get("/query/export.pdf").status_code == 404


def exports_audited() -> list:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(AuditLog).filter_by(action="case.export").order_by(AuditLog.id)
        )
    )


def test_every_export_is_audited(api, client, page_login, user):
    api.create()
    api.create()
    page_login("agent")
    client.get("/query/export.csv?status=accepted&q=路灯").get_data()
    client.get("/query/export.xlsx").get_data()
    records = exports_audited()
    assert [(r.data["format"], r.data["rows"], r.data["complete"]) for r in records] == [
        ("csv", 2, True),
        ("xlsx", 2, True),
    ]
    first = records[0]
    assert first.user_id == user("agent").id and first.target_type == "cases"
    assert first.data["filters"] == "status=accepted&q=%E8%B7%AF%E7%81%AF"
    assert first.client_ip == "127.0.0.1"


def test_an_export_cut_off_by_the_client_is_audited_as_incomplete(api, client, page_login):
    for _ in range(3):
        api.create()
    page_login("dispatcher")
    user = db.session.scalar(db.select(User).filter_by(username="dispatcher"))
    started = export.start(
        user, {"page": 1, "per_page": 20, "sort": "-created_at"}, "csv", "zh", "10.0.0.9", 10
    )
    next(started.chunks)  # a first piece, then the client goes away
    started.chunks.close()  # type: ignore[attr-defined]
    (record,) = exports_audited()
    assert record.data["complete"] is False and record.client_ip == "10.0.0.9"


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_the_stream_is_the_list_in_its_order_whatever_the_batch(api, dept, batch):
    for i in range(5):
        (transferred(api, dept, "east") if i % 2 else api.create())
    user = db.session.scalar(db.select(User).filter_by(username="east_dispatcher"))
    for sort in ("-created_at", "number", "handle_due_at"):
        args: queries.CaseListArgs = {"page": 1, "per_page": 200, "sort": sort}
        listed = queries.list_cases(user, args)["items"]
        streamed = list(queries.iter_cases(user, args, batch=batch))
        assert streamed == listed and len(streamed) == 2
        assert queries.count_cases_up_to(user, args, 1) == 2  # counted up to the cap + 1
