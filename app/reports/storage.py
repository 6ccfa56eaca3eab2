"""Where the stored monthly reports' PDFs live: MONTHLY_REPORTS_DIR (default instance/reports),
one file per report named by a random key of ours, in a folder per month. Written to a temporary
file in the same folder and renamed into place, so a download never reads half a file."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"[0-9]{4}-[0-9]{2}/[0-9a-f]{32}\.pdf")


def folder() -> Path:
    configured = current_app.config.get("MONTHLY_REPORTS_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "reports"


def new_key(month: str) -> str:
    return f"{month}/{secrets.token_hex(16)}.pdf"


def path_of(key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise ValueError("not a report file key")  # keys are ours; never a name from a request
    return folder() / key


def write(key: str, data: bytes) -> None:
    target = path_of(key)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".report-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove(key: str) -> None:
    path_of(key).unlink(missing_ok=True)
