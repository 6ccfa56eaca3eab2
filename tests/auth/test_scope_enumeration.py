"""Scopes have no holes: for every route of the OpenAPI document and every kind of user, nothing
outside the user's scope comes back, by id, by number, in a list, an inbox, a total or the
answer to an action.

The cases are made through the API and spread over the city: at the city centre, at district
centres and their departments, at city bureaus, in joint handling, returned, recalled, replied
and closed. What each user may see is written here from where the cases were sent (the
departments each case reached), not read from app/auth/policy.py:

    a department          the cases sent to it
    a district centre     the cases sent into its district (the centre or its departments)
    a leader              the cases sent into the departments they oversee
    city-centre staff, oversight
                          every case
    a process designer    none

Every operation of /api/v1/openapi.json is called as each kind of user through the call recipe
for it in ROUTES below; an operation without a recipe fails the test, so that a new route is
never left out.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from app.auth import passwords, policy
from app.clock import clock
from app.extensions import db
from app.forms.registry import load_forms
from app.models import Department, Role, User, user_roles
from app.models.case import STATUSES
from tests.attachments.conftest import JPEG
from tests.conftest import PASSWORD, _tokens, snapshot
from tests.helpers import INTAKE

MON = datetime(2026, 3, 2, 10, 0)
EAST = {"east", "east_street", "east_urban", "east_housing", "east_market", "east_ecology"}
EVERYTHING = None  # a scope of every case


@dataclass
class Kind:
    """A kind of user: a login and the departments whose cases it may see (None: all)."""

    username: str
    sees: set[str] | None
    accepts: bool = False  # may register cases (intake)


KINDS = {
    "department": Kind("east_urban_handler", {"east_urban"}),
    "city bureau": Kind("housing_handler", {"housing"}),
    "district centre": Kind("east_dispatcher", EAST, accepts=True),
    "leader": Kind("leader", EAST | {"housing"}),
    "leader overseeing nothing": Kind("idle_leader", set()),
    "oversight": Kind("oversight", EVERYTHING),
    "agent": Kind("agent", EVERYTHING, accepts=True),
    "revisit": Kind("revisit", EVERYTHING),
    "designer": Kind("designer", set()),
}


@dataclass
class Made:
    """A case of the population, with what would give it away in an answer."""

    label: str
    reached: set[str]
    id: int = 0
    number: str = ""
    key: str = ""
    body: dict = field(default_factory=dict)  # the intake
    tasks: set[str] = field(default_factory=set)  # names of its open tasks, once made
    at: int | None = None  # its current department, once made
    attachments: list[int] = field(default_factory=list)  # ids of its attached files

    @property
    def marks(self) -> list[str]:
        """Strings that appear in an answer only if the case is in it."""
        return [self.number, self.body["citizen_phone"], self.body["citizen_name"]]


REGISTRAR = "agent"  # who registers the population's cases (Api.create's default)


class Population:
    """Makes the cases through the API as the hotline's people would."""

    def __init__(self, api, dept):
        self.api, self.dept = api, dept
        self.cases: list[Made] = []

    def new(self, label: str, reached: set[str], **fields) -> int:
        n = len(self.cases) + 1
        clock.advance(minutes=1)  # distinct intake times: the lists' order is the intake order
        made = Made(label, reached | {"city"}, key=f"scope-enum-{n}")
        made.body = {
            **INTAKE,
            "citizen_name": f"市民{n:02d}号",
            "citizen_phone": f"1390000{n:04d}",
            "content": f"事项{n:02d}：{label}",
            "case_type": ("help", "complaint", "enquiry")[n % 3],
            "channel": ("phone", "web")[n % 2],
            **fields,
        }
        created = self.api.create(headers={"Idempotency-Key": made.key}, **made.body)
        made.id, made.number = created["id"], created["number"]
        self.cases.append(made)
        return made.id

    def act(self, case_id: int, action: str, by: str, **data) -> None:
        """Departments are named by code in `data`."""
        if "target_department_id" in data:
            data["target_department_id"] = self.dept(data["target_department_id"])
        if "co_department_ids" in data:
            data["co_department_ids"] = [self.dept(c) for c in data["co_department_ids"]]
        self.api.act(case_id, action, by, **data)

    def to(self, case_id: int, target: str, by: str = "dispatcher", **data) -> None:
        self.act(case_id, "transfer", by, target_department_id=target, **data)

    def handling(self, case_id: int, target: str, by: str = "dispatcher") -> None:
        self.to(case_id, target, by)
        self.act(case_id, "sign", f"{target}_handler")

    def reply(self, case_id: int, dept: str) -> None:
        self.act(case_id, "reply", f"{dept}_handler", text="已处理", result_code="resolved")

    def attach(self, case_id: int, by: str) -> None:
        resp = self.api.client.post(
            f"/api/v1/cases/{case_id}/attachments",
            data={"files": [(io.BytesIO(JPEG), "现场照片.jpg")]},
            headers=self.api.auth(by),
            content_type="multipart/form-data",
        )
        assert resp.status_code == 201, resp.get_json()
        made = next(c for c in self.cases if c.id == case_id)
        made.attachments += [a["id"] for a in resp.get_json()]


