"""Who may see and do what: the one place for scope and role checks, pages and API alike.

Scopes: city-centre staff, the oversight office and administrators see every case; a district
centre sees the cases sent into its subtree; a department sees the cases it was sent; a leader
sees the departments (subtrees) they oversee. Acting on a task needs the right role and being
the task's department (or, for a recall, the department that sent it).
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from app.errors import Forbidden
from app.extensions import db
from app.forms.registry import ActionSpec
from app.models import Case, CaseDepartment, Department, LeaderScope, OpenTask, User
from app.models.org import CITY

ALL_CASES_ROLES = frozenset({"oversight", "admin"})
CITY_STAFF_ROLES = frozenset({"agent", "dispatcher", "revisit", "leader", "designer"})


def sees_everything(user: User) -> bool:
    roles = user.role_codes
    if roles & ALL_CASES_ROLES:
        return True
    return user.department.kind == CITY and bool(roles & CITY_STAFF_ROLES) and not _is_leader(user)


def _is_leader(user: User) -> bool:
    return "leader" in user.role_codes


def scope_paths(user: User) -> list[str]:
    """Department path prefixes whose cases the user may read."""
    if _is_leader(user):
        rows = db.session.scalars(
            select(Department.path)
            .join(LeaderScope, LeaderScope.department_id == Department.id)
            .where(LeaderScope.user_id == user.id)
        ).all()
        return list(rows) or [user.department.path]
    return [user.department.path]


def scope_department_ids(user: User) -> list[int] | None:
    """Ids of the departments whose cases the user may read (None = every case)."""
    if sees_everything(user):
        return None
    paths = scope_paths(user)
    in_scope = or_(*(Department.path.startswith(p) for p in paths))
    return sorted(db.session.scalars(select(Department.id).where(in_scope)))


def visible_cases_clause(user: User, dept_ids: list[int] | None = None):
    """A WHERE clause on Case limiting a query to what the user may read (None = no limit).

    `dept_ids`: the user's `scope_department_ids`, when the caller has them already.
    """
    if dept_ids is None:
        dept_ids = scope_department_ids(user)
    if dept_ids is None:
        return None
    # The department ids first (a tiny table): the planner then sees a plain IN on the
    # indexed case_department.department_id, with its real selectivity.
    return exists(
        select(CaseDepartment.case_id).where(
            CaseDepartment.case_id == Case.id, CaseDepartment.department_id.in_(dept_ids)
        )
    )


def can_view(user: User, case: Case) -> bool:
    clause = visible_cases_clause(user)
    if clause is None:
        return True
    return bool(db.session.scalar(select(Case.id).where(Case.id == case.id, clause)))


def may_act(user: User, task: OpenTask, action: ActionSpec) -> bool:
    if not (user.role_codes & action.roles):
        return False
    acting_dept = task.department_id if action.actor == "dept" else task.from_department_id
    return acting_dept is not None and acting_dept == user.department_id


def check_act(user: User, task: OpenTask, action: ActionSpec) -> None:
    if not (user.role_codes & action.roles):
        raise Forbidden(
            "role_not_allowed",
            "您的角色不能执行此操作",
            f"Your roles do not allow '{action.name}' (needs one of {sorted(action.roles)})",
        )
    if not may_act(user, task, action):
        raise Forbidden(
            "department_not_allowed",
            "此工单当前不由您的单位处理",
            f"'{action.name}' on this case belongs to another department",
        )
