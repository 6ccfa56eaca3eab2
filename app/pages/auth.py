"""Sign in and out. The same password check and the same login limits as the API's token
request (app/auth/login.py); the session is Flask-Login's (app/pages/session.py)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.login import TooManyAttempts, authenticate
from app.auth.tokens import Unauthorized
from app.extensions import db
from app.pages.redirects import local_target

bp = Blueprint("pages_auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


def _redirect(target: str) -> Response:
    return redirect(target, code=303)  # 303: the browser follows a POST's answer with a GET


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return _redirect(local_target(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except TooManyAttempts as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            form.password.errors.append(
                _("Too many failed sign-ins; try again in %(minutes)d minutes.", minutes=minutes)
            )
            status = 429
        except Unauthorized:
            form.password.errors.append(_("Wrong username or password."))
            status = 401
        else:
            chosen = session.get("locale")
            session.clear()  # nothing of the signed-out session carries over
            if chosen and not user.locale:
                user.locale = chosen
                db.session.commit()
            login_user(user)
            session.permanent = True  # expires PAGE_IDLE_TIMEOUT_MINUTES after the last request
            return _redirect(local_target(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    expired = request.args.get("next") is not None and request.method == "GET"
    return render_template("pages/login.html", form=form, expired=expired), status


@bp.post("/logout")
def logout():
    logout_user()
    chosen = session.get("locale")
    session.clear()
    if chosen:
        session["locale"] = chosen
    return _redirect(local_target(None, "pages_auth.login"))
