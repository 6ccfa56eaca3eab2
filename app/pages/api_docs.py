"""The API's documentation page: Swagger UI from npm (swagger-ui-dist, served by the app
itself: app/pages/assets.py), reading /api/v1/openapi.json. Open to anyone, as the document
it reads is: it shows how to call the API, no data. Started by app/static/api-docs.js (the
pages' CSP allows no inline script), with Swagger's online validator off (no request leaves
the intranet)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages_api_docs", __name__)


@bp.get("/api/docs")
def docs():
    config = current_app.config
    spec_url = f"{config['OPENAPI_URL_PREFIX']}/{config['OPENAPI_JSON_PATH']}"
    return render_template("pages/api_docs.html", spec_url=spec_url)