def make_population(api, dept) -> list[Made]:
    clock.freeze(MON)
    p = Population(api, dept)
    p.new("at the city centre", set())
    p.new("answered at intake", set(), answered=True, answer="已当场答复")
    c = p.new("sent to the east centre, not signed", {"east"})
    p.to(c, "east")
    c = p.new("forwarded by the east centre to its urban bureau", {"east", "east_urban"})
    p.to(c, "east")
    p.act(c, "sign", "east_dispatcher")
    p.handling(c, "east_urban", by="east_dispatcher")
    c = p.new("sent by the city straight to east urban, replied", {"east_urban"})
    p.handling(c, "east_urban")
    p.reply(c, "east_urban")
    c = p.new("forwarded by the west centre", {"west", "west_urban"})
    p.to(c, "west")
    p.act(c, "sign", "west_dispatcher")
    p.handling(c, "west_urban", by="west_dispatcher")
    c = p.new("handled by the city housing bureau", {"housing"})
    p.handling(c, "housing")
    c = p.new("returned by housing, now at transport", {"housing", "transport"})
    p.handling(c, "housing")
    p.act(c, "return_request", "housing_handler", reason_code="not_our_remit")
    p.act(c, "approve_return", "dispatcher")
    p.to(c, "transport")
    c = p.new("joint: urban leads, housing and transport help", {"urban", "housing", "transport"})
    p.to(c, "urban", co_department_ids=["housing", "transport"])
    p.act(c, "sign", "urban_handler")
    c = p.new("joint: urban leads, east street helps", {"urban", "east_street"})
    p.to(c, "urban", co_department_ids=["east_street"])
    p.act(c, "sign", "urban_handler")
    # The co-department has not been sent the case yet: the lead has not signed.
    c = p.new("joint: lake street named, lead not signed", {"urban"})
    p.to(c, "urban", co_department_ids=["lake_street"])
    c = p.new("sent to east market, recalled", {"east_market"})
    p.to(c, "east_market")
    p.act(c, "recall", "dispatcher", reason="派错单位")
    c = p.new("closed after the lake district", {"lake", "lake_street"})
    p.to(c, "lake")
    p.act(c, "sign", "lake_dispatcher")
    p.handling(c, "lake_street", by="lake_dispatcher")
    p.reply(c, "lake_street")
    p.act(c, "revisit", "revisit", result="satisfied")
    c = p.new("handled by the ecology bureau", {"ecology"})
    p.handling(c, "ecology")
    p.attach(c, "ecology_handler")
    c = p.new("handled by west urban, with a photo", {"west", "west_urban"})
    p.to(c, "west")
    p.act(c, "sign", "west_dispatcher")
    p.handling(c, "west_urban", by="west_dispatcher")
    p.attach(c, "west_urban_handler")
    for case in p.cases:
        detail = api.get(case.id, "oversight")
        case.tasks = {t["task_name"] for t in detail["open_tasks"]}
        case.at = detail["current_department_id"]
    # A day later: the cases still waiting to be signed for are overdue.
    clock.freeze(datetime(2026, 3, 3, 10, 0))
    return p.cases


# -- looking at answers ---------------------------------------------------------------------


def case_ids_in(value) -> set[int]:
    """Ids of the cases an answer shows (every case summary or detail carries its number)."""
    found: set[int] = set()
    if isinstance(value, dict):
        if "number" in value and "id" in value:
            found.add(value["id"])
        for v in value.values():
            found |= case_ids_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= case_ids_in(v)
    return found


@dataclass
class Check:
    """One kind of user against the population: calls and what must hold of the answers."""

    client: object
    headers: dict
    oversight: dict
    kind: Kind
    cases: list[Made]
    missing_id: int
    tasks_offering: dict[str, set[str]]  # action operation -> the tasks that offer the action
    # Answers that do not depend on who asks: lists as oversight, actions on a missing case.
    everywhere: dict = field(default_factory=dict)
    me: dict = field(default_factory=dict)  # the user, as the token answer describes them
    details: dict[int, dict] = field(default_factory=dict)  # in-scope details, by case id
    problems: list[str] = field(default_factory=list)

    def whole_city(self, query: dict, answer: list[int]) -> list[int]:
        """The ids a list query finds in the whole city: oversight's answer (asked once)."""
        key = json.dumps(query, sort_keys=True)
        if key not in self.everywhere:
            if self.headers == self.oversight:
                self.everywhere[key] = answer
            else:
                resp = self.client.get("/api/v1/cases", query_string=query, headers=self.oversight)
                assert resp.status_code == 200, (query, resp.get_json())
                self.everywhere[key] = [i["id"] for i in resp.get_json()["items"]]
        return self.everywhere[key]

    @property
    def missing(self) -> dict:
        """The answer about a case that does not exist (the same on every route)."""
        if not hasattr(self, "_missing"):
            self._missing = self.call("GET", f"/api/v1/cases/{self.missing_id}")[1]
        return self._missing

    def __post_init__(self):
        self.inside = [c for c in self.cases if self.sees(c)]
        self.outside = [c for c in self.cases if not self.sees(c)]
        self.inside_ids = {c.id for c in self.inside}

    def sees(self, case: Made) -> bool:
        return self.kind.sees is EVERYTHING or bool(case.reached & self.kind.sees)

    def call(self, method: str, url: str, headers: dict | None = None, **kwargs):
        headers = {**self.headers, **(headers or {})}
        resp = self.client.open(url, method=method, headers=headers, **kwargs)
        return resp, resp.get_json(silent=True)

    def fail(self, what: str, message: str) -> None:
        self.problems.append(f"{what}: {message}")

    def no_leak(self, what: str, resp, body) -> None:
        # The parsed answer written out again: names unescaped, whatever the JSON encoder did.
        text = resp.get_data(as_text=True) + json.dumps(body, ensure_ascii=False)
        for case in self.outside:
            leaked = [m for m in case.marks if m in text]
            if leaked:
                self.fail(what, f"shows {leaked} of the out-of-scope case '{case.label}'")
        shown = case_ids_in(body) - self.inside_ids
        if shown:
            labels = [c.label for c in self.cases if c.id in shown]
            self.fail(what, f"shows out-of-scope case(s) {labels or sorted(shown)}")

    def not_found_like_missing(self, what: str, resp, body, missing_body: dict) -> None:
        if resp.status_code != 404 or body != missing_body:
            self.fail(what, f"{resp.status_code} {body}; a missing case answers 404 {missing_body}")


