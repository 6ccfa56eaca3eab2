"""A throwaway login for tests that change passwords, so the seeded ones stay as they are."""

from __future__ import annotations

import contextlib
import secrets

from sqlalchemy import delete, select

from app.auth import passwords
from app.extensions import db
from app.models import Department, User
from app.models.org import user_roles


@contextlib.contextmanager
def temporary_user(password: str | None = None, password_hash: str | None = None):
    dept = db.session.scalar(select(Department).filter_by(code="city"))
    user = User(
        username=f"tmp_{secrets.token_hex(4)}",
        password_hash=password_hash or passwords.hash_password(password or "tmp-password"),
        display_name="temporary",
        department=dept,
    )
    db.session.add(user)
    db.session.commit()
    try:
        yield user
    finally:
        db.session.rollback()
        db.session.execute(delete(user_roles).where(user_roles.c.user_id == user.id))
        db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()
