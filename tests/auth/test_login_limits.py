"""Failed logins are limited per username and per client address, shared by every worker."""

from __future__ import annotations

import secrets

import pytest
import redis

from app import create_app
from tests.conftest import PASSWORD

REDIS = "redis://127.0.0.1:6379"


def login(client, username: str, password: str, ip: str = "127.0.0.1", forwarded: str = ""):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers={"X-Forwarded-For": forwarded} if forwarded else {},
    )


def assert_limited(resp) -> int:
    assert resp.status_code == 429, resp.get_json()
    body = resp.get_json()
    assert body["code"] == "too_many_attempts"
    assert "分钟" in body["message"]["zh"] and "try again" in body["message"]["en"]
    retry_after = int(resp.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    return retry_after


def test_five_failures_lock_the_account_for_a_minute(app, client):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per minute"
    for _ in range(5):
        assert login(client, "leader", "wrong-guess").status_code == 401
    assert_limited(login(client, "leader", "wrong-guess"))
    # Locked means locked: the right password does not get through either.
    assert_limited(login(client, "leader", PASSWORD))
    # From another address too: the limit is the account's.
    assert_limited(login(client, "leader", PASSWORD, ip="10.9.9.9"))
    # Other accounts from the same address are not affected.
    assert login(client, "designer", PASSWORD).status_code == 200


def test_an_unknown_username_is_limited_like_a_real_one(app, client):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    for username in ("leader", "no-such-user"):
        for _ in range(2):
            assert login(client, username, "wrong-guess").status_code == 401
        assert_limited(login(client, username, "wrong-guess"))


def test_only_failures_count(app, client):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per minute"
    for _ in range(4):
        assert login(client, "designer", PASSWORD).status_code == 200
    assert login(client, "designer", "wrong-guess").status_code == 401
    assert login(client, "designer", PASSWORD).status_code == 200


def test_failures_from_one_address_lock_that_address(app, client):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    for n in range(3):
        assert login(client, f"guess-{n}", "wrong", ip="203.0.113.7").status_code == 401
    assert_limited(login(client, "guess-new", "wrong", ip="203.0.113.7"))
    assert_limited(login(client, "designer", PASSWORD, ip="203.0.113.7"))
    # Another address is not affected.
    assert login(client, "designer", PASSWORD, ip="203.0.113.8").status_code == 200


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(app, client):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per minute"
    for n in range(3):
        resp = login(client, f"guess-{n}", "wrong", ip="203.0.113.7", forwarded=f"1.2.3.{n}")
        assert resp.status_code == 401
    # A client cannot reset its count by claiming another address.
    assert_limited(login(client, "guess-x", "wrong", ip="203.0.113.7", forwarded="9.9.9.9"))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app):
    proxied = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PROXY_FIX_X_FOR": 1,
            "LOGIN_LIMIT_PER_IP": "2 per minute",
        }
    )
    client = proxied.test_client()
    proxy = "10.0.0.1"  # every request arrives from the proxy
    for n in range(2):
        resp = login(client, f"guess-{n}", "wrong", ip=proxy, forwarded="198.51.100.1")
        assert resp.status_code == 401
    assert_limited(login(client, "guess-x", "wrong", ip=proxy, forwarded="198.51.100.1"))
    # Another citizen behind the same proxy is not locked out.
    ok = login(client, "designer", PASSWORD, ip=proxy, forwarded="198.51.100.2")
    assert ok.status_code == 200


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis; only its keys are removed after."""
    try:
        conn = redis.Redis.from_url(REDIS)
        conn.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at " + REDIS)
    prefix = f"minqing-test-{secrets.token_hex(6)}"
    yield prefix
    keys = list(conn.scan_iter(match=f"*{prefix}*"))
    if keys:
        conn.delete(*keys)


def redis_app(app, prefix: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "RATELIMIT_STORAGE_URI": REDIS,
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        }
    )


def test_workers_sharing_redis_share_the_count(app, redis_prefix):
    """Two app instances, as two gunicorn workers would be, count into one Redis."""
    worker_a = redis_app(app, redis_prefix).test_client()
    worker_b = redis_app(app, redis_prefix).test_client()
    assert login(worker_a, "revisit", "wrong-guess").status_code == 401
    assert login(worker_b, "revisit", "wrong-guess").status_code == 401
    assert login(worker_a, "revisit", "wrong-guess").status_code == 401
    assert_limited(login(worker_b, "revisit", PASSWORD))
    assert_limited(login(worker_a, "revisit", PASSWORD))
    keys = list(redis.Redis.from_url(REDIS).scan_iter(match=f"*{redis_prefix}*"))
    assert keys and not any(b"revisit" in k for k in keys)  # a digest, not the username
    # The session app counts in its own memory storage: nothing there.
    assert login(app.test_client(), "revisit", PASSWORD).status_code == 200


def test_an_unreachable_counter_refuses_logins_cleanly(app):
    broken = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1",
        }
    )
    resp = login(broken.test_client(), "revisit", PASSWORD)
    assert resp.status_code == 503
    assert resp.get_json()["code"] == "login_unavailable"


def test_a_wrong_password_is_still_only_a_401(client):
    resp = login(client, "agent", "nope-nope")
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "bad_credentials"
    assert "Retry-After" not in resp.headers


def test_other_requests_pay_nothing_for_the_limiter(app):
    """The limit is applied by the login service; no Flask-Limiter hook runs per request."""
    hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    modules = {getattr(getattr(f, "func", f), "__module__", "") for f in hooks}
    assert not any(m.startswith("flask_limiter") for m in modules), modules