# -- the call recipes, one per kind of operation ----------------------------------------------


def list_arguments(check: Check, dept_ids: dict[str, int]) -> list[dict]:
    # The filter is on where a case is now: every department holding one, and two holding none.
    at = sorted({c.at for c in check.cases} - {None} | {dept_ids["west_street"], dept_ids["civil"]})
    out: list[dict] = [
        {},
        {"sort": "created_at"},
        {"sort": "number"},
        {"sort": "-handle_due_at"},
        {"sort": "handle_due_at"},
        *({"status": s} for s in STATUSES),
        {"overdue": "true"},
        {"overdue": "false"},
        {"case_type": "complaint"},
        {"channel": "web"},
        {"channel": "phone", "status": "handling"},
        {"case_type": "help", "overdue": "false", "sort": "created_at"},
        {"created_from": "2026-03-02", "created_to": "2026-03-02"},
        {"created_from": "2026-03-03"},
        *({"department_id": d} for d in at),
        {"department_id": dept_ids["urban"], "status": "handling"},
        {"q": "2026"},  # the number prefix of every case
        {"q": "1390000"},  # a phone fragment of every case
        {"q": "事项"},  # a word of every case's content
        {"q": "市民"},  # a fragment of every citizen's name
        {"q": "1390000", "status": "handling", "sort": "number"},
    ]
    # A case searched for by what identifies it: one out of scope, one in scope.
    for case in check.outside[:1] + check.inside[:1]:
        out += [{"q": case.number}, {"q": case.body["citizen_phone"][-6:]}]
        out.append({"q": case.body["content"][:4]})
        out.append({"q": case.body["citizen_name"]})
    return out


def check_list(check: Check, operation: str, dept_ids: dict[str, int]) -> None:
    """Every list holds the in-scope cases the same filters find in the whole city, in the same
    order, and counts them alone; pages cut that list."""
    for args in list_arguments(check, dept_ids):
        query = {**args, "per_page": 200}
        what = f"{operation} {args}"
        resp, body = check.call("GET", "/api/v1/cases", query_string=query)
        if resp.status_code != 200:
            check.fail(what, f"{resp.status_code} {body}")
            continue
        check.no_leak(what, resp, body)
        got = [i["id"] for i in body["items"]]
        expected = [i for i in check.whole_city(query, got) if i in check.inside_ids]
        if got != expected or (body["total"], body["total_capped"]) != (len(expected), False):
            check.fail(what, f"{got} total {body['total']}; in scope: {expected}")
    for page in (1, 2, 3):
        query = {"per_page": 3, "page": page, "sort": "created_at"}
        what = f"{operation} {query}"
        resp, body = check.call("GET", "/api/v1/cases", query_string=query)
        check.no_leak(what, resp, body)
        in_order = sorted(check.inside, key=lambda c: c.id)
        want = [c.id for c in in_order[(page - 1) * 3 : page * 3]]
        if [i["id"] for i in body["items"]] != want or body["total"] != len(check.inside):
            check.fail(what, f"{body}; in scope: {want} of {len(check.inside)}")


def check_intake(check: Check, operation: str, _dept_ids) -> None:
    """A replayed intake names its case only to who registered it: an Idempotency-Key is its
    sender's own, so another user's key is a fresh key for this user."""
    # Refused on the role before the key is looked at: one try tells.
    for case in check.cases if check.kind.accepts else check.outside[:1] + check.inside[:1]:
        what = f"{operation} replaying '{case.label}'"
        mine = check.kind.username == REGISTRAR
        # Another user's key with an unknown category: were the key looked up across users,
        # the other's case would answer (200, or 409 for the changed body); as a fresh key the
        # intake goes on and stops at the category, changing nothing.
        body = case.body if mine else {**case.body, "category": "no-such-category"}
        resp, body = check.call(
            "POST", "/api/v1/cases", json=body, headers={"Idempotency-Key": case.key}
        )
        check.no_leak(what, resp, body)
        if not check.kind.accepts:
            if resp.status_code != 403:
                check.fail(what, f"{resp.status_code} {body}; this user may not register cases")
        elif mine:
            if resp.status_code != 200 or body.get("id") != case.id:
                check.fail(what, f"{resp.status_code} {body}; a replay answers with its case")
        elif resp.status_code != 422 or body.get("code") != "unknown_category":
            check.fail(what, f"{resp.status_code} {body}; another's key is a fresh key here")


