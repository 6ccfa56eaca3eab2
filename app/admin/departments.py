"""The department tree: add, rename, move, deactivate and reactivate.

The kinds and where each may sit (as the seed builds the city and the transfer rule reads it:
a centre forwards to the departments below it, app/cases/handlers.py):

    city        the root, exactly one: the city's 12345 centre (never added, moved or closed)
    district    a district's 12345 centre, directly under the city
    department  a handling department, under the city or a district; it has none below it

Each department keeps its materialised `path` ("/1/4/17/", the subtree prefix scopes and
transfers read); a move rewrites the paths of the moved subtree in the same transaction as its
new parent. A department with open work (a case currently at it, or an open task at it or sent
by it and awaiting its decision) cannot be deactivated, nor one with active departments below.
"""

from __future__ import annotations

from sqlalchemy import func, literal, or_, select, update

from app.admin import audit, checks
from app.admin.audit import Actor
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Case, Department, OpenTask, User
from app.models.case import CLOSED
from app.models.org import CITY, DEPARTMENT, DISTRICT

KINDS = (DISTRICT, DEPARTMENT)  # the kinds an administrator adds
PARENT_KINDS = {DISTRICT: (CITY,), DEPARTMENT: (CITY, DISTRICT)}
PATH_MAX = 255  # Department.path


def _not_found() -> NotFound:
    return NotFound("department_not_found", "单位不存在", "No such department")


def get(dept_id: int) -> Department:
    dept = db.session.get(Department, dept_id)
    if dept is None:
        raise _not_found()
    return dept


def _check_parent(kind: str, parent: Department | None, field: str = "parent_id") -> Department:
    if parent is None:
        raise checks.refuse(field, "required", "请选择上级单位", "Choose the parent")
    if not parent.active:
        raise checks.refuse(
            field, "parent_inactive", "上级单位已停用", "The parent department is deactivated"
        )
    if parent.kind not in PARENT_KINDS[kind]:
        if kind == DISTRICT:
            zh, en = (
                "区级分中心只能设在市热线中心之下",
                "A district centre sits under the city centre",
            )
        else:
            zh, en = (
                "职能部门只能设在市热线中心或区级分中心之下",
                "A department sits under the city centre or a district centre",
            )
        raise checks.refuse(field, "bad_parent", zh, en)
    return parent


def _check_names(
    name: str | None, name_en: str | None, parent_id: int | None, own_id: int | None = None
) -> tuple[str, str]:
    name = checks.line(name, "name", 120)
    name_en = checks.line(name_en, "name_en", 120, required=False)
    checks.name_free_among_siblings(Department, name, parent_id, own_id, "单位", "department")
    return name, name_en


def add(
    actor: Actor,
    *,
    code: str | None,
    name: str | None,
    name_en: str | None,
    kind: str | None,
    parent_id: int | None,
) -> Department:
    audit.check(actor)
    if kind not in KINDS:
        raise checks.refuse(
            "kind",
            "bad_kind",
            "类型须为区级分中心或职能部门",
            "The kind is a district centre or a department",
        )
    code = checks.code(code)
    if db.session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise checks.refuse(
            "code", "code_taken", f"编码“{code}”已被使用", f"The code '{code}' is taken"
        )
    parent = _check_parent(kind, db.session.get(Department, parent_id) if parent_id else None)
    name, name_en = _check_names(name, name_en, parent.id)
    if len(parent.path) + 11 > PATH_MAX:  # its own id: at most 10 digits and a slash
        raise checks.refuse("parent_id", "too_deep", "层级过深", "The tree is too deep there")
    dept = Department(code=code, name=name, name_en=name_en, kind=kind, parent=parent, path="/")
    db.session.add(dept)
    db.session.flush()  # its id, for its path
    dept.path = f"{parent.path}{dept.id}/"
    audit.record(
        actor,
        "department.add",
        "department",
        dept.id,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id,
    )
    db.session.commit()
    return dept


def rename(actor: Actor, dept_id: int, *, name: str | None, name_en: str | None) -> Department:
    audit.check(actor)
    dept = get(dept_id)
    new_name, new_en = _check_names(name, name_en, dept.parent_id, dept.id)
    before = {"name": dept.name, "name_en": dept.name_en}
    dept.name, dept.name_en = new_name, new_en
    audit.record(
        actor,
        "department.rename",
        "department",
        dept.id,
        before=before,
        after={"name": new_name, "name_en": new_en},
    )
    db.session.commit()
    return dept


