"""The web pages every role works in: server-rendered Flask + Jinja, Chinese first.

The pages call the same services and the same policy module as the JSON API; a view reads
its form, calls a service and renders. Sessions (Flask-Login) sign the user in; every form
carries a CSRF token (Flask-WTF); the assets are served by the app itself (assets.py).
"""

from __future__ import annotations

from flask import Flask

from app.pages import actions, assets, auth, case, errors, home, i18n, navigation, session


def init_pages(app: Flask) -> None:
    session.init_session(app)
    i18n.init_i18n(app)
    errors.init_page_errors(app)
    navigation.init_navigation(app)
    app.register_blueprint(assets.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(case.bp)
