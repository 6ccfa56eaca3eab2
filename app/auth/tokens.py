"""Bearer tokens for the API: signed, time-limited, carrying the user id and the user's
password stamp (User.password_stamp), so that a new password revokes every token issued
before it, as it ends the page sessions; disabling the user refuses them too (`active`)."""

from __future__ import annotations

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import DomainError
from app.extensions import db
from app.models import User


class Unauthorized(DomainError):
    status = 401


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    """A token for a user that app.auth.login.authenticate let in."""
    return _serializer().dumps({"uid": user.id, "pw": user.password_stamp})


def user_from_token(token: str) -> User:
    try:
        payload = _serializer().loads(token, max_age=current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except SignatureExpired as exc:
        raise Unauthorized("token_expired", "登录已过期", "The token has expired") from exc
    except BadSignature as exc:
        raise Unauthorized("bad_token", "无效的令牌", "The token is not valid") from exc
    user = db.session.get(User, payload["uid"])
    if user is None or not user.active:
        raise Unauthorized("bad_token", "无效的令牌", "The token is not valid")
    if payload.get("pw") != user.password_stamp:
        raise Unauthorized(
            "token_revoked",
            "令牌已失效（密码已更改），请重新登录",
            "The token was revoked (the password changed since it was issued); request a new one",
        )
    return user


def current_user() -> User:
    """The API caller, from `Authorization: Bearer <token>`; cached on the request.

    Cached in the request's environ, not on `g`: `g` belongs to the app context, which
    several requests share when one is already pushed (tests, scripts), and a cached user
    there would answer a later request with an earlier caller's identity.
    """
    user = request.environ.get(_USER_KEY)
    if user is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "no_token", "请先登录", "Authentication required: send a bearer token"
            )
        user = request.environ[_USER_KEY] = user_from_token(token.strip())
    return user


_USER_KEY = "minqing.user"
