"""Deploying process versions and finding the compiled definition a case runs on."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, func, select

from app.clock import clock
from app.engine import CompiledProcess, ProcessError, compile_process, configure_limits
from app.extensions import db
from app.forms.registry import FormError, load_forms
from app.models import ProcessVersion
from app.processes import contract

_compiled: dict[int, CompiledProcess] = {}


def apply_limits() -> None:
    """Hand the app's sandbox settings to the engine (cheap; runs before every use of it)."""
    config = current_app.config
    configure_limits(
        time_seconds=config["SCRIPT_TIME_LIMIT_SECONDS"],
        memory_mb=config["SCRIPT_MEMORY_LIMIT_MB"],
        process_file_max_bytes=config["PROCESS_FILE_MAX_BYTES"],
    )


def read_files(directory: str | None = None) -> dict[str, str]:
    directory = directory or current_app.config["PROCESSES_DIR"]
    return {p.name: _read(p) for p in sorted(Path(directory).glob("*.bpmn"))}


def _read(path: Path) -> str:
    """The file's text; of a file over the size limit only the first limit + 1 bytes, enough
    for validate to refuse it (compile_process) without reading all of it."""
    apply_limits()
    cap = current_app.config["PROCESS_FILE_MAX_BYTES"]
    with path.open("rb") as f:
        data = f.read(cap + 1)
    # A character cut at the end becomes U+FFFD (3 bytes): the text stays over the limit.
    return data.decode("utf-8", errors="replace" if len(data) > cap else "strict")


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name, xml in sorted(files.items()):
        digest.update(name.encode() + b"\0" + xml.encode() + b"\0")
    return digest.hexdigest()


def validate(files: dict[str, str], process_id: str | None = None) -> CompiledProcess:
    """Parse and check the diagram, then check it and the forms against each other
    (contract.py). Raises ProcessError."""
    process_id = process_id or current_app.config["MAIN_PROCESS"]
    if not files:
        raise ProcessError("", "", "no .bpmn files found")
    apply_limits()
    compiled = compile_process(files, process_id)
    try:
        forms = load_forms(current_app.config["FORMS_DIR"])
    except FormError as exc:
        raise ProcessError(exc.file, exc.task, exc.reason) from exc
    contract.check(compiled, forms)
    return compiled


def deploy(files: dict[str, str], by: str = "", process_id: str | None = None):
    """Store a new version when the files changed. Returns (version, created)."""
    process_id = process_id or current_app.config["MAIN_PROCESS"]
    compiled = validate(files, process_id)
    digest = content_hash(files)
    # Compared with the newest only: deploying an older version's files again (a rollback)
    # makes them a new, current version.
    current = latest_version(process_id)
    if current is not None and current.content_hash == digest:
        return current, False
    number = (
        db.session.scalar(select(func.max(ProcessVersion.version)).filter_by(process_id=process_id))
        or 0
    ) + 1
    version = ProcessVersion(
        process_id=process_id,
        version=number,
        content_hash=digest,
        files=files,
        deployed_at=clock.now(),
        deployed_by=by,
    )
    db.session.add(version)
    db.session.commit()
    _compiled[version.id] = compiled
    return version, True


def newest_version(process_id: object) -> Select[ProcessVersion]:
    """The query for a process's newest version (`process_id`: a value or a bind parameter)."""
    return (
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )


def latest_version(process_id: str | None = None) -> ProcessVersion | None:
    process_id = process_id or current_app.config["MAIN_PROCESS"]
    return db.session.scalar(newest_version(process_id))


def compiled(version_id: int) -> CompiledProcess:
    """The parsed definition of a stored version; parsed once per process. Every step asks
    for it before it runs the engine, so the sandbox's settings are applied here."""
    apply_limits()
    found = _compiled.get(version_id)
    if found is None:
        version = db.session.get_one(ProcessVersion, version_id)
        # Checked when it was deployed; its code runs in the sandbox regardless.
        found = compile_process(version.files, version.process_id, check_code=False)
        _compiled[version_id] = found
    return found
