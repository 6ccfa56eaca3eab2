"""Saved queries: a user saves the page's filters under a name, lists, runs and deletes their
own. Bad paths change nothing: an empty or overlong name, a name used twice, refused filters,
another user's query (404, as a missing one), a missing CSRF token."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import SavedQuery
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of


@pytest.fixture(autouse=True)
def _no_saved_queries():
    yield
    db.session.rollback()
    db.session.execute(delete(SavedQuery))
    db.session.commit()


def save(client, name: str, filters: str, page: str = "/query"):
    html = client.get(page).get_data(as_text=True)
    return client.post(
        "/query/saved", data={"csrf_token": csrf_of(html), "name": name, "filters": filters}
    )


def saved_names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(SavedQuery.name).order_by(SavedQuery.name)))


def test_save_list_run_and_delete(client, page_login):
    page_login("dispatcher")
    resp = save(client, "  逾期办理中  ", "status=handling&overdue=true&q=&page=3")
    # Saved: the filters and order (not the page), trimmed name; back to the query it names.
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/query?status=handling&overdue=true"
    saved = db.session.scalars(select(SavedQuery)).one()
    assert (saved.name, saved.query) == ("逾期办理中", "status=handling&overdue=true")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已保存查询：逾期办理中" in html
    assert f'href="/query/saved/{saved.id}"' in html and ">逾期办理中</a>" in html
    run = client.get(f"/query/saved/{saved.id}")
    assert (
        run.status_code == 303 and run.headers["Location"] == "/query?status=handling&overdue=true"
    )
    resp = client.post(
        f"/query/saved/{saved.id}/delete",
        data={"csrf_token": csrf_of(html), "next": "/query?status=handling"},
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/query?status=handling"
    assert saved_names() == []
    assert "已删除查询：逾期办理中" in client.get("/query").get_data(as_text=True)


def test_a_query_with_no_filter_can_be_saved(client, page_login):
    page_login("agent")
    resp = save(client, "全部工单", "")
    assert resp.status_code == 303 and resp.headers["Location"] == "/query"
    assert saved_names() == ["全部工单"]


@pytest.mark.parametrize(
    ("name", "filters", "says"),
    [
        ("", "status=handling", "请填写查询名称"),
        ("   ", "status=handling", "请填写查询名称"),
        ("长" * 61, "status=handling", "最多 60 个字"),
        ("坏条件", "status=bogus", "查询条件有误"),
        ("坏日期", "created_from=2026-02-30", "查询条件有误"),
    ],
)
def test_a_refused_save_is_marked_and_changes_nothing(client, page_login, name, filters, says):
    page_login("dispatcher")
    before = snapshot()
    resp = save(client, name, filters)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-testid="error-name"' in html and says in html
    assert snapshot() == before


def test_a_name_is_unique_per_user_not_city_wide(client, page_login):
    page_login("dispatcher")
    assert save(client, "我的", "status=accepted").status_code == 303
    before = snapshot()
    resp = save(client, "我的", "status=closed")
    assert resp.status_code == 422
    assert "您已有同名的查询" in resp.get_data(as_text=True)
    assert snapshot() == before
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    page_login("agent")
    assert save(client, "我的", "status=closed").status_code == 303
    assert saved_names() == ["我的", "我的"]


def test_another_users_saved_query_is_not_found(client, page_login):
    page_login("dispatcher")
    save(client, "派单员的查询", "status=accepted")
    theirs = db.session.scalars(select(SavedQuery)).one()
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    page_login("agent")
    html = client.get("/query").get_data(as_text=True)
    assert "派单员的查询" not in html and 'data-testid="no-saved"' in html
    before = snapshot()
    assert client.get(f"/query/saved/{theirs.id}").status_code == 404
    resp = client.post(f"/query/saved/{theirs.id}/delete", data={"csrf_token": csrf_of(html)})
    assert resp.status_code == 404 and "text/html" in resp.content_type
    assert client.get("/query/saved/999999").status_code == 404
    assert snapshot() == before


def test_saving_and_deleting_need_the_csrf_token(client, page_login):
    page_login("dispatcher")
    save(client, "有令牌", "")
    saved = db.session.scalars(select(SavedQuery)).one()
    before = snapshot()
    assert client.post("/query/saved", data={"name": "无令牌", "filters": ""}).status_code == 400
    assert client.post(f"/query/saved/{saved.id}/delete").status_code == 400
    assert snapshot() == before


def test_deleting_from_a_refused_save_comes_back_to_the_query(client, page_login):
    page_login("dispatcher")
    save(client, "一个", "status=accepted")
    saved = db.session.scalars(select(SavedQuery)).one()
    html = save(client, "", "status=handling&page=2").get_data(as_text=True)
    assert 'name="next" value="/query?status=handling&amp;page=2"' in html
    resp = client.post(
        f"/query/saved/{saved.id}/delete",
        data={"csrf_token": csrf_of(html), "next": "/query?status=handling&page=2"},
    )
    assert resp.headers["Location"] == "/query?status=handling&page=2"


def test_a_refused_page_offers_no_save(client, page_login):
    page_login("dispatcher")
    html = client.get("/query?status=bogus").get_data(as_text=True)
    assert 'data-testid="save-form"' not in html
