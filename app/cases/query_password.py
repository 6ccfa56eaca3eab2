"""The citizen's query password: six digits, stored as a keyed hash.

A keyed HMAC rather than a slow password hash: six digits are a million guesses for any
hash once the stored value leaks, so what protects them is the server's secret key (not in
the database) and the rate limit on lookups, and an intake should not spend 10 ms on it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

PREFIX = "hmac-sha256$"


def new_password() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _digest(number: str, password: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{number}:{password}".encode(), hashlib.sha256).hexdigest()


def hash_password(number: str, password: str) -> str:
    return PREFIX + _digest(number, password)


def check_password(number: str, password: str, stored: str) -> bool:
    return stored.startswith(PREFIX) and hmac.compare_digest(
        stored[len(PREFIX) :], _digest(number, password)
    )