def check_detail(check: Check, operation: str, _dept_ids) -> None:
    missing = check.missing
    by_number = check.call("GET", "/api/v1/cases/20991231-999999")[1]
    assert by_number == missing and missing["code"] == "case_not_found", (missing, by_number)
    for case in check.cases:
        for ref in (str(case.id), case.number):
            what = f"{operation} {ref} ('{case.label}')"
            resp, body = check.call("GET", f"/api/v1/cases/{ref}")
            if not check.sees(case):
                check.not_found_like_missing(what, resp, body, missing)
                continue
            if resp.status_code != 200 or body["id"] != case.id:
                check.fail(what, f"{resp.status_code} {body}; the case is in scope")
                continue
            check.no_leak(what, resp, body)
            check.details[case.id] = body


def check_action(check: Check, operation: str, _dept_ids) -> None:
    """An action on a case out of scope answers as on a case that does not exist: tried on
    every such case with a task that offers the action, and on one without."""
    path = operation.split(" ", 1)[1]
    offered_on = check.tasks_offering[operation]
    if operation not in check.everywhere:  # the same for everyone: asked once
        url = path.format(case_id=check.missing_id)
        check.everywhere[operation] = check.call("POST", url, json={"data": {}})[1]
    if check.everywhere[operation] != check.missing:
        check.fail(f"{operation} on a missing case", f"{check.everywhere[operation]}")
        return
    live = [c for c in check.outside if c.tasks & offered_on]
    for case in live + [c for c in check.outside if c not in live][:1]:
        what = f"{operation} on '{case.label}'"
        resp, body = check.call("POST", path.format(case_id=case.id), json={"data": {}})
        check.not_found_like_missing(what, resp, body, check.missing)


def check_unknown_action(check: Check, operation: str, _dept_ids) -> None:
    path = operation.split(" ", 1)[1]
    answers = set()
    for case_id in (check.missing_id, *(c.id for c in check.cases)):
        resp, body = check.call("POST", path.format(case_id=case_id, action="no-such-action"))
        answers.add((resp.status_code, json.dumps(body, sort_keys=True)))
    if len(answers) != 1 or next(iter(answers))[0] != 404:
        check.fail(operation, f"answers differ between cases: {answers}")


def check_contacts(check: Check, operation: str, _dept_ids) -> None:
    """A case's repeat contacts: read only in scope, else as a missing case."""
    for case in check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("GET", f"/api/v1/cases/{case.id}/contacts")
        if check.sees(case):
            if resp.status_code != 200:
                check.fail(what, f"{resp.status_code} {body}; the case is in scope")
            check.no_leak(what, resp, body)
        else:
            check.not_found_like_missing(what, resp, body, check.missing)


def check_add_contact(check: Check, operation: str, _dept_ids) -> None:
    """Merging a call into a case out of scope answers as on a missing case; a user who may not
    register calls is refused on the role, whatever the case (nothing is merged in scope here:
    the population must stay as it is)."""
    call = {"caller_name": "某市民", "caller_phone": "13911112222", "content": "又来电催问"}
    missing = check.call("POST", f"/api/v1/cases/{check.missing_id}/contacts", json=call)
    for case in check.outside if check.kind.accepts else check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("POST", f"/api/v1/cases/{case.id}/contacts", json=call)
        check.no_leak(what, resp, body)
        if check.kind.accepts:
            check.not_found_like_missing(what, resp, body, check.missing)
        elif resp.status_code != 403 or body != missing[1]:
            check.fail(what, f"{resp.status_code} {body}; this user may not record calls")


def check_attachment_list(check: Check, operation: str, _dept_ids) -> None:
    for case in check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("GET", f"/api/v1/cases/{case.id}/attachments")
        if not check.sees(case):
            check.not_found_like_missing(what, resp, body, check.missing)
        elif resp.status_code != 200 or [a["id"] for a in body] != case.attachments:
            check.fail(what, f"{resp.status_code} {body}; its files are {case.attachments}")
        else:
            check.no_leak(what, resp, body)


def check_attachment_upload(check: Check, operation: str, _dept_ids) -> None:
    """Uploading to a case out of scope answers as to a missing case (and stores nothing)."""
    for case_id in [check.missing_id] + [c.id for c in check.outside]:
        resp, body = check.call(
            "POST",
            f"/api/v1/cases/{case_id}/attachments",
            data={"files": [(io.BytesIO(JPEG), "a.jpg")]},
            content_type="multipart/form-data",
        )
        check.not_found_like_missing(f"{operation} on case {case_id}", resp, body, check.missing)


