"""Helpers for the work-list page tests (inbox, dispatch, revisit): clients signed in as a
given user, cases walked to where a list shows them, and what a page's rows say."""

from __future__ import annotations

import re
from datetime import datetime

from app.clock import clock
from tests.conftest import PASSWORD
from tests.pages.conftest import csrf_of

# A Monday with no holiday near it (the demo calendar of 2026).
MONDAY = datetime(2026, 12, 7, 9, 0)


def signed_in(app, username: str):
    """A test client of its own, signed in as `username` through the login form."""
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(html)}
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client


def task_of(api, case_id: int, as_user: str = "dispatcher", name: str | None = None) -> str:
    tasks = api.get(case_id, as_user)["open_tasks"]
    if name is not None:
        tasks = [t for t in tasks if t["task_name"] == name]
    return tasks[0]["task_id"]


def sent_to(api, dept, code: str = "east_urban", **fields) -> dict:
    """A new case transferred by the city centre to department `code` (waiting there to be
    signed for)."""
    case = api.create(**fields)
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(code))
    return case


def signed(api, dept, code: str = "east_urban", handler: str = "east_urban_handler", **fields):
    case = sent_to(api, dept, code, **fields)
    api.act(case["id"], "sign", handler)
    return case


def replied(api, dept, code: str = "east_urban", handler: str = "east_urban_handler", **fields):
    case = signed(api, dept, code, handler, **fields)
    api.act(case["id"], "reply", handler, text="路灯已修复", result_code="resolved")
    return case


def rows(html: str) -> list[str]:
    """The case ids of a list's rows, in order."""
    return re.findall(r'<tr data-case="(\d+)"', html)


def count(html: str, tab: str) -> str:
    match = re.search(rf'data-testid="count-{tab}">([^<]*)<', html)
    assert match, f"no count for {tab}"
    return match.group(1)


def standings(html: str) -> dict[str, str]:
    """Case id -> the standing of its row's countdown."""
    out = {}
    for case_id, row in re.findall(r'<tr data-case="(\d+)"(.*?)</tr>', html, re.S):
        found = re.search(r'data-standing="(\w+)"', row)
        if found:
            out[case_id] = found.group(1)
    return out


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    """Freeze the clock at that time of the test week (Monday 7 December 2026 by default)."""
    moment = MONDAY.replace(day=day, hour=hour, minute=minute)
    clock.freeze(moment)
    return moment
