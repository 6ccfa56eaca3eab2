"""The report pages: filters in the URL, marked refusals, scopes, the charts' options, CSV and
XLSX exports with the page's numbers, and the custom report with its saved picks. The month
is tests/reports/conftest.py's, computed by hand there."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html import unescape
from xml.etree import ElementTree

import pytest

from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.reports.conftest import build_month

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def month(api, dept):
    return build_month(api, dept)


@pytest.fixture
def as_user(client, page_login):
    """as_user("leader"): sign the test client out, then in as that user."""

    def switch(username: str) -> None:
        html = client.get("/").get_data(as_text=True)
        if 'action="/logout"' in html:
            client.post("/logout", data={"csrf_token": csrf_of(html)})
        page_login(username)

    return switch


def cells(html: str, table: str, column: str) -> list[str]:
    """The texts of one column of one of the page's tables, top to bottom."""
    section = html.split(f'data-table="{table}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [unescape(c) for c in re.findall(rf'data-col="{column}">([^<]*)</td>', body)]


def read_csv(resp) -> list[list[str]]:
    body = resp.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(resp) -> dict[str, list[list[object]]]:
    """Every sheet's rows (by sheet name): strings and numbers as written."""
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['s']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        ]
        names = [
            s.get("name")
            for s in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(
                f"{{{NS['s']}}}sheet"
            )
        ]
        out = {}
        for i, name in enumerate(names, start=1):
            sheet = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{i}.xml"))
            rows = []
            for row in sheet.iter(f"{{{NS['s']}}}row"):
                values: list[object] = []
                for cell in row.iter(f"{{{NS['s']}}}c"):
                    v = cell.find("s:v", NS)
                    text = v.text if v is not None else ""
                    values.append(shared[int(text)] if cell.get("t") == "s" else float(text))
                rows.append(values)
            out[name] = rows
    return out


def test_the_report_list_names_every_report(client, page_login):
    page_login("oversight")
    html = client.get("/reports").get_data(as_text=True)
    for name in ("volume", "department", "hotline", "custom"):
        assert f'data-report="{name}"' in html
    assert "承办单位绩效考核" in html


def test_the_department_report_shows_the_months_numbers(month, client, page_login):
    page_login("oversight")
    resp = client.get("/reports/department?month=2026-11")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    # The ranking: housing (100% on time), then urban (2 of 3), the total row last.
    assert cells(html, "ranking", "rank")[:2] == ["1", "2"]
    names = cells(html, "ranking", "department")
    assert names[:2] == ["市住建局", "市城管局"] and names[-1] == "合计"
    assert cells(html, "ranking", "on_time_rate")[:2] == ["100.0%", "66.7%"]
    assert cells(html, "ranking", "dispatched")[-1] == "7"
    assert cells(html, "summary", "sign_rate") == ["85.7%"]  # 6 of 7
    assert cells(html, "summary", "on_time_rate__mom") == ["-25.0pp"]  # 75% against 100%
    assert cells(html, "summary", "sign_rate__yoy") == ["—"]  # nothing in November 2025
    # The charts' options, as the PDF draws them too.
    options = [json.loads(unescape(o)) for o in re.findall(r'data-option="([^"]*)"', html)]
    assert options and options[0]["xAxis"]["data"][:2] == ["市住建局", "市城管局"]
    assert options[0]["series"][0]["data"][:2] == [100.0, 66.7]
    assert "/assets/echarts/6.1.0/echarts.min.js" in html


def test_filters_are_the_url(month, client, page_login, dept):
    page_login("oversight")
    html = client.get(f"/reports/volume?month=2026-11&department_id={dept('east')}").get_data(
        as_text=True
    )
    assert cells(html, "summary", "cases") == ["1"]  # I, the one case sent into the east
    html = client.get("/reports/volume?month=2026-11&channel=web").get_data(as_text=True)
    assert cells(html, "summary", "cases") == ["1"]  # B
    assert 'value="web" selected' in html
    # The export links carry the same filters.
    assert "export.csv?month=2026-11&amp;channel=web&amp;table=summary" in html
    html = client.get("/reports/volume?month=2026-06").get_data(as_text=True)
    assert cells(html, "summary", "answered_rate") == ["—"]  # no cases: no rate, not 0%
    assert cells(html, "summary", "cases") == ["0"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("month=2026-13", "month"),
        ("month=November", "month"),
        ("month=2026-11&channel=fax", "channel"),
        ("month=2026-11&case_type=nope", "case_type"),
        ("month=2026-11&department_id=abc", "department_id"),
        ("month=2026-11&category=99999999", "category"),
    ],
)
def test_a_bad_filter_is_a_marked_field(client, page_login, query, field):
    page_login("oversight")
    resp = client.get(f"/reports/department?{query}")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="refused"' in html


