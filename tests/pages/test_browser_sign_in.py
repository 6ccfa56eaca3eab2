"""Signing in, in a real browser: the home page in Chinese, a wrong password marked, too many
locking the login for a while, an expired session sent back to sign in."""

from __future__ import annotations

from tests.pages.conftest import screenshot


def test_signing_in_shows_the_home_page_in_chinese(page, sign_in, api):
    api.create()  # something to do for the dispatcher
    sign_in("dispatcher")
    page.wait_for_selector("[data-testid=whoami]")
    assert page.locator("h1").inner_text() == "当前待办"
    assert page.locator("[data-testid=count-todo] .display-6").inner_text() == "1"
    assert page.evaluate("() => window.htmx !== undefined")  # our own copy of htmx loaded
    screenshot(page, "home")


def test_a_wrong_password_is_marked(page, sign_in):
    sign_in("agent", "not-the-password")
    error = page.locator("[data-testid=error-password]")
    assert error.inner_text() == "用户名或密码错误。"
    assert "is-invalid" in (page.locator("#password").get_attribute("class") or "")
    screenshot(page, "login-wrong-password")


def test_too_many_wrong_passwords_lock_the_login(app, page, sign_in):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    try:
        for _ in range(2):
            sign_in("leader", "wrong-password")
        sign_in("leader")  # the right one, too late
        assert "登录失败次数过多" in page.locator("[data-testid=error-password]").inner_text()
        assert page.locator("[data-testid=whoami]").count() == 0
    finally:
        from app.extensions import limiter

        limiter().reset()


def test_an_expired_session_goes_back_to_sign_in(page, sign_in, live_server):
    sign_in("agent")
    page.wait_for_selector("[data-testid=whoami]")
    # Off the page first: a request of it still in flight (the live stream, a script) could
    # bring its answer's session cookie back after the clearing.
    page.goto("about:blank")
    page.context.clear_cookies()  # what an idle timeout leaves: no valid session cookie
    page.goto("/")
    assert page.url.startswith(f"{live_server}/login?next=")
    assert page.locator(".alert-info").count() == 1  # "please sign in to continue"


def test_switching_to_english_and_back(page, sign_in):
    sign_in("oversight")
    page.click("button[name=locale][value=en]")
    assert page.locator("h1").inner_text() == "What to do now"
    page.click("button[name=locale][value=zh_CN]")
    assert page.locator("h1").inner_text() == "当前待办"
