"""Delivery: e-mail to a real SMTP server (aiosmtpd, started here) and SMS to a local HTTP
gateway that records what it gets; written in the action's transaction, sent later by the
worker, retried with backoff, visible to the administrator; a channel that is down never
blocks or rolls back the action."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Delivery, User
from app.notifications.delivery.outbox import deliver_due
from app.notifications.service import notify


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="12345@city.example")

    class Server:
        """The SMTP server, started when a test says so (until then: connection refused)."""

        messages = inbox.messages
        running = False

        def start(self):
            controller.start()
            self.running = True

    server = Server()
    yield server
    if server.running:
        controller.stop()


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Authorization"], json.loads(body)))
        self.send_response(type(self).answer)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


@pytest.fixture
def sms(app):
    Gateway.received, Gateway.answer = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(
        SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send", SMS_GATEWAY_TOKEN="t0ken"
    )
    yield Gateway
    server.shutdown()


def _with_channels(username: str, email: str | None = None, mobile: str | None = None) -> User:
    user = db.session.scalars(select(User).filter_by(username=username)).unique().one()
    user.email, user.mobile = email, mobile
    user.notify_by_email, user.notify_by_sms = email is not None, mobile is not None
    db.session.commit()
    return user


@pytest.fixture(autouse=True)
def _reset_channels():
    yield
    for user in db.session.scalars(select(User)).unique():
        user.email = user.mobile = None
        user.notify_by_email = user.notify_by_sms = False
    db.session.commit()


def _deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def test_a_transfer_is_mailed_and_texted_after_it_commits(api, dept, smtp, sms):
    _with_channels("urban_handler", email="wang@urban.example", mobile="13800002222")
    smtp.start()
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    rows = _deliveries()
    assert sorted((d.channel, d.address, d.state) for d in rows) == [
        ("email", "wang@urban.example", "pending"),
        ("sms", "13800002222", "pending"),
    ]
    assert smtp.messages == [] and sms.received == []  # nothing sent inside the action
    assert deliver_due() == 2
    ((to, mail),) = smtp.messages
    assert to == ["wang@urban.example"] and case["number"] in mail["Subject"]
    assert "新待办" in mail["Subject"] and mail["From"] == "12345@city.example"
    ((authorization, text),) = sms.received
    assert authorization == "Bearer t0ken" and text["to"] == "13800002222"
    assert case["number"] in text["text"]
    assert {d.state for d in _deliveries()} == {"sent"}
    assert deliver_due() == 0  # idempotent: nothing is due twice


def test_a_screen_pop_stays_on_the_screen(app):
    """An agent who chose e-mail and SMS gets the incoming call on the page only: a text per
    ringing phone would arrive after the call."""
    agent = _with_channels("agent", email="li@12345.example", mobile="13800003333")
    notify("incoming_call", users=[agent.id], body="13800000000", data={"phone": "13800000000"})
    notify("urge", users=[agent.id], body="请尽快办理")
    db.session.commit()
    assert sorted((d.kind, d.channel) for d in _deliveries()) == [
        ("urge", "email"),
        ("urge", "sms"),
    ]


def test_smtp_down_the_action_succeeds_and_the_mail_goes_later(app, api, dept, smtp):
    _with_channels("urban_handler", email="wang@urban.example")
    clock.freeze(clock.now().replace(microsecond=0))
    case = api.create()
    # The SMTP server is not running: the action does not notice.
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    assert api.get(case["id"])["status"]["status"] == "transferred"
    assert deliver_due() == 0
    (row,) = _deliveries()
    assert row.state == "pending" and row.attempts == 1
    assert "SMTP 127.0.0.1" in row.last_error
    first_wait = row.next_attempt_at - clock.now()
    assert first_wait == timedelta(seconds=app.config["DELIVERY_BACKOFF_SECONDS"])
    assert deliver_due() == 0 and _deliveries()[0].attempts == 1  # not due yet: not tried
    clock.freeze(row.next_attempt_at)
    deliver_due()
    (row,) = _deliveries()
    assert row.attempts == 2 and row.next_attempt_at - clock.now() == 2 * first_wait  # backoff
    smtp.start()
    clock.freeze(row.next_attempt_at)
    assert deliver_due() == 1
    assert _deliveries()[0].state == "sent" and len(smtp.messages) == 1


def test_after_the_last_attempt_it_is_failed_and_the_admin_can_retry(app, client, auth, sms):
    app.config["DELIVERY_MAX_ATTEMPTS"] = 2
    sms.answer = 503
    user = _with_channels("housing_handler", mobile="+85291234567")
    notify("urge", users=[user.id], body="请于今日答复")
    db.session.commit()
    clock.freeze(clock.now() + timedelta(days=1))
    deliver_due()
    clock.freeze(clock.now() + timedelta(days=1))
    deliver_due()
    (row,) = _deliveries()
    assert (row.state, row.attempts) == ("failed", 2)
    assert "503" in row.last_error
    listed = client.get("/api/v1/deliveries", headers=auth("admin")).get_json()
    assert [(d["id"], d["state"], d["user"]) for d in listed["items"]] == [
        (row.id, "failed", "housing_handler")
    ]
    assert listed["channels"]["sms"] is None
    assert client.get("/api/v1/deliveries", headers=auth("dispatcher")).status_code == 403
    sms.answer = 200
    retried = client.post(f"/api/v1/deliveries/{row.id}/retry", headers=auth("admin"))
    assert retried.status_code == 200 and retried.get_json()["state"] == "sent"
    assert (
        client.post(f"/api/v1/deliveries/{row.id}/retry", headers=auth("admin")).status_code == 404
    )
    assert sms.received[-1][1]["text"].endswith("请于今日答复")


def test_bad_channel_settings_fail_the_delivery_with_a_clear_error(app, client, auth):
    user = _with_channels("housing_handler", email="li@housing.example", mobile="13900001111")
    app.config.update(SMTP_HOST="", SMS_GATEWAY_URL="ftp://gateway", SMS_GATEWAY_TOKEN="x")
    notify("urge", users=[user.id])
    db.session.commit()
    assert deliver_due() == 0
    errors = {d.channel: d.last_error for d in _deliveries()}
    assert "MINQING_SMTP_HOST is empty" in errors["email"]
    assert "not an http(s) URL" in errors["sms"]
    problems = client.get("/api/v1/deliveries", headers=auth("admin")).get_json()["channels"]
    assert "MINQING_SMTP_HOST" in problems["email"] and "http(s)" in problems["sms"]


def test_users_choose_channels_and_bad_ones_are_refused(client, auth):
    headers = auth("urban_handler")
    ok = client.put(
        "/api/v1/notifications/channels",
        json={"email": " wang@urban.example ", "mobile": "138 0000 2222", "by_email": True},
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.get_json() == {
        "email": "wang@urban.example",
        "mobile": "13800002222",
        "by_email": True,
        "by_sms": False,
    }
    for bad, field in (
        ({"email": "not-an-address"}, "email"),
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": "", "by_sms": True}, "mobile"),
        ({"email": None, "by_email": True}, "email"),
    ):
        resp = client.put("/api/v1/notifications/channels", json=bad, headers=headers)
        assert resp.status_code == 422, bad
        assert resp.get_json()["details"]["field"] == field
    assert client.get("/api/v1/notifications/channels", headers=headers).get_json()["email"] == (
        "wang@urban.example"
    )


def test_the_admin_page_lists_a_failed_delivery_and_sends_it_again(app, client, page_login, sms):
    app.config["DELIVERY_MAX_ATTEMPTS"] = 1
    sms.answer = 500
    user = _with_channels("housing_handler", mobile="13900001111")
    notify("overdue", users=[user.id], body="已逾期")
    db.session.commit()
    deliver_due()
    (row,) = _deliveries()
    page_login("admin")
    resp = client.get("/admin/deliveries")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'data-id="{row.id}"' in html and "SMS gateway answered 500" in html
    assert "发送失败" in html and "housing_handler" in html
    sms.answer = 200
    from tests.pages.conftest import csrf_of

    done = client.post(
        f"/admin/deliveries/{row.id}/retry",
        data={"csrf_token": csrf_of(html)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已发送" in done and f'data-id="{row.id}"' not in done
    assert _deliveries()[0].state == "sent"
