"""Signed-in sessions for the pages (Flask-Login) and CSRF on every form (Flask-WTF).

- The session cookie is HttpOnly and SameSite=Lax, and Secure when the request came over TLS
  (or always, with SESSION_COOKIE_SECURE). It is signed and carries its time: the server
  refuses one older than PAGE_IDLE_TIMEOUT_MINUTES since the last request (idle timeout).
- The session remembers the user by id and a digest of the password hash (User.get_id, the
  stamp API tokens carry too): a new password (or a disabled user) ends every session of that
  user at its next request.
- CSRF: every unsafe request outside /api/ must carry the session's token, in the form field
  `csrf_token` or the `X-CSRFToken` header (htmx sends it, see base.html). The API is not
  session-authenticated (bearer tokens), so a forged cross-site request gains nothing there.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from app.extensions import db
from app.models import User

API_PREFIX = "/api/"
login_manager = LoginManager()
csrf = CSRFProtect()


_PASSIVE = "minqing_passive_request"


def passive_request() -> None:
    """This request is the page's own doing, not the user's (the message badge's stream): it
    does not extend the session's idle timeout."""
    g.setdefault(_PASSIVE, True)


class TLSAwareSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def should_set_cookie(self, app: Flask, session) -> bool:
        if g.get(_PASSIVE) and not session.modified:
            return False
        return super().should_set_cookie(app, session)


@login_manager.user_loader
def _load_user(session_value: str) -> User | None:
    user_id, _, _digest = session_value.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.get_id() != session_value:
        return None
    return user


def signed_in() -> User:
    """The signed-in user of a @login_required page, as the services take it."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def _forget_the_last_request() -> None:
    # Flask-Login caches the user, Flask-WTF the CSRF token and Flask-Babel the language on
    # `g`, which belongs to the app context; requests handled inside one already pushed (tests,
    # scripts) share it, and would inherit the last request's user, token and language.
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)


def _protect_forms() -> None:
    if not request.path.startswith(API_PREFIX):
        csrf.protect()  # a no-op for GET, HEAD, OPTIONS


def init_session(app: Flask) -> None:
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        minutes=app.config["PAGE_IDLE_TIMEOUT_MINUTES"]
    )
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True  # the lifetime counts from the last request
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked by _protect_forms, outside /api/ only
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # as long as the session lives
    app.config["WTF_CSRF_HEADERS"] = ["X-CSRFToken"]
    app.session_interface = TLSAwareSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "pages_auth.login"
    login_manager.login_message = None  # the login page says why itself
    login_manager.session_protection = None  # addresses change behind a city's NAT and proxies
    csrf.init_app(app)
    app.before_request(_forget_the_last_request)
    app.before_request(_protect_forms)