def check_attachment_download(check: Check, operation: str, _dept_ids) -> None:
    """A file of a case out of scope is missing, as a file that does not exist (a download in
    scope is logged, which the final snapshot would see: those are tested in tests/attachments)."""
    absent = check.call("GET", f"/api/v1/cases/{check.missing_id}/attachments/{check.missing_id}")
    if absent[0].status_code != 404 or absent[1].get("code") != "attachment_not_found":
        check.fail(operation, f"a missing file answers {absent[0].status_code} {absent[1]}")
    files = [(c, a) for c in check.cases for a in c.attachments]
    assert files, "the population has no attachment to test"
    for case, attachment in files:
        for case_id in {case.id, *(c.id for c in check.outside[:2])}:
            if check.sees(case) and case_id == case.id:
                continue
            what = f"{operation} {attachment} via case {case_id} ('{case.label}')"
            url = f"/api/v1/cases/{case_id}/attachments/{attachment}"
            resp, body = check.call("GET", url)
            check.not_found_like_missing(what, resp, body, absent[1])


INBOX_ARGUMENTS = [{}, {"overdue": "true"}, {"overdue": "false"}, {"per_page": 1, "page": 2}]


def check_inbox(check: Check, operation: str, _dept_ids) -> None:
    """The inbox holds exactly the tasks of the user's department that the user may act on."""
    workable = {
        a["task_id"]: case_id
        for case_id, detail in check.details.items()
        for a in detail["allowed_actions"]
        if any(
            t["task_id"] == a["task_id"] and t["department_id"] == check.me["department_id"]
            for t in detail["open_tasks"]
        )
    }
    names = sorted({t["task_name"] for d in check.details.values() for t in d["open_tasks"]})
    for args in INBOX_ARGUMENTS + [{"task": name} for name in names]:
        what = f"{operation} {args}"
        resp, body = check.call("GET", "/api/v1/inbox", query_string={"per_page": 200, **args})
        if resp.status_code != 200:
            check.fail(what, f"{resp.status_code} {body}")
            continue
        check.no_leak(what, resp, body)
        listed = {i["task_id"] for i in body["items"]}
        if not listed <= set(workable):
            check.fail(what, f"lists tasks the user may not act on: {listed - set(workable)}")
        if args == {}:
            if listed != set(workable) or body["total"] != len(workable):
                check.fail(what, f"{len(listed)} tasks, total {body['total']}; workable {workable}")
        elif body["total"] > len(workable):
            check.fail(what, f"total {body['total']} counts more than {len(workable)} tasks")


def check_token(check: Check, operation: str, _dept_ids) -> None:
    credentials = {"username": check.kind.username, "password": PASSWORD}
    resp = check.client.post("/api/v1/auth/token", json=credentials)
    body = resp.get_json()
    check.no_leak(operation, resp, body)
    check.me = body["user"]


def check_reference(check: Check, operation: str, _dept_ids) -> None:
    """Reference data (departments, case types, ...): every role reads it; it names no case."""
    path = operation.split(" ", 1)[1]
    resp, body = check.call("GET", path)
    if resp.status_code != 200:
        check.fail(operation, f"{resp.status_code} {body}")
    check.no_leak(operation, resp, body)


# -- the oversight office's and leaders' routes (app/api/oversight.py) --------------------------

# Who may call each oversight write at all (refused on the role, whatever the case, otherwise).
URGE_ROLES = {"oversight", "leader"}
OVERSIGHT_READS = {
    "GET /api/v1/oversight/ladder",
    "GET /api/v1/oversight/overview",
    "GET /api/v1/oversight/supervision",
}
CASE_WRITES = {
    "POST /api/v1/cases/{case_id}/urge": ({"message": "请加快办理"}, URGE_ROLES),
    "POST /api/v1/cases/{case_id}/supervision": (
        {"message": "请反馈", "feedback_days": 2},
        {"oversight"},
    ),
    "POST /api/v1/cases/{case_id}/instructions": ({"text": "请高度重视"}, {"leader"}),
}


def _roles(check: Check) -> set[str]:
    return set(check.me.get("roles", []))


def check_case_reads(check: Check, operation: str, _dept_ids) -> None:
    """A case's orders or instructions: read only in scope, else as a missing case."""
    path = operation.split(" ", 1)[1]
    for case in check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("GET", path.format(case_id=case.id))
        if check.sees(case):
            if resp.status_code != 200:
                check.fail(what, f"{resp.status_code} {body}; the case is in scope")
            check.no_leak(what, resp, body)
        else:
            check.not_found_like_missing(what, resp, body, check.missing)


def check_case_writes(check: Check, operation: str, _dept_ids) -> None:
    """An urge, order or instruction on a case out of scope answers as on a missing case; a
    user whose roles may not write it is refused on the role, whatever the case (nothing is
    written in scope here: the population must stay as it is)."""
    path = operation.split(" ", 1)[1]
    payload, roles = CASE_WRITES[operation]
    allowed = bool(_roles(check) & roles)
    missing = check.call("POST", path.format(case_id=check.missing_id), json=payload)
    if allowed:
        check.not_found_like_missing(f"{operation} on a missing case", *missing, check.missing)
    for case in check.outside if allowed else check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("POST", path.format(case_id=case.id), json=payload)
        check.no_leak(what, resp, body)
        if allowed:
            check.not_found_like_missing(what, resp, body, check.missing)
        elif resp.status_code != 403 or body != missing[1]:
            check.fail(what, f"{resp.status_code} {body}; this user may not do this")


