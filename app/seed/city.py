"""A city ready for cases: reference data, organisation, logins and the deployed process."""

from __future__ import annotations

from app.processes import service as processes
from app.seed.org import Login, seed_org, seed_users
from app.seed.reference import seed_reference


def seed_city(year: int, password: str, by: str, *, reset_passwords: bool = True):
    """Idempotent. Returns (departments by code, logins, deployed process version).
    `reset_passwords`: existing logins get `password` too (new ones always do)."""
    seed_reference(year)
    departments = seed_org()
    logins: list[Login] = seed_users(departments, password, reset_existing=reset_passwords)
    version, _created = processes.deploy(processes.read_files(), by=by)
    return departments, logins, version
