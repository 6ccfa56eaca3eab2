"""The telephony pages (issue 11): the agents' desk and the supervisors' board (/agents), the
IVR menu editor and the blacklist (/admin/ivr, /admin/blacklist), the calls of a case with
their recordings, three-way call and transfer on the case page, and the revisit page's
callback. The views read their form and call the telephony services (app/telephony), which
check, write and commit; a refusal comes back on the field it names, nothing changed.
The screen pop itself is app/static/telephony/screen-pop.js, on the intake page's `call=`."""

from __future__ import annotations

from flask import Flask

from app.pages.telephony import agents, blacklist, calls, ivr


def init_telephony_pages(app: Flask) -> None:
    app.register_blueprint(agents.bp)
    app.register_blueprint(ivr.bp)
    app.register_blueprint(blacklist.bp)
    app.register_blueprint(calls.bp)