def check_nested_writes(check: Check, operation: str, _dept_ids) -> None:
    """Answering an order or reading an instruction of a case out of scope: as a missing case."""
    path = operation.split(" ", 1)[1]
    payload = {"answer": "已处理"} if "answer" in path else None
    for case_id in [check.missing_id] + [c.id for c in check.outside]:
        url = path.format(case_id=case_id, order_id=1, instruction_id=1)
        resp, body = check.call("POST", url, json=payload)
        check.not_found_like_missing(f"{operation} on case {case_id}", resp, body, check.missing)


def check_oversight_reads(check: Check, operation: str, _dept_ids) -> None:
    """The oversight office's lists: theirs alone (403 for everyone else)."""
    resp, body = check.call("GET", operation.split(" ", 1)[1])
    if "oversight" in _roles(check):
        if resp.status_code != 200:
            check.fail(operation, f"{resp.status_code} {body}")
        check.no_leak(operation, resp, body)
    elif resp.status_code != 403:
        check.fail(operation, f"{resp.status_code} {body}; only the oversight office reads it")


def check_bulk_urge(check: Check, operation: str, _dept_ids) -> None:
    """Urging named cases out of scope refuses each as a missing case, urging nothing."""
    ids = [check.missing_id] + [c.id for c in check.outside]
    resp, body = check.call(
        "POST", "/api/v1/oversight/urges", json={"message": "请加快", "case_ids": ids}
    )
    if not _roles(check) & URGE_ROLES:
        if resp.status_code != 403:
            check.fail(operation, f"{resp.status_code} {body}; this user may not urge")
        return
    check.no_leak(operation, resp, body)
    codes = {r["case_id"]: r["code"] for r in (body or {}).get("refused", [])}
    if resp.status_code != 200 or body["urged"] or codes != dict.fromkeys(ids, "case_not_found"):
        check.fail(operation, f"{resp.status_code} {body}; each should be refused as missing")


def check_ladder_write(check: Check, operation: str, _dept_ids) -> None:
    """Only the oversight office edits the ladder (a refused ladder here: nothing saved)."""
    resp, body = check.call("PUT", "/api/v1/oversight/ladder", json={"rules": ["不是规则"]})
    expected = 422 if "oversight" in _roles(check) else 403
    if resp.status_code != expected:
        check.fail(operation, f"{resp.status_code} {body}; expected {expected}")


def check_notice(check: Check, operation: str, _dept_ids) -> None:
    """A notice (催办通知书) of a case out of scope answers as one of a missing case; in
    scope, a notice the case does not have is `notice_not_found` (the population has none:
    the download itself is tested in tests/oversight/test_ladder.py)."""
    path = operation.split(" ", 1)[1]
    missing = check.call("GET", path.format(case_id=check.missing_id, event_id=1))
    check.not_found_like_missing(f"{operation} on a missing case", *missing, check.missing)
    for case in check.cases:
        what = f"{operation} ('{case.label}')"
        resp, body = check.call("GET", path.format(case_id=case.id, event_id=1))
        check.no_leak(what, resp, body)
        if not check.sees(case):
            check.not_found_like_missing(what, resp, body, check.missing)
        elif resp.status_code != 404 or (body or {}).get("code") != "notice_not_found":
            check.fail(what, f"{resp.status_code} {body}; in scope, it has no such notice")


OVERSIGHT_ROUTES: dict[str, Callable] = {
    "GET /api/v1/cases/{case_id}/supervision": check_case_reads,
    "GET /api/v1/cases/{case_id}/instructions": check_case_reads,
    **dict.fromkeys(CASE_WRITES, check_case_writes),
    "POST /api/v1/cases/{case_id}/supervision/{order_id}/answer": check_nested_writes,
    "POST /api/v1/cases/{case_id}/instructions/{instruction_id}/read": check_nested_writes,
    **dict.fromkeys(OVERSIGHT_READS, check_oversight_reads),
    "POST /api/v1/oversight/urges": check_bulk_urge,
    "PUT /api/v1/oversight/ladder": check_ladder_write,
    "GET /api/v1/cases/{case_id}/notices/{event_id}": check_notice,
}
# -- the message centre: a user's own notifications; administrators' announcements/deliveries --


def _notifications_of_others(check: Check) -> list[int]:
    from app.models import Notification

    db.session.rollback()
    return list(
        db.session.scalars(
            select(Notification.id).where(Notification.user_id != check.me["id"]).limit(20)
        )
    )


def check_notifications(check: Check, operation: str, _dept_ids) -> None:
    """My notifications name only cases in my scope; their count is mine."""
    path = operation.split(" ", 1)[1]
    for args in ({}, {"unread": "true"}, {"per_page": 1, "page": 2}):
        resp, body = check.call("GET", path, query_string=args)
        if resp.status_code != 200:
            check.fail(f"{operation} {args}", f"{resp.status_code} {body}")
            continue
        check.no_leak(f"{operation} {args}", resp, body)
        for item in body.get("items", ()):
            if item["case_id"] is not None and item["case_id"] not in check.inside_ids:
                check.fail(operation, f"a notification of out-of-scope case {item['case_id']}")


