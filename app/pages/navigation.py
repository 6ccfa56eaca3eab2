"""The pages' menu: which page each role finds in the top bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import policy
from app.models import User
from app.pages.telephony import agents as telephony_agents
from app.reference import departments


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translation
    roles: frozenset[str]  # who sees it; empty: everyone signed in
    # A finer check of app/auth/policy.py, when the roles alone do not say (None: none).
    allowed: Callable[[User], bool] | None = None


# Pages add their entry here when they arrive (in the order of the bar).
MENU: list[NavItem] = [
    NavItem("pages_home.home", _l("Home"), frozenset()),
    NavItem("pages_query.query", _l("Combined query"), frozenset()),
    NavItem("pages_inbox.inbox", _l("Inbox"), frozenset({"handler", "dispatcher"})),
    NavItem("pages_dispatch.dispatch", _l("Dispatch"), frozenset({"dispatcher"})),
    NavItem("pages_revisit.revisit", _l("Revisit"), frozenset({"revisit"})),
    NavItem("pages_intake.form", _l("Intake"), frozenset({"agent", "dispatcher"})),
    NavItem("pages_oversight.oversight", _l("Oversight"), frozenset({"oversight"})),
    NavItem(
        "pages_reports.index",
        _l("Reports"),
        frozenset({"agent", "dispatcher", "revisit", "handler", "oversight", "leader", "admin"}),
    ),
    NavItem(
        "pages_wallboard.wallboard",
        _l("Wallboard"),
        frozenset({"oversight", "admin", "dispatcher", "agent"}),
        policy.may_view_wallboard,
    ),
    NavItem(
        "pages_agents.desk",
        _l("Agent desk"),
        frozenset({"agent", "revisit", "dispatcher", "oversight", "admin"}),
        telephony_agents.may_open,
    ),
    NavItem("pages_processes.processes", _l("Processes"), frozenset({"designer", "admin"})),
    NavItem("pages_admin.departments", _l("Administration"), frozenset({"admin"})),
    NavItem("pages_ivr.editor", _l("Telephony"), frozenset({"admin"}), policy.may_manage_telephony),
    NavItem("pages_api_docs.docs", _l("API docs"), frozenset({"designer", "admin"})),
]


def nav_items() -> list[NavItem]:
    roles = current_user.role_codes if current_user.is_authenticated else frozenset()
    return [
        item
        for item in MENU
        if (not item.roles or item.roles & roles)
        and (item.allowed is None or item.allowed(current_user))
        and item.endpoint in current_app.view_functions
    ]


def init_navigation(app: Flask) -> None:
    @app.context_processor
    def _menu() -> dict:
        return {
            "nav_items": nav_items,
            "current_locale": lambda: str(get_locale()),
            "department_tree": departments.tree,
        }
