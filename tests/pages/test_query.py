"""The combined query page: every filter of the API's list, loaded by the API's own schema (the
page refuses what the API refuses, and marks the field), the user's scope, sort and pages."""

from __future__ import annotations

import re

import pytest

from tests.pages.conftest import csrf_of


def rows_of(html: str) -> list[str]:
    """The case numbers of the result table, in order."""
    return re.findall(r'<a href="/cases/\d+">([0-9-]+)</a>', html)


def transferred(api, dept, code: str = "east", **fields) -> dict:
    case = api.create(**fields)
    task = api.get(case["id"])["open_tasks"][0]["task_id"]
    api.act(case["id"], "transfer", "dispatcher", task_id=task, target_department_id=dept(code))
    return case


def test_the_page_lists_the_cases_of_the_users_scope(api, client, page_login, dept):
    mine = transferred(api, dept, "east")
    other = transferred(api, dept, "west")
    page_login("east_dispatcher")
    resp = client.get("/query")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "综合查询" in html and 'data-testid="query-form"' in html
    assert rows_of(html) == [mine["number"]]
    assert other["number"] not in html
    # The city's dispatcher sees both, newest first (the list's default order).
    client.post("/logout", data={"csrf_token": csrf_of(html)})
    page_login("dispatcher")
    assert rows_of(client.get("/query").get_data(as_text=True)) == [
        other["number"],
        mine["number"],
    ]


def test_the_filters_are_the_url_and_the_form_shows_them(api, client, page_login, dept):
    lamp = api.create(content="小区门口路灯不亮已经一周")
    api.create(content="楼上噪音扰民严重", citizen_phone="13900002222")
    complaint = api.create(content="路灯杆倾斜有危险", case_type="complaint")
    page_login("dispatcher")
    html = client.get("/query?q=路灯").get_data(as_text=True)
    assert rows_of(html) == [complaint["number"], lamp["number"]]
    assert 'value="路灯"' in html
    html = client.get("/query?q=路灯&case_type=complaint&status=accepted").get_data(as_text=True)
    assert rows_of(html) == [complaint["number"]]
    assert '<option value="complaint" selected>' in html
    assert '<option value="accepted" selected>' in html
    # The export links carry the same filters.
    assert "/query/export.csv?status=accepted&amp;case_type=complaint&amp;q=" in html


def test_a_blank_form_is_no_filter_and_unknown_arguments_are_ignored(api, client, page_login):
    case = api.create()
    page_login("agent")
    blank = "q=&status=&case_type=&channel=&overdue=&department_id=&created_from=&created_to="
    resp = client.get(f"/query?{blank}&sort=-created_at&per_page=20&utm_source=mail")
    assert resp.status_code == 200
    assert rows_of(resp.get_data(as_text=True)) == [case["number"]]


def test_filters_by_department_dates_channel_and_overdue(api, client, page_login, dept):
    east = transferred(api, dept, "east", channel="web")
    api.create()
    page_login("dispatcher")
    html = client.get(f"/query?department_id={dept('east')}").get_data(as_text=True)
    assert rows_of(html) == [east["number"]]
    assert rows_of(client.get("/query?channel=web").get_data(as_text=True)) == [east["number"]]
    assert (
        rows_of(
            client.get("/query?created_from=2000-01-01&created_to=2000-12-31").get_data(
                as_text=True
            )
        )
        == []
    )
    assert len(rows_of(client.get("/query?overdue=false").get_data(as_text=True))) == 2
    assert rows_of(client.get("/query?overdue=true").get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("department_id=abc", "department_id"),
        ("department_id=0", "department_id"),
        ("department_id=99999999999", "department_id"),
        ("case_type=nonsense", "case_type"),
        ("channel=pigeon", "channel"),
        ("created_from=2026-13-01", "created_from"),
        ("created_to=20260301", "created_to"),
        ("overdue=maybe", "overdue"),
        ("q=x", "q"),
        ("q=" + "长" * 101, "q"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("per_page=1000", "per_page"),
        ("sort=content", "sort"),
    ],
)
def test_a_refused_filter_is_marked_as_the_api_refuses_it(client, page_login, auth, query, field):
    assert client.get(f"/api/v1/cases?{query}", headers=auth("dispatcher")).status_code == 422
    page_login("dispatcher")
    resp = client.get(f"/query?{query}")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in html
    assert 'data-testid="query-refused"' in html
    assert 'data-testid="query-results"' not in html


def test_sort_and_pages(api, client, page_login):
    numbers = [api.create()["number"] for _ in range(5)]
    page_login("dispatcher")
    html = client.get("/query?sort=number&per_page=2").get_data(as_text=True)
    assert rows_of(html) == numbers[:2]
    assert "/query?page=2&amp;per_page=2&amp;sort=number" in html  # the next page keeps the rest
    assert rows_of(client.get("/query?sort=number&per_page=2&page=3").get_data(as_text=True)) == [
        numbers[4]
    ]
    html = client.get("/query?sort=-number&per_page=2").get_data(as_text=True)
    assert rows_of(html) == [numbers[4], numbers[3]]
    assert 'data-testid="query-total"' in html and "5" in html
    # Sorting by a column from its header: the same filters, sorted by it.
    assert 'href="/query?per_page=2&amp;sort=handle_due_at"' in html


def test_a_page_past_the_end_is_empty_not_an_error(api, client, page_login):
    api.create()
    page_login("dispatcher")
    resp = client.get("/query?page=500")
    assert resp.status_code == 200
    assert 'data-testid="no-results"' in resp.get_data(as_text=True)


def test_a_designer_sees_no_case(api, client, page_login):
    api.create()
    page_login("designer")
    resp = client.get("/query")
    assert resp.status_code == 200
    assert 'data-testid="no-results"' in resp.get_data(as_text=True)


def test_the_menu_has_the_query_and_it_needs_a_session(client, page_login):
    resp = client.get("/query")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    page_login("revisit")
    assert 'href="/query"' in client.get("/").get_data(as_text=True)
