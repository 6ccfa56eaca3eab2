"""The installation's secret key: where it comes from, and which keys are refused.

The key signs API tokens and keys the citizens' query-password HMAC, so a key anyone can
know (a default in the code, an example from the documentation) lets anyone mint tokens.
Order: `SECRET_KEY` given to the app factory or `MINQING_SECRET_KEY` in the environment,
else the file `instance/secret_key`. When neither exists a development installation writes
a fresh random key to that file (mode 0600); production refuses to start.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"
MIN_LENGTH = 32
# Fewer distinct characters than this is a pattern ("changeme" x 4), not a random key.
MIN_DISTINCT_CHARACTERS = 10
# Keys that have been published: this project's old default, framework examples and the
# words people type. Compared case-insensitively; most are also too short.
WELL_KNOWN = frozenset(
    {
        "dev-only-secret-change-me",
        "bench-secret",
        "test",
        "testing",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "mysecret",
        "supersecret",
        "your-secret-key",
        "your_secret_key",
        "change-me",
        "changeme",
        "change_me",
        "dev",
        "development",
        "default",
        "password",
        "flask",
        "minqing",
        "12345",
        # The example key in Flask's quickstart ("How to generate good secret keys").
        "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
    }
)


class SecretKeyError(RuntimeError):
    """The app cannot start: no usable secret key."""


def new_secret() -> str:
    return secrets.token_urlsafe(48)


def weakness(key: str) -> str | None:
    """Why `key` must not sign anything, or None when it looks like a random secret."""
    if key.strip().lower() in WELL_KNOWN:
        return "it is a well-known key"
    if len(key) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return "it is a repeated pattern, not a random key"
    return None


def resolve(config: dict, instance_path: str) -> str:
    """The secret key the app is to use; raises SecretKeyError with what to do otherwise."""
    production = config.get("ENVIRONMENT") == "production"
    path = Path(instance_path) / FILE_NAME
    key = config.get("SECRET_KEY")
    source = "SECRET_KEY / MINQING_SECRET_KEY"
    if not key and path.exists():
        key, source = _read(path, production), str(path)
    if not key:
        if production:
            raise SecretKeyError(
                "No secret key: set MINQING_SECRET_KEY or write a random key to "
                f"{path} (mode 0600), e.g. `python -c 'import secrets; "
                f"print(secrets.token_urlsafe(48))' > {path} && chmod 600 {path}`. "
                "In production Minqing does not generate one."
            )
        key, source = _create(path), str(path)
    problem = weakness(key)
    # The one exception: a test that means to use a weak key says so, and never in production.
    allowed = config.get("TESTING") and config.get("ALLOW_WEAK_SECRET_KEY") and not production
    if problem and not allowed:
        raise SecretKeyError(
            f"The secret key from {source} is refused: {problem}. "
            f"Use a random key of at least {MIN_LENGTH} characters, "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    return key


def _read(path: Path, production: bool) -> str:
    if production and path.stat().st_mode & 0o077:
        raise SecretKeyError(
            f"{path} can be read by other users of this machine: `chmod 600 {path}`."
        )
    return path.read_text(encoding="utf-8").strip()


def _create(path: Path) -> str:
    """Write a fresh key, readable by its owner only, unless another process just did.

    The key is written to a private temporary file and published with a hard link, which
    fails if the name exists: two processes starting at once (the web app and the
    scheduler) agree on one key, and neither ever reads a half-written file.
    """
    key = new_secret()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(key + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return key
