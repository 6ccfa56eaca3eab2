"""Signing in and out of the pages: the API's password check and login limits, a session
cookie that is HttpOnly, SameSite=Lax and Secure over TLS, an idle timeout, CSRF on forms."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from app.auth import passwords
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD
from tests.pages.conftest import csrf_of


def test_a_page_needs_a_signed_in_user(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login?next=")


def test_the_login_page_speaks_chinese_first(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html and "用户名" in html


def test_signing_in_opens_the_home_page(client, page_login):
    resp = page_login("agent")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "当前待办" in html and 'data-testid="whoami"' in html


def test_a_wrong_password_marks_the_field_and_signs_nobody_in(client, page_login):
    resp = page_login("agent", "not-the-password")
    assert resp.status_code == 401
    html = resp.get_data(as_text=True)
    assert "is-invalid" in html and "用户名或密码错误" in html
    assert client.get("/").status_code == 302


def test_an_empty_field_is_marked(client):
    html = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"username": "agent", "csrf_token": csrf_of(html)})
    assert resp.status_code == 400
    assert 'data-testid="error-password"' in resp.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client):
    resp = client.post("/login", data={"username": "agent", "password": PASSWORD})
    assert resp.status_code == 400
    assert "text/html" in resp.content_type
    assert client.get("/").status_code == 302  # not signed in


def test_too_many_wrong_passwords_lock_the_login_for_a_while(app, client, page_login):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per minute"
    for _ in range(3):
        assert page_login("revisit", "wrong-password").status_code == 401
    resp = page_login("revisit")  # the right password, but too late
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    from app.extensions import limiter

    limiter().reset()


def test_the_session_cookie_is_httponly_samesite_lax(page_login):
    cookie = page_login("agent").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_tls(app):
    https = app.test_client()
    html = https.get("/login", base_url="https://localhost").get_data(as_text=True)
    resp = https.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over TLS
        data={"username": "agent", "password": PASSWORD, "csrf_token": csrf_of(html)},
    )
    assert resp.status_code == 303
    assert "Secure" in resp.headers["Set-Cookie"]


def test_an_idle_session_ends(app, client, page_login):
    app.permanent_session_lifetime = timedelta(seconds=1)
    page_login("agent")
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    assert client.get("/").status_code == 302


def test_a_new_password_ends_the_users_sessions(client, page_login, user):
    page_login("leader")
    assert client.get("/").status_code == 200
    leader = user("leader")
    saved = leader.password_hash
    try:
        passwords.set_password(leader, "a-new-password")
        db.session.commit()
        assert client.get("/").status_code == 302
    finally:
        leader.password_hash = saved
        db.session.commit()


def test_signing_out_ends_the_session(client, page_login):
    page_login("agent")
    html = client.get("/").get_data(as_text=True)
    resp = client.post("/logout", data={"csrf_token": csrf_of(html)})
    assert resp.status_code == 303
    assert client.get("/").status_code == 302


def test_sign_in_sends_only_to_a_path_of_ours(app):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        resp = client.post(
            f"/login?next={target}",
            data={"username": "agent", "password": PASSWORD, "csrf_token": csrf_of(html)},
        )
        assert resp.headers["Location"] == "/", target


def test_the_language_is_switchable_and_kept_per_user(client, page_login, user):
    page_login("oversight")
    html = client.get("/").get_data(as_text=True)
    resp = client.post("/language", data={"locale": "en", "next": "/", "csrf_token": csrf_of(html)})
    assert resp.status_code == 302
    assert "What to do now" in client.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert user("oversight").locale == "en"
    user("oversight").locale = None
    db.session.commit()


def test_an_unknown_language_is_ignored(client, page_login):
    page_login("agent")
    html = client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "xx", "csrf_token": csrf_of(html)})
    assert "当前待办" in client.get("/").get_data(as_text=True)


def test_an_unknown_page_is_a_page_and_the_api_keeps_its_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.content_type
    assert 'data-code="not_found"' in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["code"] == "not_found"


def test_pages_carry_a_content_security_policy_and_are_not_cached(client):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["Cache-Control"] == "no-store"


def test_inactive_users_cannot_sign_in(page_login):
    user = db.session.scalar(select(User).filter_by(username="designer"))
    user.active = False
    db.session.commit()
    try:
        assert page_login("designer").status_code == 401
    finally:
        user.active = True
        db.session.commit()
