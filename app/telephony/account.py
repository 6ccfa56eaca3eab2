"""The bridge's service account: user `ari_bridge` with the role `telephony`, at the city
centre. Its password is random and thrown away (it never logs in); its API token
comes from `flask telephony token`, and setting a password (`flask users set-password`)
revokes every token issued before, as for any user."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.auth import passwords
from app.auth.policy import TELEPHONY
from app.extensions import db
from app.models import Department, Role, User
from app.models.org import CITY

USERNAME = "ari_bridge"


def service_account() -> User:
    """The account, made (flushed, not committed) when missing."""
    user = db.session.scalars(select(User).where(User.username == USERNAME)).unique().first()
    if user is not None:
        return user
    role = db.session.scalar(select(Role).where(Role.code == TELEPHONY))
    if role is None:
        from app.vocabulary import ROLES

        zh, en = ROLES[TELEPHONY]
        role = Role(code=TELEPHONY, name=zh, name_en=en)
        db.session.add(role)
    city = db.session.scalars(select(Department).where(Department.kind == CITY)).first()
    if city is None:
        raise LookupError("no city centre department: run `flask seed demo` or set one up")
    user = User(
        username=USERNAME,
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
        display_name="话务网关 Telephony bridge",
        department=city,
        roles=[role],
    )
    db.session.add(user)
    db.session.flush()
    return user
