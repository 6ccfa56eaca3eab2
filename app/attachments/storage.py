"""Where attachments' bytes live: ATTACHMENTS_DIR (default instance/attachments), one file per
attachment named by its random storage key, in a subfolder of the key's first two characters
(no folder grows past a few thousand files). Written to a temporary file in the same folder and
renamed into place, so a reader never sees half a file; readable by the app's user only."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app

from app.atomic_file import write_atomically


def folder() -> Path:
    configured = current_app.config.get("ATTACHMENTS_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "attachments"


def new_key() -> str:
    return secrets.token_hex(16)


def path_of(key: str) -> Path:
    if not (len(key) == 32 and all(c in "0123456789abcdef" for c in key)):
        raise ValueError("not a storage key")  # keys are ours; never a name from a request
    return folder() / key[:2] / key


def write(key: str, data: bytes) -> None:
    write_atomically(path_of(key), data, prefix=".upload-")


def remove(key: str) -> None:
    path_of(key).unlink(missing_ok=True)


def exists(key: str) -> bool:
    return path_of(key).is_file()
