"""Chinese first, English second (Flask-Babel): the catalogs are app/translations, compiled
by the setup (`make install` runs `pybabel compile`).

Message ids are English; every one has its Chinese in app/translations/zh (a test checks that
none is missing): Babel names zh_CN "zh_Hans_CN", which gettext finds under "zh". The language
is the signed-in user's choice, else the one picked on the login page (kept in the session),
else Chinese; the browser's Accept-Language is not asked.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask_babel import Babel, format_datetime
from flask_login import current_user

from app import timefmt
from app.extensions import db
from app.pages.redirects import local_target
from app.pages.schema_form import label_of

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
babel = Babel()
bp = Blueprint("pages_i18n", __name__)


def locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = getattr(current_user, "locale", None) if current_user.is_authenticated else None
    chosen = chosen or session.get("locale")
    return str(chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"])


@bp.post("/language")
def choose_language():
    chosen = request.form.get("locale", "")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
        if current_user.is_authenticated:
            current_user.locale = chosen
            db.session.commit()
    return redirect(local_target(request.form.get("next")))


def when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm", missing: str = "—") -> str:
    """A stored time as the city reads it: {{ case.created_at|when }} -> "2026-03-02 10:00".
    Stored times are naive local times (app/timefmt.py); Babel would take a naive time for UTC
    and shift it into the city's zone, so it is given its zone first."""
    if value is None:
        return missing
    aware = value.replace(tzinfo=timefmt.zone()) if value.tzinfo is None else value
    return str(format_datetime(aware, fmt))


def init_i18n(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    babel.init_app(app, locale_selector=locale)
    # {{ task.title|label }}: a bilingual title ("派单 dispatch", or {"zh", "en"}) in the page's
    # language.
    app.jinja_env.filters["label"] = lambda title, fallback="": label_of(title, fallback)
    app.jinja_env.filters["when"] = when
    app.register_blueprint(bp)