def move(actor: Actor, dept_id: int, *, parent_id: int | None) -> Department:
    """Re-parent the department; the paths of its whole subtree follow, in one transaction."""
    audit.check(actor)
    # Locked (PostgreSQL): two moves at once cannot interleave their path rewrites.
    dept = db.session.scalar(select(Department).where(Department.id == dept_id).with_for_update())
    if dept is None:
        raise _not_found()
    if dept.kind == CITY:
        raise Conflict(
            "city_is_root", "市热线中心是根节点，不能移动", "The city centre is the root"
        )
    parent = db.session.get(Department, parent_id) if parent_id else None
    _check_parent(dept.kind, parent)
    assert parent is not None
    if parent.id == dept.parent_id:
        raise checks.refuse(
            "parent_id", "same_parent", "已在该上级单位之下", "It is under that parent already"
        )
    if parent.path.startswith(dept.path):
        raise checks.refuse(
            "parent_id",
            "into_own_subtree",
            "不能移到自身或其下级单位之下",
            "A department cannot move under itself or its own subtree",
        )
    old_path, new_path = dept.path, f"{parent.path}{dept.id}/"
    deepest = db.session.scalar(
        select(func.max(func.length(Department.path))).where(Department.path.startswith(old_path))
    )
    if (deepest or 0) - len(old_path) + len(new_path) > PATH_MAX:
        raise checks.refuse("parent_id", "too_deep", "层级过深", "The tree is too deep there")
    old_parent_id = dept.parent_id
    # Every path in the subtree starts with the old prefix: swap it for the new one.
    db.session.execute(
        update(Department)
        .where(Department.path.startswith(old_path))
        .values(path=literal(new_path) + func.substr(Department.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Department)
        .where(Department.id == dept.id)
        .values(parent_id=parent.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        actor,
        "department.move",
        "department",
        dept.id,
        from_parent_id=old_parent_id,
        to_parent_id=parent.id,
        from_path=old_path,
        to_path=new_path,
    )
    db.session.commit()
    db.session.expire_all()
    return get(dept_id)


def open_work(dept_id: int) -> int:
    """Open cases at the department or waiting on it: cases currently at it, and the cases of
    open tasks at it or sent by it (whose sender decides on a return or extension request)."""
    at = select(Case.id).where(Case.current_department_id == dept_id, Case.status != CLOSED)
    tasks = select(OpenTask.case_id).where(
        or_(OpenTask.department_id == dept_id, OpenTask.from_department_id == dept_id)
    )
    return db.session.scalar(select(func.count()).select_from(at.union(tasks).subquery())) or 0


def deactivate(actor: Actor, dept_id: int) -> Department:
    audit.check(actor)
    dept = get(dept_id)
    if dept.kind == CITY:
        raise Conflict(
            "city_is_root", "市热线中心不能停用", "The city centre cannot be deactivated"
        )
    if not dept.active:
        raise Conflict("already_inactive", "该单位已停用", "The department is deactivated already")
    below = db.session.scalar(
        select(func.count()).where(
            Department.path.startswith(dept.path), Department.id != dept.id, Department.active
        )
    )
    if below:
        raise Conflict(
            "has_active_departments",
            f"该单位下还有{below}个在用的单位，请先停用它们",
            f"{below} active department(s) sit below it; deactivate those first",
        )
    work = open_work(dept.id)
    if work:
        raise Conflict(
            "department_has_open_cases",
            f"该单位还有{work}件未办结的工单（在办或待其审批），不能停用；请先办结或转走",
            f"{work} open case(s) are at this department or wait on it; it cannot be "
            "deactivated until they are closed or moved on",
            open_cases=work,
        )
    dept.active = False
    audit.record(actor, "department.deactivate", "department", dept.id, name=dept.name)
    db.session.commit()
    return dept


def activate(actor: Actor, dept_id: int) -> Department:
    audit.check(actor)
    dept = get(dept_id)
    if dept.active:
        raise Conflict("already_active", "该单位已在用", "The department is active already")
    if dept.parent is not None and not dept.parent.active:
        raise Conflict(
            "parent_inactive",
            "上级单位已停用，请先启用上级单位",
            "Its parent is deactivated; reactivate the parent first",
        )
    dept.active = True
    audit.record(actor, "department.activate", "department", dept.id, name=dept.name)
    db.session.commit()
    return dept


def active_users(dept_id: int | None = None) -> dict[int, int]:
    """Active users per department."""
    query = (
        select(User.department_id, func.count())
        .where(User.active.is_(True))
        .group_by(User.department_id)
    )
    if dept_id is not None:
        query = query.where(User.department_id == dept_id)
    return {d: n for d, n in db.session.execute(query).all()}


def centres() -> list[Department]:
    """The departments a department or district centre may sit under (active centres)."""
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.kind.in_((CITY, DISTRICT)), Department.active.is_(True))
            .order_by(Department.path)
        )
    )


def below(dept: Department) -> list[Department]:
    """The departments of its subtree, itself excepted."""
    return list(
        db.session.scalars(
            select(Department).where(
                Department.path.startswith(dept.path), Department.id != dept.id
            )
        )
    )
