"""Administration pages (/admin, administrators only): departments, users and roles, case
types and their limits, categories, the holiday calendar, the settings in effect and the
audit log. Views read their form, call app/admin's services (which check, write, audit and
commit) and render; a refusal comes back on the form's field that it names, and nothing is
saved."""

from __future__ import annotations

from app.pages.admin import audit_log, catalog, departments, holidays, settings, users
from app.pages.admin.common import bp

__all__ = ["audit_log", "bp", "catalog", "departments", "holidays", "settings", "users"]
