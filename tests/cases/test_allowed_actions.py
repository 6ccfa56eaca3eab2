"""What a case's detail offers is what the server does: `allowed_actions` lists an action for a
user exactly when the server would take it from that user now.

For each state of a case, every user of a representative set and every action of the case's
open tasks is tried through the API: an offered action, with valid data, succeeds (on a fresh
case built to the same state); an action not offered is refused, and the refusal is not about
the data. The limits (returns, extensions, the handling deadline, an organisation with nobody
to send the case to) are driven to the edge: the action disappears from the offer exactly when
the server starts refusing it.

The clock is frozen at Monday 2 March 2026, 10:00; a "help" case is due 5 working days after
signing (Monday 9 March 10:00).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.clock import clock
from app.extensions import db
from app.forms.registry import load_forms
from app.models import CaseEvent, Department

MON = datetime(2026, 3, 2, 10, 0)
DUE = datetime(2026, 3, 9, 10, 0)
USERS = (
    "agent",
    "dispatcher",
    "revisit",
    "oversight",
    "east_dispatcher",
    "urban_handler",
    "housing_handler",
    "east_urban_handler",
)
# Where each dispatcher sends a case: a department under its own centre.
TRANSFER_TARGET = {"dispatcher": "urban", "east_dispatcher": "east_urban"}


class Probe:
    """Builds cases to a state and compares what is offered with what the server does."""

    def __init__(self, app, api, dept):
        self.app, self.api, self.dept = app, api, dept
        self.client, self.auth = api.client, api.auth

    def data(self, action: str, user: str) -> dict:
        co = "transport" if user == "housing_handler" else "housing"
        return {
            "transfer": {"target_department_id": self.dept(TRANSFER_TARGET.get(user, "urban"))},
            "recall": {"reason": "派错单位"},
            "reply": {"text": "已处理完毕", "result_code": "resolved"},
            "co_reply": {"text": "已配合处理"},
            "return_request": {"reason_code": "not_our_remit"},
            "extension_request": {"days": 2, "reason": "需协调施工队"},
            "joint_request": {"co_department_ids": [self.dept(co)], "reason": "涉及多个部门"},
            "revisit": {"result": "satisfied"},
        }.get(action, {})

    def post(self, case_id: int, action: str, user: str, data: dict):
        resp = self.client.post(
            f"/api/v1/cases/{case_id}/{action.replace('_', '-')}",
            json={"data": data},
            headers=self.auth(user),
        )
        return resp.status_code, resp.get_json()

    def offered(self, case_id: int, user: str) -> dict[str, dict]:
        """{action: offer} for the user (nothing when the case is not theirs to see)."""
        resp = self.client.get(f"/api/v1/cases/{case_id}", headers=self.auth(user))
        if resp.status_code == 404:
            return {}
        assert resp.status_code == 200, resp.get_json()
        return {a["action"]: a for a in resp.get_json()["allowed_actions"]}

    def open_actions(self, case_id: int) -> set[str]:
        forms = load_forms(self.app.config["FORMS_DIR"])
        body = self.api.get(case_id, "oversight")
        return {s.name for t in body["open_tasks"] for s in forms.for_task(t["task_name"])}

    def check(self, build: Callable[[], int], users=USERS) -> dict[str, set[str]]:
        """Offered <=> accepted, for every user and every action of the open tasks. Returns
        {user: offered actions} and, in `self.refusals`, {(user, action): refusal code}."""
        case_id = build()
        events = _count_events(case_id)
        actions = self.open_actions(case_id)
        seen: dict[str, set[str]] = {}
        self.refusals: dict[tuple[str, str], str] = {}
        for user in users:
            offers = self.offered(case_id, user)
            seen[user] = set(offers)
            assert set(offers) <= actions
            for action in sorted(actions):
                data = self.data(action, user)
                if action in offers:
                    status, body = self.post(build(), action, user, data)
                    assert status == 200, (user, action, body)
                else:
                    status, body = self.post(case_id, action, user, data)
                    assert status in (403, 404, 409, 422), (user, action, status, body)
                    assert body["code"] != "invalid_form_data", (user, action, body)
                    self.refusals[(user, action)] = body["code"]
        assert _count_events(case_id) == events  # the refusals changed nothing
        return seen


def _count_events(case_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))


@pytest.fixture
def probe(app, api, dept):
    return Probe(app, api, dept)


@pytest.fixture
def steps(api, dept):
    """Builders of cases in each state of the flow, from Monday 10:00."""

    def act(case_id, action, user, **data):
        api.act(case_id, action, user, **data)
        return case_id

    def new():
        clock.freeze(MON)
        return api.create()["id"]

    def transferred(to="urban", co=()):
        data = {"target_department_id": dept(to)}
        if co:
            data["co_department_ids"] = [dept(c) for c in co]
        return act(new(), "transfer", "dispatcher", **data)

    def handling():
        return act(transferred(), "sign", "urban_handler")

    def at_district():
        return act(transferred("east"), "sign", "east_dispatcher")

    return {
        "new": new,
        "transferred": transferred,
        "handling": handling,
        "at_district": at_district,
        "act": act,
    }


# -- the flow, state by state -----------------------------------------------------------------


def test_every_state_of_the_flow_offers_what_the_server_takes(probe, steps, dept):
    act = steps["act"]
    states = {
        "new": steps["new"],
        "transferred": steps["transferred"],
        "at district": steps["at_district"],
        "district sent": lambda: act(
            steps["at_district"](),
            "transfer",
            "east_dispatcher",
            target_department_id=dept("east_urban"),
        ),
        "handling": steps["handling"],
        "return asked": lambda: act(
            steps["handling"](), "return_request", "urban_handler", reason_code="duplicate"
        ),
        "extension asked": lambda: act(
            steps["handling"](), "extension_request", "urban_handler", days=2, reason="需协调"
        ),
        "joint asked": lambda: act(
            steps["handling"](),
            "joint_request",
            "urban_handler",
            co_department_ids=[dept("housing")],
            reason="涉及小区",
        ),
        "joint round": lambda: act(
            steps["transferred"]("urban", co=("housing", "transport")), "sign", "urban_handler"
        ),
        "replied": lambda: act(
            steps["handling"](), "reply", "urban_handler", text="已修复", result_code="resolved"
        ),
    }
    expected = {
        "new": {"dispatcher": {"transfer"}},
        "transferred": {"urban_handler": {"sign"}, "dispatcher": {"recall"}},
        "at district": {"east_dispatcher": {"transfer"}},
        "district sent": {"east_urban_handler": {"sign"}, "east_dispatcher": {"recall"}},
        "handling": {
            "urban_handler": {"reply", "return_request", "extension_request", "joint_request"}
        },
        "return asked": {"dispatcher": {"approve_return", "reject_return"}},
        "extension asked": {"dispatcher": {"approve_extension", "deny_extension"}},
        "joint asked": {"dispatcher": {"approve_joint", "reject_joint"}},
        "joint round": {"housing_handler": {"co_reply"}},
        "replied": {"revisit": {"revisit"}},
    }
    for name, build in states.items():
        seen = probe.check(build)
        assert {u: a for u, a in seen.items() if a} == expected[name], name


# -- limits -------------------------------------------------------------------------------------


def test_return_disappears_when_the_return_limit_is_reached(app, probe, steps, dept):
    app.config["MAX_RETURNS_PER_CASE"] = 1
    act = steps["act"]

    def returned_once():
        case_id = act(
            steps["handling"](),
            "return_request",
            "urban_handler",
            reason_code="other",
            reason_text="非本单位",
        )
        act(case_id, "approve_return", "dispatcher")
        act(case_id, "transfer", "dispatcher", target_department_id=dept("housing"))
        return act(case_id, "sign", "housing_handler")

    users = ("housing_handler", "urban_handler", "dispatcher")
    # Below the limit: offered, and taken.
    assert "return_request" in probe.check(steps["handling"], users)["urban_handler"]
    # At the limit: gone, and refused for that reason.
    seen = probe.check(returned_once, users)
    assert seen["housing_handler"] == {"reply", "extension_request", "joint_request"}
    assert probe.refusals[("housing_handler", "return_request")] == "return_limit_reached"

    app.config["MAX_RETURNS_PER_CASE"] = 2  # the setting is read live
    seen = probe.check(returned_once, users)
    assert "return_request" in seen["housing_handler"]


def test_extension_disappears_once_the_extensions_are_used(probe, steps):
    act = steps["act"]

    def decided(decision):
        def build():
            case_id = act(
                steps["handling"](), "extension_request", "urban_handler", days=1, reason="需协调"
            )
            return act(case_id, decision, "dispatcher")

        return build

    users = ("urban_handler", "dispatcher")
    # A denied extension does not count.
    assert "extension_request" in probe.check(decided("deny_extension"), users)["urban_handler"]
    seen = probe.check(decided("approve_extension"), users)
    assert seen["urban_handler"] == {"reply", "return_request", "joint_request"}
    assert probe.refusals[("urban_handler", "extension_request")] == "extension_limit_reached"


def test_extension_disappears_at_the_handling_deadline(probe, steps):
    def at(instant):
        def build():
            case_id = steps["handling"]()
            clock.freeze(instant)
            return case_id

        return build

    users = ("urban_handler",)
    just_before = probe.check(at(DUE - timedelta(microseconds=1)), users)
    assert "extension_request" in just_before["urban_handler"]
    seen = probe.check(at(DUE), users)
    assert seen["urban_handler"] == {"reply", "return_request", "joint_request"}
    assert probe.refusals[("urban_handler", "extension_request")] == "extension_too_late"


def test_offered_extension_schema_carries_the_configured_cap(app, probe, steps):
    app.config["MAX_EXTENSION_DAYS"] = 5
    case_id = steps["handling"]()
    offer = probe.offered(case_id, "urban_handler")["extension_request"]
    assert offer["schema"]["properties"]["days"]["maximum"] == 5
    assert offer["schema"]["properties"]["days"]["minimum"] == 1
    status, body = probe.post(
        case_id, "extension_request", "urban_handler", {"days": 6, "reason": "需协调"}
    )
    assert (status, body["code"]) == (422, "invalid_form_data")
    assert [e["field"] for e in body["details"]["errors"]] == ["days"]
    status, body = probe.post(
        case_id, "extension_request", "urban_handler", {"days": 5, "reason": "需协调"}
    )
    assert status == 200, body


@pytest.fixture
def deactivated():
    """deactivated(where) switches departments off for the test, and back on after it."""
    switched: list[int] = []

    def off(*conditions) -> None:
        ids = db.session.scalars(select(Department.id).where(Department.active, *conditions))
        switched.extend(ids)
        db.session.execute(
            update(Department).where(Department.id.in_(switched)).values(active=False)
        )
        db.session.commit()

    yield off
    db.session.rollback()
    db.session.execute(update(Department).where(Department.id.in_(switched)).values(active=True))
    db.session.commit()


def test_transfer_disappears_for_a_centre_with_nobody_below_it(probe, steps, dept, deactivated):
    east_path = db.session.get(Department, dept("east")).path
    deactivated(Department.path.startswith(east_path), Department.id != dept("east"))
    seen = probe.check(steps["at_district"], ("east_dispatcher", "dispatcher"))
    assert seen == {"east_dispatcher": set(), "dispatcher": set()}
    assert probe.refusals[("east_dispatcher", "transfer")] == "no_subordinate"


def test_joint_request_disappears_when_there_is_no_other_department(
    probe, steps, dept, deactivated
):
    deactivated(Department.kind == "department", Department.id != dept("urban"))
    seen = probe.check(steps["handling"], ("urban_handler",))
    assert seen["urban_handler"] == {"reply", "return_request", "extension_request"}
    assert probe.refusals[("urban_handler", "joint_request")] == "no_co_department"
