"""Front-end assets from npm (package.json, installed by `npm ci` in the Makefile), served by
the app itself: a city's intranet reaches no CDN.

Only the files listed here are served, under /assets/<package>/<path>, each with the
package's version in the URL (a new version is a new URL, so browsers may keep them a year).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, send_from_directory, url_for
from werkzeug.security import safe_join

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
# package -> the folder inside it that may be served
SERVED = {
    "bootstrap": "dist",
    "bpmn-js": "dist",
    "echarts": "dist",  # the report charts (app/static/reports.js)
    "htmx.org": "dist",
    "swagger-ui-dist": "",
}
YEAR = 365 * 24 * 3600

bp = Blueprint("assets", __name__)


@cache
def version(package: str) -> str:
    manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
    return str(manifest["version"])


def asset_url(package: str, path: str) -> str:
    """The URL of a file of an npm package, e.g. asset_url("htmx.org", "htmx.min.js")."""
    return url_for("assets.serve", package=package, ver=version(package), path=path)


@bp.route("/assets/<package>/<ver>/<path:path>")
def serve(package: str, ver: str, path: str):
    if package not in SERVED or ver != version(package) or path.endswith(".map"):
        abort(404)
    folder = NODE_MODULES / package / SERVED[package]
    if safe_join(str(folder), path) is None:
        abort(404)
    return send_from_directory(folder, path, max_age=YEAR)


@bp.app_context_processor
def _asset_url():
    return {"asset_url": asset_url}
