"""Internal announcements (内部公告): from the administrator to all departments or some, in
every recipient's message centre; bad ones refused with nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Announcement, AuditLog, Notification, User
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of


def _received() -> set[str]:
    db.session.rollback()
    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "announcement")
        )
    )


def test_to_some_departments_reaches_everyone_in_them_only(client, auth, dept):
    resp = client.post(
        "/api/v1/announcements",
        json={
            "title": "停电通知",
            "body": "周六9点至12点机房停电",
            "department_ids": [dept("urban"), dept("housing")],
        },
        headers=auth("admin"),
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["recipients"] == 2
    assert _received() == {"urban_handler", "housing_handler"}
    listed = client.get("/api/v1/notifications", headers=auth("urban_handler")).get_json()
    (item,) = listed["items"]
    assert item["kind"] == "announcement" and item["words"]["zh"] == "内部公告"
    assert item["data"]["title"] == "停电通知" and item["body"] == "周六9点至12点机房停电"
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_to_all_departments(client, auth):
    resp = client.post(
        "/api/v1/announcements",
        json={"title": "系统升级", "body": "今晚升级", "department_ids": None},
        headers=auth("admin"),
    )
    assert resp.status_code == 201
    everyone = db.session.scalar(select(func.count()).select_from(User).where(User.active))
    assert len(_received()) == everyone == resp.get_json()["recipients"]
    assert (
        client.get("/api/v1/announcements", headers=auth("admin")).get_json()[0]["title"]
        == "系统升级"
    )


def test_bad_announcements_are_refused_and_change_nothing(client, auth, dept):
    before = snapshot()
    for payload, field in (
        ({"title": "通知", "body": "内容", "department_ids": []}, "department_ids"),
        ({"title": "通知", "body": "内容", "department_ids": [999999]}, "department_ids"),
        ({"title": "", "body": "内容"}, "title"),
        ({"title": "长" * 121, "body": "内容"}, "title"),
        ({"title": "通知", "body": "字" * 2001}, "body"),
        ({"title": "通知", "body": "   "}, "body"),
    ):
        resp = client.post("/api/v1/announcements", json=payload, headers=auth("admin"))
        assert resp.status_code == 422, payload
        body = resp.get_json()
        assert body["code"] == "invalid_announcement" and body["details"]["field"] == field
        assert body["message"]["zh"] and body["message"]["en"]
    assert (
        client.post(
            "/api/v1/announcements",
            json={"title": "通知", "body": "内容"},
            headers=auth("dispatcher"),
        ).status_code
        == 403
    )
    malformed = client.post(
        "/api/v1/announcements",
        json={"title": "通知", "body": "内容", "department_ids": ["x"]},
        headers=auth("admin"),
    )
    assert malformed.status_code == 422
    assert snapshot() == before


def test_the_admin_page_sends_one_and_marks_a_bad_form(client, page_login, dept):
    page_login("admin")
    html = client.get("/admin/announcements").get_data(as_text=True)
    refused = client.post(
        "/admin/announcements",
        data={"title": "通知", "body": "内容", "to": "some", "csrf_token": csrf_of(html)},
    )
    assert refused.status_code == 422
    assert 'data-testid="error-department_ids"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    sent = client.post(
        "/admin/announcements",
        data={
            "title": "防汛值班",
            "body": "本周末各单位安排防汛值班",
            "to": "some",
            "department_ids": [str(dept("urban"))],
            "csrf_token": csrf_of(html),
        },
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "防汛值班" in sent.get_data(as_text=True)
    assert _received() == {"urban_handler"}
