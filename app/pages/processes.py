"""Process versions, for the designers (and administrators): the deployed versions with their
date, author and content hash, how many open cases run on each, each one's diagram drawn by
bpmn-js; and a form that validates uploaded .bpmn files as `flask processes validate` does,
deploying nothing (app/processes/upload.py)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth import policy
from app.pages.session import login_manager, signed_in
from app.processes import upload, versions

bp = Blueprint("pages_processes", __name__)


@bp.before_request
def _designers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.check_design(signed_in())  # 403 page otherwise
    return None


def _page(verdict: upload.Verdict | None = None, status: int = 200):
    deployed = versions.deployed()
    shown = None
    wanted = request.args.get("version", "")
    if wanted.isdigit() and len(wanted) < 10:
        shown = next((d for d in deployed if d.version.id == int(wanted)), None)
    if shown is None and deployed:
        shown = next((d for d in deployed if d.newest), deployed[0])
    return (
        render_template(
            "pages/processes.html",
            deployed=deployed,
            shown=shown,
            verdict=verdict,
            max_bytes=upload.max_bytes(),
            max_files=upload.MAX_FILES,
        ),
        status,
    )


@bp.get("/processes")
def processes():
    return _page()


@bp.get("/processes/<int:version_id>/files/<name>")
def diagram(version_id: int, name: str):
    """A deployed version's file, for the viewer. As plain text, sandboxed: a diagram is
    untrusted, and as XML a browser would run the scripts an XHTML element could carry."""
    version = versions.get(version_id)
    if version is None or name not in version.files:
        abort(404)
    response = Response(version.files[name], mimetype="text/plain")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"  # a version never changes
    return response


@bp.post("/processes/validate")
def validate():
    cap = upload.max_bytes()
    files = [
        (storage.filename or "", storage.stream.read(cap + 1))
        for storage in request.files.getlist("files")
        if storage.filename
    ]
    verdict = upload.check(files)
    return _page(verdict, 200 if verdict.ok else 422)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge):
    """An upload past the request limit is refused before it is read (even before the CSRF
    check reads the form): said on the page, as any other refusal."""
    limit = request.max_content_length or 0
    verdict = upload.Verdict(
        files=[],
        reasons=[f"the upload is larger than the request limit of {limit:,} bytes"],
    )
    return _page(verdict, 413)
