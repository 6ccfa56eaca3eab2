"""Reference data every installation needs: roles, case types, limits, holidays."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.deadlines import service as deadlines
from app.extensions import db
from app.models import CaseType, Category, Holiday, Role, TimeLimit
from app.models.catalog import CASE_TYPES, HOLIDAY, MAKEUP_WORKDAY, PRIORITIES
from app.models.org import ROLES

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

# A demo calendar of official holidays and make-up working days (调休). A city loads the
# State Council's notice for each year; these dates follow its usual pattern.
HOLIDAYS_2026 = {
    "元旦 New Year": (("2026-01-01", "2026-01-03"), ["2026-01-04"]),
    "春节 Spring Festival": (("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
    "清明节 Qingming": (("2026-04-04", "2026-04-06"), []),
    "劳动节 Labour Day": (("2026-05-01", "2026-05-05"), ["2026-05-09"]),
    "端午节 Dragon Boat": (("2026-06-19", "2026-06-21"), []),
    "中秋节 Mid-Autumn": (("2026-09-25", "2026-09-27"), []),
    "国庆节 National Day": (("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
}
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
    db.session.commit()
    deadlines.invalidate()


def seed_holidays(year: int) -> None:
    if year == 2026:
        table = HOLIDAYS_2026
    else:  # fixed-date holidays only, for years without a loaded notice
        table = {
            "元旦 New Year": ((f"{year}-01-01", f"{year}-01-01"), []),
            "劳动节 Labour Day": ((f"{year}-05-01", f"{year}-05-03"), []),
            "国庆节 National Day": ((f"{year}-10-01", f"{year}-10-07"), []),
        }
    for name, ((first, last), makeup) in table.items():
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            _get_or_add(Holiday, {"day": day}, kind=HOLIDAY, name=name)
            day += timedelta(days=1)
        for d in makeup:
            _get_or_add(Holiday, {"day": date.fromisoformat(d)}, kind=MAKEUP_WORKDAY, name=name)