def test_scopes(month, client, as_user, dept):
    as_user("urban_handler")
    html = client.get("/reports/department?month=2026-11").get_data(as_text=True)
    assert cells(html, "ranking", "department") == ["市城管局", "合计"]  # its own only
    assert cells(html, "ranking", "dispatched") == ["3", "3"]
    # Another department's numbers are not found, as its cases are not.
    assert client.get(f"/reports/department?department_id={dept('housing')}").status_code == 404
    assert client.get("/reports/department?department_id=999999").status_code == 404
    as_user("leader")  # oversees the east district and housing
    html = client.get("/reports/department?month=2026-11").get_data(as_text=True)
    assert cells(html, "ranking", "dispatched")[-1] == "3"
    assert client.get(f"/reports/department?department_id={dept('urban')}").status_code == 404
    as_user("designer")
    assert client.get("/reports/department").status_code == 403
    assert client.get("/reports/nope").status_code in (403, 404)
    as_user("oversight")
    assert client.get("/reports/nope").status_code == 404


def test_csv_and_xlsx_give_the_pages_numbers(month, client, page_login):
    page_login("oversight")
    resp = client.get("/reports/department/export.csv?month=2026-11&table=ranking")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "department-2026-11-ranking.csv" in resp.headers["Content-Disposition"]
    rows = read_csv(resp)
    assert rows[0][:4] == ["排名", "承办单位", "派单数", "按时签收率"]
    assert rows[1][1] == "市住建局" and rows[-1][1] == "合计"
    column = rows[0].index("按期办结率")
    assert [r[column] for r in rows[1:3]] == ["100.0%", "66.7%"]
    resp = client.get("/reports/department/export.xlsx?month=2026-11")
    assert resp.status_code == 200
    book = read_xlsx(resp)
    assert list(book) == ["总体指标", "承办单位排名", "按区县"]
    ranking = book["承办单位排名"]
    assert ranking[0] == ["承办单位绩效考核 2026-11"]
    header = ranking[1]
    assert header[1] == "承办单位"
    on_time = header.index("按期办结率")
    assert ranking[2][on_time] == 1.0 and ranking[3][on_time] == pytest.approx(2 / 3)
    summary = book["总体指标"]
    assert summary[2][summary[1].index("按时签收率")] == pytest.approx(6 / 7)
    # A bad filter exports nothing: our error.
    assert client.get("/reports/department/export.csv?month=13-2026").status_code == 422
    assert client.get("/reports/department/export.pdfx?month=2026-11").status_code == 404
    assert client.get("/reports/department/export.csv?table=nope").status_code == 404


def test_custom_report_picks_saves_and_refuses(month, client, as_user, dept):
    as_user("oversight")
    url = "/reports/custom?month=2026-11&measures=cases&measures=sign_rate&dimensions=district"
    html = client.get(url).get_data(as_text=True)
    assert cells(html, "custom", "district") == ["市级", "东城区12345分中心", "合计"]
    assert cells(html, "custom", "sign_rate") == ["80.0%", "100.0%", "85.7%"]
    assert "data-option=" in html
    # Bad picks: a marked field, nothing run.
    for query, field in (
        ("measures=nope", "measures"),
        ("measures=cases&dimensions=day&dimensions=channel&dimensions=agent", "dimensions"),
        ("measures=dispatched&dimensions=agent", "dimensions"),
    ):
        resp = client.get(f"/reports/custom?month=2026-11&{query}")
        assert resp.status_code == 422
        assert f'data-testid="error-{field}"' in resp.get_data(as_text=True)
    # Saved by name, listed, run again for another month.
    token = csrf_of(html)
    picks = {"measures": ["cases", "sign_rate"], "dimensions": ["district"], "month": "2026-11"}
    resp = client.post(
        "/reports/custom/save", data={**picks, "name": "区县签收", "csrf_token": token}
    )
    assert resp.status_code == 302
    assert "measures=cases" in resp.headers["Location"]
    listing = client.get("/reports").get_data(as_text=True)
    assert "区县签收" in listing
    before = snapshot()
    resp = client.post(
        "/reports/custom/save", data={**picks, "name": "区县签收", "csrf_token": token}
    )
    assert resp.status_code == 409
    assert 'data-testid="error-name"' in resp.get_data(as_text=True)
    resp = client.post("/reports/custom/save", data={**picks, "name": "  ", "csrf_token": token})
    assert resp.status_code == 422 and 'data-testid="error-name"' in resp.get_data(as_text=True)
    bad = {**picks, "measures": ["nope"], "name": "x", "csrf_token": token}
    assert client.post("/reports/custom/save", data=bad).status_code == 422
    assert snapshot() == before
    # Another user sees none of it.
    saved_id = re.search(r"/reports/custom/(\d+)/delete", listing).group(1)
    as_user("urban_handler")
    assert "区县签收" not in client.get("/reports").get_data(as_text=True)
    html = client.get("/reports").get_data(as_text=True)
    resp = client.post(f"/reports/custom/{saved_id}/delete", data={"csrf_token": csrf_of(html)})
    assert resp.status_code == 404
    # The custom table exports like any report's.
    as_user("oversight")
    resp = client.get(url.replace("/reports/custom?", "/reports/custom/export.csv?"))
    assert read_csv(resp)[-1][0] == "合计"
