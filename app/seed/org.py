"""The demo city's organisation: a city centre, district centres, departments and users."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.auth import passwords
from app.extensions import db
from app.models import Department, LeaderScope, Role, User
from app.models.org import CITY, DEPARTMENT, DISTRICT

NO_PASSWORD = "!"  # a hash no password matches: check_password_hash refuses it

CITY_DEPARTMENTS = [
    ("housing", "市住建局", "City Housing Bureau"),
    ("transport", "市交通运输局", "City Transport Bureau"),
    ("ecology", "市生态环境局", "City Ecology Bureau"),
    ("market", "市市场监管局", "City Market Supervision"),
    ("hrss", "市人社局", "City Human Resources Bureau"),
    ("health", "市卫健委", "City Health Commission"),
    ("education", "市教育局", "City Education Bureau"),
    ("police", "市公安局", "City Public Security Bureau"),
    ("urban", "市城管局", "City Urban Management Bureau"),
    ("water", "市水务局", "City Water Bureau"),
    ("civil", "市民政局", "City Civil Affairs Bureau"),
]
DISTRICTS = [
    ("east", "东城区", "East District"),
    ("west", "西城区", "West District"),
    ("lake", "南湖区", "Lake District"),
]
DISTRICT_DEPARTMENTS = [
    ("street", "街道办事处", "Street Office"),
    ("urban", "城管局", "Urban Management"),
    ("housing", "住建局", "Housing Bureau"),
    ("market", "市场监管局", "Market Supervision"),
    ("ecology", "环保分局", "Ecology Branch"),
]


@dataclass
class Login:
    username: str
    role: str
    department: str


def _department(code: str, name: str, name_en: str, kind: str, parent: Department | None):
    dept = db.session.scalar(select(Department).filter_by(code=code))
    if dept is None:
        dept = Department(code=code, name=name, name_en=name_en, kind=kind, parent=parent)
        db.session.add(dept)
        db.session.flush()
        dept.path = (parent.path if parent else "/") + f"{dept.id}/"
    return dept


def seed_org() -> dict[str, Department]:
    depts: dict[str, Department] = {}
    city = depts["city"] = _department("city", "市12345热线中心", "City 12345 Centre", CITY, None)
    for code, zh, en in CITY_DEPARTMENTS:
        depts[code] = _department(code, zh, en, DEPARTMENT, city)
    for dcode, dzh, den in DISTRICTS:
        centre = depts[dcode] = _department(
            dcode, f"{dzh}12345分中心", f"{den} Centre", DISTRICT, city
        )
        for code, zh, en in DISTRICT_DEPARTMENTS:
            full = f"{dcode}_{code}"
            depts[full] = _department(full, f"{dzh}{zh}", f"{den} {en}", DEPARTMENT, centre)
    db.session.commit()
    return depts


def add_user(username: str, dept: Department, roles: list[str], display: str = "") -> User:
    """The user, created without a usable password when missing (the caller sets one)."""
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        role_rows = list(db.session.scalars(select(Role).where(Role.code.in_(roles))))
        user = User(
            username=username,
            password_hash=NO_PASSWORD,
            display_name=display or username,
            department=dept,
            roles=role_rows,
        )
        db.session.add(user)
    return user


def seed_users(
    depts: dict[str, Department], password: str, *, reset_existing: bool = True
) -> list[Login]:
    """A login per role at the city centre, a dispatcher per district, a handler per department.

    New logins get `password`; those already there too when `reset_existing` (`flask seed demo
    --password X` on an existing database changes the demo passwords to X). Without it they
    keep theirs, and a plain rerun spends no time hashing (scrypt: ~0.1 s a login).
    """
    users: list[User] = []
    logins: list[Login] = []
    city = depts["city"]
    for role in ("agent", "dispatcher", "revisit", "oversight", "leader", "designer", "admin"):
        users.append(add_user(role, city, [role], display=f"{role} @ {city.name}"))
        logins.append(Login(role, role, city.name))
    for dcode, _zh, _en in DISTRICTS:
        name = f"{dcode}_dispatcher"
        users.append(add_user(name, depts[dcode], ["dispatcher"]))
        logins.append(Login(name, "dispatcher", depts[dcode].name))
    for code, dept in depts.items():
        if dept.kind == DEPARTMENT:
            name = f"{code}_handler"
            users.append(add_user(name, dept, ["handler"]))
            logins.append(Login(name, "handler", dept.name))
    passwords.set_passwords(
        [u for u in users if reset_existing or u.password_hash == NO_PASSWORD], password
    )
    db.session.flush()
    leader = db.session.scalars(select(User).filter_by(username="leader")).unique().one()
    if db.session.get(LeaderScope, (leader.id, depts["east"].id)) is None:
        db.session.add(LeaderScope(user_id=leader.id, department_id=depts["east"].id))
        db.session.add(LeaderScope(user_id=leader.id, department_id=depts["housing"].id))
    db.session.commit()
    return logins
