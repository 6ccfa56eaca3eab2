"""Login passwords: one hashing scheme for the seed, `flask users set-password` and login.

werkzeug's default, scrypt (N=2^15, r=8, p=1) with a random 16-character salt per hash, so
no two users share a salt even when they share a password. A stored hash made with other
parameters (the pbkdf2 hashes of older installations) still verifies and is replaced at the
user's next successful login (which, as any new hash, ends that user's other sessions and
tokens: they carry a digest of the hash, User.password_stamp).
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import Invalid
from app.models import User

METHOD = "scrypt:32768:8:1"
MIN_LENGTH = 8
MAX_LENGTH = 200  # the token request accepts no longer password


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=METHOD)


def check_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    return stored_hash.partition("$")[0] != METHOD


@cache
def dummy_hash() -> str:
    """A hash of a password nobody knows, made once: an unknown username is checked against
    it, so that it costs what a wrong password costs and the answer's timing says nothing."""
    return hash_password(secrets.token_urlsafe(32))


def validate_new_password(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(
            "weak_password",
            f"密码长度须为{MIN_LENGTH}至{MAX_LENGTH}个字符",
            f"A password needs {MIN_LENGTH} to {MAX_LENGTH} characters",
        )


def set_password(user: User, password: str) -> None:
    validate_new_password(password)
    user.password_hash = hash_password(password)


def set_passwords(users: list[User], password: str) -> None:
    """Each user their own hash (own salt) of one password, hashed in parallel: hashlib's
    scrypt releases the GIL, and the seed sets a few dozen demo logins at once."""
    validate_new_password(password)
    with ThreadPoolExecutor() as pool:
        hashes = list(pool.map(hash_password, [password] * len(users)))
    for user, hashed in zip(users, hashes, strict=True):
        user.password_hash = hashed
