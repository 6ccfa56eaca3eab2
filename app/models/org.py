"""Departments (a tree: city centre, district centres, departments), users and roles."""

from __future__ import annotations

import hashlib

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import vocabulary
from app.extensions import Model

# Department kinds. A centre dispatches (forwards) to its children; a department handles.
CITY = "city"
DISTRICT = "district"
DEPARTMENT = "department"
CENTRE_KINDS = (CITY, DISTRICT)

# Roles: the one registry is app/vocabulary.py (forms' roles are checked against it).
ROLES = vocabulary.ROLES


class Department(Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # Materialised path "/1/4/17/" so that a subtree is one indexed LIKE 'prefix%'.
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    @property
    def is_centre(self) -> bool:
        return self.kind in CENTRE_KINDS


user_roles = Table(
    "user_role",
    Model.metadata,
    Column("user_id", ForeignKey("app_user.id"), primary_key=True),
    Column("role_id", ForeignKey("role.id"), primary_key=True),
)


class Role(Model):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class User(Model):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The pages' language, "zh_CN" or "en"; None: the default (Chinese).
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    # Where the message centre also sends a user's notifications, and whether it should
    # (app/notifications/preferences.py checks them; delivery reads them when notified).
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    mobile: Mapped[str | None] = mapped_column(String(20), default=None)
    notify_by_email: Mapped[bool] = mapped_column(default=False)
    notify_by_sms: Mapped[bool] = mapped_column(default=False)

    department: Mapped[Department] = relationship(lazy="joined")
    # Joined, like the department: the user behind every API request is one read.
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="joined")

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.roles)

    # Flask-Login's user protocol, for the pages' sessions (app/pages/session.py).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def password_stamp(self) -> str:
        """A digest of the password hash, kept by page sessions and API tokens alike: a new
        password (whoever sets it) changes it and so ends every session and token issued
        before. Not the hash itself: a session cookie or a token is readable by its holder."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """What a session keeps: the id and the password stamp."""
        return f"{self.id}.{self.password_stamp}"


class LeaderScope(Model):
    """A department (and its subtree) a leader oversees."""

    __tablename__ = "leader_scope"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)
