"""The department tree as pickers and the API show it: each department with its depth, its
district (the district centre above it) and its name's pinyin initials, so that a dispatcher
finds 东区城管局 by typing "dqcgj" as well as by any part of its name."""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select

from app.extensions import db
from app.models import Department
from app.models.org import DISTRICT


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent_id: int | None
    depth: int  # 0 for the city centre
    district: str  # the name of the district centre above it ("" at the city level)
    initials: str  # pinyin initials of the name, lower case: 东区城管局 -> dqcgj
    active: bool


def initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


def tree(include_inactive: bool = False) -> list[DepartmentNode]:
    """Every department in tree order (a parent before its children, siblings by name)."""
    query = select(Department).order_by(Department.path)
    if not include_inactive:
        query = query.where(Department.active.is_(True))
    rows = list(db.session.scalars(query))
    by_id = {d.id: d for d in rows}
    districts = {d.id: d.name for d in rows if d.kind == DISTRICT}

    def district_of(dept: Department) -> str:
        for part in dept.path.strip("/").split("/"):
            if part and int(part) in districts:
                return districts[int(part)]
        return ""

    def sort_key(dept: Department) -> list[str]:
        # The path's ids in tree order, siblings by name: the names along the path.
        ids = [int(p) for p in dept.path.strip("/").split("/") if p]
        return [by_id[i].name if i in by_id else "" for i in ids]

    return [
        DepartmentNode(
            id=d.id,
            code=d.code,
            name=d.name,
            name_en=d.name_en,
            kind=d.kind,
            parent_id=d.parent_id,
            depth=max(0, d.path.strip("/").count("/")),
            district=district_of(d),
            initials=initials(d.name),
            active=d.active,
        )
        for d in sorted(rows, key=sort_key)
    ]
