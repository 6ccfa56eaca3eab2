"""The message centre over the API: my notifications newest first, paginated, in both
languages; marking read; nobody else's; bad page numbers."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Notification, User
from app.notifications.service import notify
from tests.conftest import snapshot


def _uid(username: str) -> int:
    return db.session.scalars(select(User.id).filter_by(username=username)).one()


def _notes(username: str, n: int) -> None:
    for i in range(n):
        notify("urge", users=[_uid(username)], body=f"催办 {i}")
    db.session.commit()


def test_newest_first_paginated_with_kind_words(client, auth):
    _notes("urban_handler", 5)
    resp = client.get("/api/v1/notifications?per_page=2&page=2", headers=auth("urban_handler"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert [i["body"] for i in body["items"]] == ["催办 2", "催办 1"]
    assert body["total"] == 5 and body["unread"] == 5 and body["page"] == 2
    assert body["items"][0]["words"] == {"zh": "催办", "en": "Urge"}
    count = client.get("/api/v1/notifications/unread-count", headers=auth("urban_handler"))
    assert count.get_json() == {"unread": 5}
    # Nobody else sees them.
    other = client.get("/api/v1/notifications", headers=auth("housing_handler")).get_json()
    assert other["items"] == [] and other["unread"] == 0


def test_mark_one_then_all_read(client, auth):
    _notes("urban_handler", 3)
    headers = auth("urban_handler")
    first = client.get("/api/v1/notifications", headers=headers).get_json()["items"][0]
    resp = client.post(f"/api/v1/notifications/{first['id']}/read", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["unread"] == 2
    again = client.post(f"/api/v1/notifications/{first['id']}/read", headers=headers)
    assert again.get_json()["unread"] == 2  # marking twice changes nothing
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).get_json()
    assert len(unread["items"]) == 2 and first["id"] not in [i["id"] for i in unread["items"]]
    done = client.post("/api/v1/notifications/read-all", headers=headers).get_json()
    assert done == {"marked": 2, "unread": 0}


def test_another_users_notification_is_not_found_and_stays_unread(client, auth):
    _notes("urban_handler", 1)
    note = db.session.scalars(select(Notification)).one()
    before = snapshot()
    resp = client.post(f"/api/v1/notifications/{note.id}/read", headers=auth("housing_handler"))
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "notification_not_found"
    assert resp.get_json()["message"]["zh"] == "消息不存在"
    missing = client.post("/api/v1/notifications/999999/read", headers=auth("housing_handler"))
    assert missing.status_code == 404
    assert snapshot() == before


def test_bad_page_numbers_and_ids_are_refused_in_our_shape(client, auth):
    headers = auth("urban_handler")
    for query in ("page=0", "page=-1", "page=abc", "per_page=0", "per_page=1000", "unread=maybe"):
        resp = client.get(f"/api/v1/notifications?{query}", headers=headers)
        assert resp.status_code == 422, query
        assert {"code", "message"} <= set(resp.get_json()), query
    far = client.get("/api/v1/notifications?page=99999", headers=headers).get_json()
    assert far["items"] == []  # past the end: an empty page, not an error
    assert client.post("/api/v1/notifications/0/read", headers=headers).status_code == 404
    assert client.post("/api/v1/notifications/abc/read", headers=headers).status_code == 404
    assert client.get("/api/v1/notifications").status_code == 401
