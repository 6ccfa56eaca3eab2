"""Administration pages (/admin, administrators only): departments, users and roles, case
types and their limits, categories, the holiday calendar, the settings in effect, the audit
log, internal announcements and the deliveries that did not go out. Views read their form,
call the services (which check, write, audit and commit) and render; a refusal comes back on
the form's field that it names, and nothing is saved."""

from __future__ import annotations

from app.pages.admin import audit_log, catalog, departments, holidays, messages, settings, users
from app.pages.admin.common import bp

__all__ = [
    "audit_log",
    "bp",
    "catalog",
    "departments",
    "holidays",
    "messages",
    "settings",
    "users",
]
