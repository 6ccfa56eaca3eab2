"""Case types (their names and time limits per priority) and the category tree.

The case-type codes are a registry in code (app/models/catalog.py CASE_TYPES: the intake and
list schemas validate against it), so a type is renamed and its limits set here, not added.
Categories are looked up by code at intake, so they are added and renamed here.

Time limits: sign-for and decisions in working hours, handling and revisit in working days,
the warning hours before a due. A change applies to deadlines computed from then on (a task's
due time is fixed when it opens); the deadline service's cache is dropped at once, in every
process (deadlines.changed(), in the change's transaction).
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select

from app.admin import audit, checks
from app.admin.audit import Actor
from app.deadlines import service as deadlines
from app.errors import NotFound
from app.extensions import db
from app.models import CaseType, Category, TimeLimit
from app.models.catalog import PRIORITIES

# field -> (lowest, highest, whole number): bounds a hotline's rules live well inside.
LIMIT_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "sign_hours": (0.5, 240, False),
    "handle_days": (1, 365, True),
    "revisit_days": (1, 60, True),
    "decision_hours": (0.5, 240, False),
    "warn_hours": (0, 240, False),
}


class LimitValues(TypedDict):
    sign_hours: float
    handle_days: int
    revisit_days: int
    decision_hours: float
    warn_hours: float


def get_case_type(type_id: int) -> CaseType:
    found = db.session.get(CaseType, type_id)
    if found is None:
        raise NotFound("case_type_not_found", "诉求类型不存在", "No such case type")
    return found


def update_case_type(
    actor: Actor,
    type_id: int,
    *,
    name: str | None,
    name_en: str | None,
    limits: dict[str, dict[str, float | int | None]],
) -> CaseType:
    """Rename the type and set its limit for every priority, in one transaction. A refused
    field is named `<priority>-<field>` (e.g. `urgent-handle_days`)."""
    audit.check(actor)
    case_type = get_case_type(type_id)
    new_name = checks.line(name, "name", 64)
    new_en = checks.line(name_en, "name_en", 64)
    checked: dict[str, dict[str, float]] = {}
    for priority in PRIORITIES:
        given = limits.get(priority, {})
        checked[priority] = {
            key: checks.number(given.get(key), f"{priority}-{key}", low, high, whole=whole)
            for key, (low, high, whole) in LIMIT_BOUNDS.items()
        }
    rows = {
        r.priority: r
        for r in db.session.scalars(select(TimeLimit).where(TimeLimit.case_type_id == type_id))
    }
    before = {
        "name": case_type.name,
        "name_en": case_type.name_en,
        "limits": {p: _values(r) for p, r in rows.items()},
    }
    case_type.name, case_type.name_en = new_name, new_en
    for priority, values in checked.items():
        row = rows.get(priority)
        if row is None:
            row = TimeLimit(case_type_id=type_id, priority=priority)
            db.session.add(row)
        row.sign_hours = values["sign_hours"]
        row.handle_days = int(values["handle_days"])
        row.revisit_days = int(values["revisit_days"])
        row.decision_hours = values["decision_hours"]
        row.warn_hours = values["warn_hours"]
    after = {"name": new_name, "name_en": new_en, "limits": checked}
    audit.record(actor, "case_type.update", "case_type", case_type.code, before=before, after=after)
    deadlines.changed()
    db.session.commit()
    return case_type


def _values(row: TimeLimit) -> dict[str, float]:
    return {key: getattr(row, key) for key in LIMIT_BOUNDS}


def get_category(category_id: int) -> Category:
    found = db.session.get(Category, category_id)
    if found is None:
        raise NotFound("category_not_found", "分类不存在", "No such category")
    return found


def _category_names(
    name: str | None, name_en: str | None, parent_id: int | None, own_id: int | None = None
) -> tuple[str, str]:
    new_name = checks.line(name, "name", 120)
    new_en = checks.line(name_en, "name_en", 120, required=False)
    checks.name_free_among_siblings(Category, new_name, parent_id, own_id, "分类", "category")
    return new_name, new_en


def add_category(
    actor: Actor,
    *,
    code: str | None,
    name: str | None,
    name_en: str | None,
    parent_id: int | None,
) -> Category:
    audit.check(actor)
    new_code = checks.code(code)
    if db.session.scalar(select(Category.id).where(Category.code == new_code)) is not None:
        raise checks.refuse(
            "code", "code_taken", f"编码“{new_code}”已被使用", f"The code '{new_code}' is taken"
        )
    if parent_id is not None and db.session.get(Category, parent_id) is None:
        raise checks.refuse("parent_id", "unknown_parent", "上级分类不存在", "No such parent")
    new_name, new_en = _category_names(name, name_en, parent_id)
    category = Category(code=new_code, name=new_name, name_en=new_en, parent_id=parent_id)
    db.session.add(category)
    db.session.flush()
    audit.record(
        actor,
        "category.add",
        "category",
        category.id,
        code=new_code,
        name=new_name,
        parent_id=parent_id,
    )
    db.session.commit()
    return category


def rename_category(
    actor: Actor, category_id: int, *, name: str | None, name_en: str | None
) -> Category:
    audit.check(actor)
    category = get_category(category_id)
    new_name, new_en = _category_names(name, name_en, category.parent_id, category.id)
    before = {"name": category.name, "name_en": category.name_en}
    category.name, category.name_en = new_name, new_en
    audit.record(
        actor,
        "category.rename",
        "category",
        category.id,
        before=before,
        after={"name": new_name, "name_en": new_en},
    )
    db.session.commit()
    return category
