"""The message centre page and the badge in every page's top bar."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Notification, User
from app.notifications.service import notify
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of


def _uid(username: str) -> int:
    return db.session.scalars(select(User.id).filter_by(username=username)).one()


def _badge(html: str) -> int:
    match = re.search(r'data-testid="unread-badge" data-count="(\d+)"', html)
    assert match, "no unread badge"
    return int(match.group(1))


def test_the_badge_is_on_every_page_and_the_list_words_each_kind(client, page_login, api, dept):
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    notify("urge", users=[_uid("urban_handler")], case_id=case["id"], body="请今天内签收")
    db.session.commit()
    page_login("urban_handler")
    for path in ("/", "/inbox", "/query"):
        assert _badge(client.get(path).get_data(as_text=True)) == 2, path
    html = client.get("/messages").get_data(as_text=True)
    assert html.index("催办") < html.index("新待办")  # newest first
    assert f'href="/cases/{case["id"]}"' in html and case["number"] in html
    english = client.post(
        "/language",
        data={"locale": "en", "next": "/messages", "csrf_token": csrf_of(html)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "New task in my inbox" in english and "Urge" in english
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_of(html)})


def test_mark_one_and_all_read_from_the_page(client, page_login):
    for i in range(3):
        notify("warning", users=[_uid("urban_handler")], body=f"临期 {i}")
    db.session.commit()
    page_login("urban_handler")
    html = client.get("/messages").get_data(as_text=True)
    first = re.search(r'action="/messages/(\d+)/read"', html).group(1)
    after = client.post(
        f"/messages/{first}/read",
        data={"csrf_token": csrf_of(html), "next": "/messages?unread=1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert _badge(after) == 2 and f'/messages/{first}/read"' not in after
    done = client.post(
        "/messages/read-all", data={"csrf_token": csrf_of(html)}, follow_redirects=True
    ).get_data(as_text=True)
    assert _badge(done) == 0
    db.session.rollback()
    assert all(n.read_at for n in db.session.scalars(select(Notification)))


def test_another_users_notification_cannot_be_marked_from_the_page(client, page_login):
    notify("urge", users=[_uid("housing_handler")])
    db.session.commit()
    note = db.session.scalars(select(Notification)).one()
    page_login("urban_handler")
    html = client.get("/messages").get_data(as_text=True)
    before = snapshot()
    resp = client.post(f"/messages/{note.id}/read", data={"csrf_token": csrf_of(html)})
    assert resp.status_code == 404 and "消息不存在" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_bad_page_numbers_show_the_first_page_with_a_notice(client, page_login):
    notify("urge", users=[_uid("urban_handler")], body="第一条")
    db.session.commit()
    page_login("urban_handler")
    for bad in ("0", "-3", "abc", "1e9", "９"):
        resp = client.get(f"/messages?page={bad}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and 'data-testid="notice"' in html and "第一条" in html, bad


def test_channels_form_marks_the_bad_field_and_saves_nothing(client, page_login):
    page_login("urban_handler")
    html = client.get("/messages").get_data(as_text=True)
    before = snapshot()
    resp = client.post(
        "/messages/channels",
        data={"email": "", "mobile": "", "by_sms": "1", "csrf_token": csrf_of(html)},
    )
    assert resp.status_code == 422
    assert "选择短信通知须填写手机号码" in resp.get_data(as_text=True)
    assert snapshot() == before
    ok = client.post(
        "/messages/channels",
        data={"email": "wang@urban.example", "by_email": "1", "csrf_token": csrf_of(html)},
    )
    assert ok.status_code == 302
    user = db.session.scalars(select(User).filter_by(username="urban_handler")).unique().one()
    db.session.refresh(user)
    assert (user.email, user.notify_by_email, user.notify_by_sms) == (
        "wang@urban.example",
        True,
        False,
    )
    user.email, user.notify_by_email = None, False
    db.session.commit()
