"""The login rule, for the API's token request and any later login form alike.

A username and password are checked only while the username and the client address are
under their limits of failed attempts (LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_IP, counted by
Flask-Limiter's storage so that every gunicorn worker sees the same count). Only failures
count: a call centre behind one address logs dozens of agents in at the start of a shift, and
an integration that fetches a token per call should never lock itself out. Past a limit the
answer is 429 with Retry-After, whether or not the password would have been right.

The limits are checked before and counted after the password check, so concurrent attempts
that are in flight together can pass the limit by at most their number (the server's workers).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import select

from app.auth import passwords
from app.auth.tokens import Unauthorized
from app.errors import DomainError
from app.extensions import db, limiter
from app.models import User

log = logging.getLogger(__name__)


class TooManyAttempts(DomainError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            "too_many_attempts",
            f"登录失败次数过多，请{minutes}分钟后再试",
            f"Too many failed logins; try again in {retry_after} seconds",
        )
        self.retry_after = retry_after


def bad_credentials() -> Unauthorized:
    return Unauthorized("bad_credentials", "用户名或密码错误", "Wrong username or password")


def authenticate(username: str, password: str, ip: str) -> User:
    """The active user with this username and password, or Unauthorized / TooManyAttempts."""
    counters = _counters(username, ip)
    _refuse_when_limited(counters)
    user = db.session.scalar(select(User).filter_by(username=username))
    # An unknown username is checked against a dummy hash of the same scheme: the same work,
    # so the time of the answer does not tell which usernames exist.
    stored = user.password_hash if user is not None else passwords.dummy_hash()
    if not (passwords.check_password(stored, password) and user is not None and user.active):
        _count_failure(counters)
        raise bad_credentials()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def _counters(username: str, ip: str) -> list[tuple[RateLimitItem, list[str]]]:
    config = current_app.config
    prefix = [config["RATELIMIT_KEY_PREFIX"]] if config["RATELIMIT_KEY_PREFIX"] else []
    # A digest, not the text: any string a client sends as a username becomes a storage key.
    account = hashlib.sha256(username.encode()).hexdigest()[:32]
    return [
        (parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), [*prefix, "login-account", account]),
        (parse(config["LOGIN_LIMIT_PER_IP"]), [*prefix, "login-ip", ip or "unknown"]),
    ]


def _refuse_when_limited(counters) -> None:
    strategy = _strategy()
    try:
        waits = [
            strategy.get_window_stats(item, *keys).reset_time - time.time()
            for item, keys in counters
            if not strategy.test(item, *keys)
        ]
    except Exception as exc:  # the storage (Redis) is unreachable: refuse rather than not count
        raise _storage_unavailable(exc) from exc
    if waits:
        raise TooManyAttempts(max(1, math.ceil(max(waits))))


def _count_failure(counters) -> None:
    strategy = _strategy()
    try:
        for item, keys in counters:
            strategy.hit(item, *keys)
    except Exception as exc:
        raise _storage_unavailable(exc) from exc


def _strategy():
    return limiter().limiter


def _storage_unavailable(exc: Exception) -> DomainError:
    log.error("login attempt counter unavailable: %s", exc)
    return DomainError(
        "login_unavailable",
        "登录服务暂时不可用，请稍后再试",
        "Logins are unavailable for a moment (the attempt counter cannot be reached)",
        status=503,
    )
