"""Where the stored monthly reports' PDFs live: MONTHLY_REPORTS_DIR (default instance/reports),
one file per report named by a random key of ours, in a folder per month. Written to a temporary
file in the same folder and renamed into place, so a download never reads half a file."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

from app.atomic_file import write_atomically

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
    write_atomically(path_of(key), data, prefix=".report-")


def remove(key: str) -> None:
    path_of(key).unlink(missing_ok=True)