def check_mark_read(check: Check, operation: str, _dept_ids) -> None:
    """Another user's notification answers as one that does not exist, and stays unread."""
    missing = check.call("POST", "/api/v1/notifications/999999999/read")
    if missing[0].status_code != 404:
        check.fail(operation, f"a missing notification answers {missing[0].status_code}")
    others = _notifications_of_others(check)
    assert others, "the population made no notification to test"
    for note_id in others:
        resp, body = check.call("POST", f"/api/v1/notifications/{note_id}/read")
        if resp.status_code != 404 or body != missing[1]:
            check.fail(f"{operation} {note_id}", f"{resp.status_code} {body}; not the caller's")


def check_mark_all_read(check: Check, operation: str, _dept_ids) -> None:
    """Marks the caller's own notifications only (then they are unread again: the population
    must stay as it is)."""
    from sqlalchemy import update

    from app.models import Notification

    db.session.rollback()
    unread = select(Notification.id).where(Notification.read_at.is_(None))
    before = set(db.session.scalars(unread))
    mine = set(db.session.scalars(unread.where(Notification.user_id == check.me["id"])))
    resp, body = check.call("POST", "/api/v1/notifications/read-all")
    db.session.rollback()
    after = set(db.session.scalars(unread))
    if resp.status_code != 200 or before - after != mine:
        check.fail(operation, f"{resp.status_code} {body}; marked {sorted(before - after)}")
    if mine:
        db.session.execute(
            update(Notification).where(Notification.id.in_(mine)).values(read_at=None)
        )
        db.session.commit()


def check_channels(check: Check, operation: str, _dept_ids) -> None:
    """My own channels: read them, and set them to what they are (a bad one is refused)."""
    resp, mine = check.call("GET", "/api/v1/notifications/channels")
    if resp.status_code != 200:
        check.fail(operation, f"{resp.status_code} {mine}")
        return
    if operation.startswith("PUT"):
        bad = check.call("PUT", "/api/v1/notifications/channels", json={"email": "x"})
        if bad[0].status_code != 422:
            check.fail(operation, f"a bad address answers {bad[0].status_code}")
        same = check.call("PUT", "/api/v1/notifications/channels", json=mine)
        if same[0].status_code != 200 or same[1] != mine:
            check.fail(operation, f"{same[0].status_code} {same[1]}")


def check_administrators_only(check: Check, operation: str, _dept_ids) -> None:
    """Announcements and deliveries are for administrators: nobody here is one."""
    method, path = operation.split(" ", 1)
    kwargs = {"json": {"title": "通知", "body": "内容"}} if method == "POST" else {}
    resp, body = check.call(method, path.format(delivery_id=1), **kwargs)
    if resp.status_code != 403 or body.get("code") != "role_not_allowed":
        check.fail(operation, f"{resp.status_code} {body}; only administrators may")


# -- telephony: the bridge's API is the bridge's alone (no kind here holds its role) ----------

# A body each bridge operation would take from the bridge, so that refusing it is the role's
# doing, not the body's.
BRIDGE_CALLS: dict[str, dict] = {
    "GET /api/v1/telephony/config": {},
    "POST /api/v1/telephony/token": {},
    "PUT /api/v1/telephony/calls/{channel_id}": {
        "json": {"started_at": "2026-03-02T10:00:00+08:00", "caller": "13800000000"}
    },
    "POST /api/v1/telephony/queues/{code}/offer": {"json": {"channel_id": "1.1"}},
    "POST /api/v1/telephony/agents/{username}/no-answer": {"json": {"channel_id": "1.1"}},
    "POST /api/v1/telephony/status-query": {
        "json": {"number": "20260302000001", "password": "123456", "caller": "13800000000"}
    },
    "POST /api/v1/telephony/voicemails": {
        "data": {
            "channel_id": "1.1",
            "recorded_at": "2026-03-02T10:00:00+08:00",
            "duration_seconds": "5",
            "recording": (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64), "v.wav"),
        },
        "content_type": "multipart/form-data",
    },
    "PUT /api/v1/telephony/calls/{channel_id}/recording": {
        "data": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64),
        "content_type": "audio/wav",
    },
    "GET /api/v1/telephony/commands": {"query_string": {"wait": 0}},
    "POST /api/v1/telephony/commands/{command_id}/result": {"json": {"outcome": "done"}},
}


def check_bridge_only(check: Check, operation: str, _dept_ids) -> None:
    """Every kind of user is refused on the role, whatever the operation names, and learns
    nothing (the bridge writes calls and reads no case)."""
    method, path = operation.split(" ", 1)
    url = path.format(channel_id="1.1", code="general", username="agent", command_id=1)
    kwargs = dict(BRIDGE_CALLS[operation])
    if isinstance(kwargs.get("data"), dict):  # a fresh file each call: a sent one is closed
        data, name = kwargs["data"]["recording"]
        kwargs["data"] = {**kwargs["data"], "recording": (io.BytesIO(data), name)}
    resp, body = check.call(method, url, **kwargs)
    check.no_leak(operation, resp, body)
    if resp.status_code != 403 or (body or {}).get("code") != "role_not_allowed":
        check.fail(operation, f"{resp.status_code} {body}; only the telephony bridge may")


