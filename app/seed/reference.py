"""Reference data every installation needs: roles, case types, limits, holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.deadlines import service as deadlines
from app.extensions import db
from app.models import CaseType, Category, Holiday, Role, TimeLimit
from app.models.catalog import CASE_TYPES, HOLIDAY, PRIORITIES
from app.models.org import ROLES
from app.reference import holidays_csv

# Working days allowed to handle a case, per type, at normal priority.
HANDLE_DAYS = {
    "enquiry": 3,
    "help": 5,
    "complaint": 10,
    "report": 15,
    "suggestion": 15,
    "praise": 3,
}
SIGN_HOURS = {"normal": 4, "urgent": 2, "critical": 1}

# Each year's official holidays and make-up working days (调休), as the State Council's notice
# lists them: one CSV per year, the same format an administrator imports (README.md there).
HOLIDAYS_DIR = Path(__file__).resolve().parent / "holidays"
CATEGORIES = {
    "urban": ("城市管理", "Urban management"),
    "traffic": ("交通出行", "Transport"),
    "environment": ("生态环境", "Environment"),
    "market": ("市场监管", "Market supervision"),
    "labour": ("劳动保障", "Labour and social security"),
    "housing": ("住房建设", "Housing and construction"),
    "health": ("医疗卫生", "Health"),
    "education": ("教育", "Education"),
}


def _get_or_add(model, key: dict, **values):
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
    return row


def seed_reference(year: int) -> None:
    for code, (zh, en) in ROLES.items():
        _get_or_add(Role, {"code": code}, name=zh, name_en=en)
    for code, (zh, en) in CASE_TYPES.items():
        _get_or_add(CaseType, {"code": code}, name=zh, name_en=en)
    for code, (zh, en) in CATEGORIES.items():
        _get_or_add(Category, {"code": code}, name=zh, name_en=en)
    db.session.flush()
    for case_type in db.session.scalars(select(CaseType)):
        days = HANDLE_DAYS.get(case_type.code, 5)
        for priority in PRIORITIES:
            factor = {"normal": 1, "urgent": 0.5, "critical": 0.2}[priority]
            _get_or_add(
                TimeLimit,
                {"case_type_id": case_type.id, "priority": priority},
                sign_hours=SIGN_HOURS[priority],
                handle_days=max(1, round(days * factor)),
                revisit_days=3,
                decision_hours=8,
                warn_hours=4,
            )
    seed_holidays(year)
    deadlines.changed()
    db.session.commit()


def seed_holidays(year: int) -> None:
    """The year's CSV when the repository has one; else the fixed-date holidays only. A year
    that has days already (seeded before, or edited by an administrator) is left as it is."""
    first = db.session.scalar(
        select(Holiday.day).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
    )
    if first is not None:
        return
    path = HOLIDAYS_DIR / f"{year}.csv"
    if path.exists():
        days = holidays_csv.parse(holidays_csv.decode(path.read_bytes()), year)
    else:
        days = [
            holidays_csv.Day(date(year, 1, 1), HOLIDAY, "元旦"),
            *(holidays_csv.Day(date(year, 5, d), HOLIDAY, "劳动节") for d in range(1, 4)),
            *(holidays_csv.Day(date(year, 10, d), HOLIDAY, "国庆节") for d in range(1, 8)),
        ]
    db.session.add_all(Holiday(day=d.day, kind=d.kind, name=d.name) for d in days)
