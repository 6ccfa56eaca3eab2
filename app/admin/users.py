"""Logins: list and search, create, change (name, department, roles, the departments a leader
oversees), reset the password, disable and enable.

Passwords follow the one rule and hashing of app/auth/passwords.py. A new password ends the
user's page sessions and revokes their API tokens at their next request (both carry a digest
of the hash, User.password_stamp); disabling ends their sessions and refuses their API tokens
too (both check `active`). An administrator cannot disable themselves or take away their own
administrator role, and the last active administrator stays one: the city never locks itself
out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select

from app.admin import audit, checks
from app.admin.audit import Actor
from app.auth import passwords
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import Department, LeaderScope, Role, User, user_roles
from app.vocabulary import ROLES

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{2,63}")
ADMIN = "admin"
LEADER = "leader"


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    total: int
    page: int
    per_page: int


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found", "用户不存在", "No such user")
    return user


def search(
    q: str = "",
    department_id: int | None = None,
    role: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> UserPage:
    """Users by part of the username or display name, department and role, by username."""
    query = select(User)
    q = q.strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    if department_id:
        query = query.where(User.department_id == department_id)
    if role:
        query = query.where(
            User.id.in_(
                select(user_roles.c.user_id)
                .join(Role, Role.id == user_roles.c.role_id)
                .where(Role.code == role)
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(
        db.session.scalars(
            query.order_by(User.username).offset((page - 1) * per_page).limit(per_page)
        ).unique()
    )
    return UserPage(items, total, page, per_page)


def leader_scope_ids(user: User) -> list[int]:
    return list(
        db.session.scalars(select(LeaderScope.department_id).where(LeaderScope.user_id == user.id))
    )


def _department(dept_id: int | None) -> Department:
    dept = db.session.get(Department, dept_id) if dept_id else None
    if dept is None:
        raise checks.refuse("department_id", "required", "请选择单位", "Choose a department")
    if not dept.active:
        raise checks.refuse(
            "department_id", "department_inactive", "该单位已停用", "The department is deactivated"
        )
    return dept


def _roles(codes: list[str]) -> list[Role]:
    unknown = sorted(set(codes) - set(ROLES))
    if unknown:
        raise checks.refuse(
            "roles", "unknown_role", f"未知角色：{', '.join(unknown)}", f"Unknown roles: {unknown}"
        )
    if not codes:
        raise checks.refuse("roles", "required", "至少选择一个角色", "Choose at least one role")
    return list(db.session.scalars(select(Role).where(Role.code.in_(codes))))


def _overseen(codes: list[str], dept_ids: list[int]) -> list[int]:
    if LEADER not in codes:
        return []
    ids = sorted(set(dept_ids))
    found = set(
        db.session.scalars(
            select(Department.id).where(Department.id.in_(ids), Department.active.is_(True))
        )
    )
    if len(found) != len(ids):
        raise checks.refuse(
            "leader_of",
            "unknown_department",
            "所选分管单位不存在或已停用",
            "A department chosen to oversee does not exist or is deactivated",
        )
    return ids


def _set_scopes(user: User, dept_ids: list[int]) -> None:
    db.session.execute(delete(LeaderScope).where(LeaderScope.user_id == user.id))
    db.session.add_all(LeaderScope(user_id=user.id, department_id=d) for d in dept_ids)


def _active_admins_besides(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(User.id)))
            .join(user_roles, user_roles.c.user_id == User.id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(Role.code == ADMIN, User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def _keep_an_admin(actor: Actor, user: User, losing: str) -> None:
    """Refuse a change that takes the administrator role from `user` (`losing` says how)."""
    if ADMIN not in user.role_codes:
        return
    if user.id == actor.user.id:
        raise Conflict(
            "own_admin_role",
            "不能停用自己或取消自己的管理员角色",
            f"You cannot {losing} yourself",
        )
    if _active_admins_besides(user) == 0:
        raise Conflict(
            "last_admin",
            "这是最后一个在用的管理员，不能停用或取消其管理员角色",
            "This is the last active administrator; the system would have none",
        )


def create(
    actor: Actor,
    *,
    username: str | None,
    display_name: str | None,
    department_id: int | None,
    roles: list[str],
    password: str | None,
    leader_of: list[int] | None = None,
) -> User:
    audit.check(actor)
    name = (username or "").strip()
    if not USERNAME.fullmatch(name):
        raise checks.refuse(
            "username",
            "bad_username",
            "用户名为3至64个字符：字母、数字、点、下划线或连字符，以字母或数字开头",
            "A username has 3 to 64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == name.lower()))
    if taken is not None:
        raise checks.refuse(
            "username", "username_taken", f"用户名“{name}”已被使用", f"'{name}' is taken"
        )
    display = checks.line(display_name, "display_name", 120)
    dept = _department(department_id)
    role_rows = _roles(roles)
    overseen = _overseen(roles, leader_of or [])
    try:
        passwords.validate_new_password(password or "")
    except Invalid as exc:
        raise checks.refuse("password", exc.code, exc.zh, exc.en) from exc
    user = User(
        username=name,
        display_name=display,
        department=dept,
        roles=role_rows,
        password_hash=passwords.hash_password(password or ""),
    )
    db.session.add(user)
    db.session.flush()
    _set_scopes(user, overseen)
    audit.record(
        actor,
        "user.create",
        "user",
        user.id,
        username=name,
        department_id=dept.id,
        roles=sorted(roles),
        leader_of=overseen,
    )
    db.session.commit()
    return user


def update(
    actor: Actor,
    user_id: int,
    *,
    display_name: str | None,
    department_id: int | None,
    roles: list[str],
    leader_of: list[int] | None = None,
) -> User:
    audit.check(actor)
    user = get(user_id)
    display = checks.line(display_name, "display_name", 120)
    dept = _department(department_id)
    role_rows = _roles(roles)
    overseen = _overseen(roles, leader_of or [])
    if ADMIN not in roles:
        _keep_an_admin(actor, user, "take the administrator role from")
    before = {
        "display_name": user.display_name,
        "department_id": user.department_id,
        "roles": sorted(user.role_codes),
        "leader_of": sorted(leader_scope_ids(user)),
    }
    user.display_name, user.department, user.roles = display, dept, role_rows
    _set_scopes(user, overseen)
    after = {
        "display_name": display,
        "department_id": dept.id,
        "roles": sorted(roles),
        "leader_of": overseen,
    }
    audit.record(actor, "user.update", "user", user.id, before=before, after=after)
    db.session.commit()
    return user


def reset_password(actor: Actor, user_id: int, password: str | None) -> User:
    """A new password; the user's page sessions and API tokens end at their next request."""
    audit.check(actor)
    user = get(user_id)
    try:
        passwords.set_password(user, password or "")
    except Invalid as exc:
        raise checks.refuse("password", exc.code, exc.zh, exc.en) from exc
    audit.record(actor, "user.reset_password", "user", user.id, username=user.username)
    db.session.commit()
    return user


def set_active(actor: Actor, user_id: int, active: bool) -> User:
    audit.check(actor)
    user = get(user_id)
    if user.active == active:
        raise Conflict(
            "unchanged",
            "该用户已是此状态",
            "The user is " + ("enabled" if active else "disabled") + " already",
        )
    if not active:
        _keep_an_admin(actor, user, "disable")
    user.active = active
    audit.record(
        actor, "user.enable" if active else "user.disable", "user", user.id, username=user.username
    )
    db.session.commit()
    return user