# How to call each operation of the OpenAPI document. Detail runs before the inbox, which
# compares with the allowed actions the details offered.
ROUTES: dict[str, Callable] = {
    "POST /api/v1/auth/token": check_token,
    "GET /api/v1/cases": check_list,
    "POST /api/v1/cases": check_intake,
    "GET /api/v1/cases/{ref}": check_detail,
    "GET /api/v1/cases/{case_id}/contacts": check_contacts,
    "POST /api/v1/cases/{case_id}/contacts": check_add_contact,
    "POST /api/v1/cases/{case_id}/{action}": check_unknown_action,
    "GET /api/v1/inbox": check_inbox,
    "GET /api/v1/reference/departments": check_reference,
    "GET /api/v1/reference/case-types": check_reference,
    "GET /api/v1/reference/categories": check_reference,
    "GET /api/v1/reference/limits": check_reference,
    "GET /api/v1/reference/calendar": check_reference,
    "GET /api/v1/cases/{case_id}/attachments": check_attachment_list,
    "POST /api/v1/cases/{case_id}/attachments": check_attachment_upload,
    "GET /api/v1/cases/{case_id}/attachments/{attachment_id}": check_attachment_download,
    **OVERSIGHT_ROUTES,
    "GET /api/v1/notifications": check_notifications,
    "GET /api/v1/notifications/unread-count": check_notifications,
    "POST /api/v1/notifications/{notification_id}/read": check_mark_read,
    "POST /api/v1/notifications/read-all": check_mark_all_read,
    "GET /api/v1/notifications/channels": check_channels,
    "PUT /api/v1/notifications/channels": check_channels,
    "GET /api/v1/announcements": check_administrators_only,
    "POST /api/v1/announcements": check_administrators_only,
    "GET /api/v1/deliveries": check_administrators_only,
    "POST /api/v1/deliveries/{delivery_id}/retry": check_administrators_only,
    **dict.fromkeys(BRIDGE_CALLS, check_bridge_only),
}


def recipe_for(operation: str, action_routes: dict) -> Callable | None:
    """The recipe for an operation; an action's, for the route of an action the forms define."""
    if operation in ROUTES:
        return ROUTES[operation]
    return check_action if operation in action_routes else None


def operations(client) -> list[str]:
    spec = client.get("/api/v1/openapi.json").get_json()
    methods = {"get", "post", "put", "patch", "delete"}
    found = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in methods
    ]
    order = list(ROUTES)
    return sorted(found, key=lambda op: (order.index(op) if op in order else len(order), op))


@pytest.fixture
def idle_leader():
    """A leader with no department to oversee."""
    role = db.session.scalar(select(Role).filter_by(code="leader"))
    city = db.session.scalar(select(Department).filter_by(code="city"))
    user = User(
        username="idle_leader",
        password_hash=passwords.hash_password(PASSWORD),
        display_name="idle leader",
        department=city,
        roles=[role],
    )
    db.session.add(user)
    db.session.commit()
    yield user
    db.session.rollback()
    db.session.execute(delete(user_roles).where(user_roles.c.user_id == user.id))
    db.session.execute(delete(User.__table__).where(User.id == user.id))
    db.session.commit()
    _tokens.pop(user.username, None)  # the next such user has another id


def test_every_route_is_scoped_for_every_kind_of_user(
    app, api, client, auth, dept, idle_leader, tmp_path
):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    forms = load_forms(app.config["FORMS_DIR"])
    tasks_offering = {
        f"POST /api/v1/cases/{{case_id}}/{name.replace('_', '-')}": {s.task for s in specs}
        for name, specs in forms.actions.items()
    }
    routes = operations(client)
    unknown = [op for op in routes if recipe_for(op, tasks_offering) is None]
    assert not unknown, f"no call recipe for {unknown}: add one to ROUTES in this file"

    cases = make_population(api, dept)
    dept_ids = dict(db.session.execute(select(Department.code, Department.id)).all())
    missing_id = max(c.id for c in cases) + 1000
    before = snapshot()
    everywhere: dict = {}  # shared by the kinds
    problems = []
    for label, kind in KINDS.items():
        headers = auth(kind.username)
        check = Check(client, headers, auth("oversight"), kind, cases, missing_id, tasks_offering)
        check.everywhere = everywhere
        if kind.sees is not EVERYTHING and kind.sees:
            assert check.inside and check.outside, f"{label}: the population tests nothing"
        for operation in routes:
            recipe_for(operation, tasks_offering)(check, operation, dept_ids)
        problems += [f"[{label}] {p}" for p in check.problems]
    assert not problems, "\n".join(problems)
    assert snapshot() == before, "a refused call changed something"


def test_every_role_a_form_names_acts_where_it_sees(app):
    """Acting on a task implies seeing its case: a role a form lets act must be one whose scope
    is its own department's cases (a task's department always has the case in scope)."""
    forms = load_forms(app.config["FORMS_DIR"])
    for specs in forms.actions.values():
        for spec in specs:
            assert spec.roles <= policy.DESK_ROLES, (spec.task, spec.name, spec.roles)
