"""Case types with their time limits per priority, and the category tree, as the pages and the
API show them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import CaseType, Category, TimeLimit
from app.models.catalog import CASE_TYPES, PRIORITIES


@dataclass(frozen=True)
class Limit:
    """How long a case of a type and priority may take: sign-for and decisions in working
    hours, handling and revisit in working days; the warning this many hours before a due."""

    case_type: str
    priority: str
    sign_hours: float
    handle_days: int
    revisit_days: int
    decision_hours: float
    warn_hours: float


@dataclass(frozen=True)
class CaseTypeRow:
    id: int
    code: str
    name: str
    name_en: str
    limits: list[Limit]  # in PRIORITIES order; a priority without a row is missing


@dataclass(frozen=True)
class CategoryNode:
    id: int
    code: str
    name: str
    name_en: str
    parent_id: int | None
    depth: int


def _order(code: str) -> tuple[int, str]:
    keys = list(CASE_TYPES)
    return (keys.index(code) if code in keys else len(keys), code)


def limits() -> list[Limit]:
    rows = db.session.execute(
        select(CaseType.code, TimeLimit).join(TimeLimit, TimeLimit.case_type_id == CaseType.id)
    ).all()
    out = [
        Limit(
            case_type=code,
            priority=t.priority,
            sign_hours=t.sign_hours,
            handle_days=t.handle_days,
            revisit_days=t.revisit_days,
            decision_hours=t.decision_hours,
            warn_hours=t.warn_hours,
        )
        for code, t in rows
    ]
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    return sorted(out, key=lambda x: (_order(x.case_type), rank.get(x.priority, len(rank))))


def case_types() -> list[CaseTypeRow]:
    """Every case type in the registry's order (app/models/catalog.py), with its limits."""
    by_type: dict[str, list[Limit]] = {}
    for limit in limits():
        by_type.setdefault(limit.case_type, []).append(limit)
    types = sorted(db.session.scalars(select(CaseType)), key=lambda t: _order(t.code))
    return [CaseTypeRow(t.id, t.code, t.name, t.name_en, by_type.get(t.code, [])) for t in types]


def categories() -> list[CategoryNode]:
    """The category tree in tree order (a parent before its children, siblings by code)."""
    rows = list(db.session.scalars(select(Category).order_by(Category.code)))
    children: dict[int | None, list[Category]] = {}
    known = {c.id for c in rows}
    for c in rows:
        children.setdefault(c.parent_id if c.parent_id in known else None, []).append(c)
    out: list[CategoryNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            out.append(CategoryNode(c.id, c.code, c.name, c.name_en, c.parent_id, depth))
            walk(c.id, depth + 1)

    walk(None, 0)
    return out
