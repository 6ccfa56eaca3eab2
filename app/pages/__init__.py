"""The web pages every role works in: server-rendered Flask + Jinja, Chinese first.

The pages call the same services and the same policy module as the JSON API; a view reads
its form, calls a service and renders. Sessions (Flask-Login) sign the user in; every form
carries a CSRF token (Flask-WTF); the assets are served by the app itself (assets.py).
"""

from __future__ import annotations

from flask import Flask

from app.pages import (
    actions,
    admin,
    api_docs,
    assets,
    auth,
    case,
    dispatch,
    errors,
    export,
    home,
    i18n,
    inbox,
    intake,
    listing,
    messages,
    monthly_reports,
    navigation,
    oversight,
    oversight_case,
    processes,
    query,
    reports,
    revisit,
    session,
    telephony,
    timing,
    wallboard,
)


def init_pages(app: Flask) -> None:
    session.init_session(app)
    i18n.init_i18n(app)
    errors.init_page_errors(app)
    navigation.init_navigation(app)
    listing.init_listing(app)
    app.register_blueprint(assets.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(query.bp)
    app.register_blueprint(export.bp)
    timing.init_timing(app)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(dispatch.bp)
    app.register_blueprint(revisit.bp)
    app.register_blueprint(intake.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(api_docs.bp)
    app.register_blueprint(case.bp)
    app.register_blueprint(oversight_case.bp)
    app.register_blueprint(oversight.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(wallboard.bp)
    app.register_blueprint(monthly_reports.bp)
    telephony.init_telephony_pages(app)
    messages.init_messages(app)
