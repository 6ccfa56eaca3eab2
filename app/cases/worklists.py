"""The work lists: a department's inbox tabs, the dispatch desk's queues and the revisit list,
and acting on several cases at once (bulk sign, bulk transfer).

Every list reads indexed columns: open tasks by department (ix_open_task_dept_due) or by sender
(ix_open_task_from_dept), the scope index for what a department has done
(ix_case_department_dept_created), cases and events by id. Whose rows they are is the policy's
(app/auth/policy.py: `inbox_clause`, `visible_cases_clause`, `may_act`); what is overdue is
app/deadlines/overdue.py's and how a deadline stands (the countdown's colour) is
app/deadlines/standing.py's. Totals are counted up to `queries.TOTAL_CAP`, as the case lists
are. Which tasks a list holds is read from the task forms by the actions they offer (a task
offering `sign` is signed for, one offering `transfer` is dispatched), not named here.

The inbox tabs (待办), each over the tasks the user may act on at their department unless said:

    sign        待签收   tasks offering `sign`
    handling    办理中   every other task the user may act on (handling, a centre's forwarding
                         and decisions, a co-department's reply)
    requests    申请中   what the department asked for and waits on: a decision on its return,
                         extension or joint-handling request (a task on the `decision` clock sent
                         by it), and the co-departments' replies of a joint handling it leads
    done        已办     cases that were at the department (it signed for, handled, replied to,
                         returned or sent them on) and are now replied or closed, most recent
                         intake first. Read from the scope index alone: which department replied
                         is in the event log only, which no index reads by department (probing
                         it per case cost 60 ms a page on a million cases).
    overdue     逾期     the tasks of the first two whose own deadline has passed
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal, TypedDict

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select

from app.auth import policy
from app.cases import queries, service
from app.cases.queries import TOTAL_CAP, AllowedAction
from app.clock import clock
from app.deadlines import overdue, standing
from app.deadlines.standing import Countdown
from app.errors import DomainError
from app.extensions import db
from app.forms.registry import load_forms
from app.models import Case, CaseDepartment, CaseEvent, CaseType, Department, OpenTask, User
from app.models.case import FINISHED
from app.models.catalog import PRIORITIES

Tab = Literal["sign", "handling", "requests", "done", "overdue"]
TABS: tuple[Tab, ...] = ("sign", "handling", "requests", "done", "overdue")
# Due time first (most urgent first) or last.
Sort = Literal["due", "-due"]
SORTS: tuple[Sort, ...] = ("due", "-due")
# The clock of a task that decides a department's request (app/vocabulary.py CLOCKS).
DECISION_CLOCK = "decision"
# The most cases one bulk action takes (each is its own transaction).
BULK_MAX = 100


class Filters(TypedDict, total=False):
    """An inbox's filters, read and checked by the page."""

    number: str  # a case number's beginning
    phone: str  # part of the caller's phone number
    name: str  # part of the caller's name
    case_type: str  # a case type's code
    channel: str
    created_from: date
    created_to: date
    q: str  # part of the number, phone, name or content


@dataclass(frozen=True)
class RequestNote:
    """What a department asked for, from its event: shown beside the decision it waits on."""

    action: str
    title: dict[str, str]  # the action's title, {"zh", "en"}
    at: datetime
    reason: str
    reason_code: dict[str, str] | None  # the chosen reason's label, {"zh", "en"}
    days: int | None  # the working days an extension asks for
    department_ids: list[int]  # the co-departments a joint handling asks for


@dataclass
class Row:
    case: Case
    # The case as lists show it (queries.summary: what every list of cases shows of it).
    summary: queries.CaseSummary | None = None
    task: OpenTask | None = None
    countdown: Countdown | None = None
    actions: list[AllowedAction] = field(default_factory=list)
    request: RequestNote | None = None


@dataclass
class WorkPage:
    rows: list[Row]
    total: int  # counted up to TOTAL_CAP
    capped: bool  # more than TOTAL_CAP
    page: int
    per_page: int
    # Names for what the rows mention: case types and departments by id.
    case_types: dict[int, CaseType] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def offers(self, action: str) -> bool:
        """Whether some row of the page offers `action` to the user."""
        return any(item["action"] == action for row in self.rows for item in row.actions)


@dataclass(frozen=True)
class Count:
    total: int
    capped: bool


@dataclass(frozen=True)
class Outcome:
    """One case of a bulk action: done, or refused and why (the service's refusal)."""

    case_id: int
    number: str | None  # None: not a case the user may see (its number is not theirs to know)
    done: bool
    code: str = "done"
    message: dict[str, str] = field(default_factory=dict)  # the refusal, {"zh", "en"}
    details: list[str] = field(default_factory=list)  # the refusal's per-field reasons


# --- Which tasks ------------------------------------------------------------------------------


def _tasks_offering(*actions: str) -> list[str]:
    """The tasks whose forms offer one of `actions`."""
    forms = load_forms(current_app.config["FORMS_DIR"])
    return sorted({spec.task for name in actions for spec in forms.action(name)})


def _sender_tasks(user: User) -> list[str]:
    """The tasks on which the user's roles have an action of the sender (a recall): the same
    roles `policy.may_act` asks of a sender."""
    forms = load_forms(current_app.config["FORMS_DIR"])
    roles = user.role_codes & policy.DESK_ROLES
    return sorted(
        {
            spec.task
            for specs in forms.actions.values()
            for spec in specs
            if spec.actor == "from_dept" and spec.roles & roles
        }
    )


def _tab_clause(user: User, tab: Tab, now: datetime) -> ColumnElement[bool] | None:
    """The open tasks of an inbox tab (None: none at all); `done` is not a task tab."""
    mine = policy.inbox_clause(user)
    if mine is None:  # the user's roles act on no task: no inbox
        return None
    signing = OpenTask.task_name.in_(_tasks_offering("sign"))
    if tab == "sign":
        return and_(mine, signing)
    if tab == "handling":
        return and_(mine, ~signing)
    if tab == "overdue":
        return and_(mine, overdue.passed_clause(OpenTask.due_at, now))
    if tab == "requests":
        asked = or_(
            OpenTask.clock == DECISION_CLOCK,
            OpenTask.task_name.in_(_tasks_offering("co_reply")),
        )
        visible = policy.visible_cases_clause(user)
        conds = [OpenTask.from_department_id == user.department_id, asked]
        return and_(*conds, visible) if visible is not None else and_(*conds)
    raise ValueError(f"not a task tab: {tab}")


# --- Filters ----------------------------------------------------------------------------------


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _type_id(code: str) -> int | None:
    found: int | None = db.session.scalar(select(CaseType.id).filter_by(code=code))
    return found


def _filter_conds(user: User, f: Filters, on_scope_rows: bool = False) -> list[ColumnElement[bool]]:
    """The filters as conditions on the case (type, channel and intake time on the scope row's
    copies when the list is read from the scope index)."""
    conds: list[ColumnElement[bool]] = []
    created = CaseDepartment.created_at if on_scope_rows else Case.created_at
    if "number" in f:
        conds.append(Case.number.like(f"{_escaped(f['number'])}%", escape="\\"))
    if "phone" in f:
        conds.append(queries.citizen_like(user, Case.citizen_phone, f"%{_escaped(f['phone'])}%"))
    if "name" in f:
        conds.append(queries.citizen_like(user, Case.citizen_name, f"%{_escaped(f['name'])}%"))
    if "case_type" in f:
        type_id = _type_id(f["case_type"])
        column = CaseDepartment.case_type_id if on_scope_rows else Case.case_type_id
        conds.append(column == type_id if type_id is not None else false())
    if "channel" in f:
        channel = CaseDepartment.channel if on_scope_rows else Case.channel
        conds.append(channel == f["channel"])
    if "created_from" in f:
        conds.append(created >= datetime.combine(f["created_from"], time.min))
    if "created_to" in f:
        conds.append(created <= datetime.combine(f["created_to"], time.max))
    if "q" in f:
        text = _escaped(f["q"])
        conds.append(
            or_(
                Case.number.like(f"{text}%", escape="\\"),
                queries.citizen_like(user, Case.citizen_phone, f"%{text}%"),
                queries.citizen_like(user, Case.citizen_name, f"%{text}%"),
                Case.content.like(f"%{text}%", escape="\\"),
            )
        )
    return conds


# --- Counting and paging ----------------------------------------------------------------------


def _capped(ids: Select[Any]) -> Count:
    total: int = db.session.execute(
        select(func.count()).select_from(ids.order_by(None).limit(TOTAL_CAP + 1).subquery())
    ).scalar_one()
    return Count(min(total, TOTAL_CAP), total > TOTAL_CAP)


def _task_ids(user: User, cond: ColumnElement[bool], f: Filters, with_case: bool) -> Select[Any]:
    query = select(OpenTask.id)
    if with_case or f:  # every filter is on the case
        query = query.join(Case, Case.id == OpenTask.case_id)
    return query.where(cond, *_filter_conds(user, f))


def _done_clause(user: User) -> ColumnElement[bool]:
    return and_(
        CaseDepartment.department_id == user.department_id, CaseDepartment.status.in_(FINISHED)
    )


def _done_ids(user: User, f: Filters) -> Select[Any]:
    query = select(CaseDepartment.case_id)
    if {"number", "phone", "name", "q"} & set(f):
        query = query.join(Case, Case.id == CaseDepartment.case_id)
    return query.where(_done_clause(user), *_filter_conds(user, f, on_scope_rows=True))


def inbox_counts(user: User) -> dict[Tab, Count]:
    """Each tab's total, counted up to TOTAL_CAP: the work in each, whatever the filters (the
    filtered total is the tab's own, `inbox_tab`; counting every tab again under a text filter
    would cost five filtered scans a page)."""
    f: Filters = {}
    now = clock.now()
    out: dict[Tab, Count] = {}
    has_inbox = policy.inbox_clause(user) is not None
    for tab in TABS:
        if not has_inbox:
            out[tab] = Count(0, False)
        elif tab == "done":
            out[tab] = _capped(_done_ids(user, f))
        else:
            cond = _tab_clause(user, tab, now)
            assert cond is not None
            out[tab] = _capped(_task_ids(user, cond, f, with_case=tab == "requests"))
    return out


def _page_of_tasks(
    user: User,
    cond: ColumnElement[bool] | None,
    f: Filters,
    order: Sequence[ColumnElement[Any]],
    page: int,
    per_page: int,
    with_case: bool = False,
    by_case: bool = False,  # `order` reads the case
) -> tuple[list[tuple[OpenTask, Case]], Count]:
    if cond is None:
        return [], Count(0, False)
    count = _capped(_task_ids(user, cond, f, with_case))
    order = [*order, OpenTask.id.asc()]
    offset = (page - 1) * per_page
    if f or with_case:
        query = (
            select(OpenTask, Case)
            .join(Case, Case.id == OpenTask.case_id)
            .where(cond, *_filter_conds(user, f))
            .order_by(*order)
            .limit(per_page)
            .offset(offset)
        )
    else:
        # The page's task ids first, then their tasks and cases: joined before the limit, the
        # planner would fetch and sort the whole case of every task of the department.
        ids = select(OpenTask.id).where(cond)
        if by_case:  # only the columns the order reads, not whole cases, are sorted
            ids = ids.join(Case, Case.id == OpenTask.case_id)
        page_ids = ids.order_by(*order).limit(per_page).offset(offset).subquery()
        query = (
            select(OpenTask, Case)
            .join(page_ids, page_ids.c.id == OpenTask.id)
            .join(Case, Case.id == OpenTask.case_id)
            .order_by(*order)
        )
    rows = [(task, case_) for task, case_ in db.session.execute(query)]
    return rows, count


def _by_due(sort: Sort) -> list[ColumnElement[Any]]:
    due = OpenTask.due_at
    return [due.asc().nulls_last() if sort == "due" else due.desc().nulls_last()]


# --- Rows -------------------------------------------------------------------------------------


def _countdown(task: OpenTask, case_: Case, now: datetime) -> Countdown | None:
    return standing.countdown(
        task.due_at, standing.limit_seconds(task.clock, case_), now, task.clock
    )


def _task_rows(
    user: User, pairs: Iterable[tuple[OpenTask, Case]], now: datetime, with_actions: bool
) -> list[Row]:
    return [
        Row(
            case=case_,
            task=task,
            countdown=_countdown(task, case_, now),
            actions=queries.allowed_actions(user, case_, [task], now) if with_actions else [],
        )
        for task, case_ in pairs
    ]


def _with_requests(rows: list[Row]) -> None:
    """Attach to each task row what its sender asked for: the sender's latest event on the case
    (while a decision or a co-department's reply is awaited, the asking department has no task
    of its own, so its latest event is the request)."""
    senders = {r.case.id: r.task.from_department_id for r in rows if r.task is not None}
    if not senders:
        return
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_(list(senders))).order_by(CaseEvent.id)
    ).all()
    latest: dict[int, CaseEvent] = {}
    for e in events:
        if e.from_department_id is not None and e.from_department_id == senders[e.case_id]:
            latest[e.case_id] = e
    for row in rows:
        event = latest.get(row.case.id)
        if event is not None:
            row.request = _note(event)


def _note(event: CaseEvent) -> RequestNote:
    forms = load_forms(current_app.config["FORMS_DIR"])
    specs = forms.action(event.action)
    title: dict[str, str] = dict(specs[0].title) if specs else {"zh": event.action}
    data: dict[str, Any] = event.data or {}
    code_label = None
    if specs and "reason_code" in data:
        labels = specs[0].schema["properties"].get("reason_code", {}).get("x-labels", {})
        found = labels.get(data["reason_code"])
        code_label = dict(found) if found else {"zh": str(data["reason_code"])}
    days = data.get("days")
    return RequestNote(
        action=event.action,
        title=title,
        at=event.at,
        reason=str(data.get("reason") or data.get("reason_text") or ""),
        reason_code=code_label,
        days=days if isinstance(days, int) else None,
        department_ids=[d for d in data.get("co_department_ids") or [] if isinstance(d, int)],
    )


def _names(page: WorkPage, now: datetime, viewer: User) -> WorkPage:
    """Fill the rows' summaries, the case types and the departments the rows mention."""
    page.case_types = {t.id: t for t in db.session.scalars(select(CaseType))}
    codes: queries.Names = {t.id: t.code for t in page.case_types.values()}
    ids: set[int] = set()
    for row in page.rows:
        row.summary = queries.summary(row.case, codes, now, viewer)
        if row.case.current_department_id is not None:
            ids.add(row.case.current_department_id)
        if row.task is not None:
            ids.add(row.task.department_id)
            if row.task.from_department_id is not None:
                ids.add(row.task.from_department_id)
        if row.request is not None:
            ids.update(row.request.department_ids)
    if ids:
        found = db.session.scalars(select(Department).where(Department.id.in_(sorted(ids))))
        page.departments = {d.id: d for d in found}
    return page


# --- The inbox --------------------------------------------------------------------------------


def inbox_tab(user: User, tab: Tab, f: Filters, sort: Sort, page: int, per_page: int) -> WorkPage:
    """One tab of the user's inbox, filtered; task tabs by due time (`sort`), done most recent
    intake first."""
    now = clock.now()
    if tab == "done":
        return _names(_done_page(user, f, page, per_page), now, user)
    cond = _tab_clause(user, tab, now)
    pairs, count = _page_of_tasks(
        user, cond, f, _by_due(sort), page, per_page, with_case=tab == "requests"
    )
    rows = _task_rows(user, pairs, now, with_actions=tab != "requests")
    if tab == "requests":
        _with_requests(rows)
    return _names(WorkPage(rows, count.total, count.capped, page, per_page), now, user)


def _done_page(user: User, f: Filters, page: int, per_page: int) -> WorkPage:
    if policy.inbox_clause(user) is None:
        return WorkPage([], 0, False, page, per_page)
    count = _capped(_done_ids(user, f))
    query = (
        select(Case)
        .join(CaseDepartment, CaseDepartment.case_id == Case.id)
        .where(_done_clause(user), *_filter_conds(user, f, on_scope_rows=True))
        .order_by(CaseDepartment.created_at.desc(), CaseDepartment.case_id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [Row(case=c) for c in db.session.scalars(query)]
    return WorkPage(rows, count.total, count.capped, page, per_page)


# --- The dispatch desk ------------------------------------------------------------------------


def _urgency() -> ColumnElement[int]:
    """Most urgent priority first (PRIORITIES runs from the least urgent)."""
    ranks = {p: -i for i, p in enumerate(PRIORITIES)}
    return case(ranks, value=Case.priority, else_=1)


def to_dispatch(user: User, page: int, per_page: int) -> WorkPage:
    """Cases waiting at the user's centre to be sent on: most urgent, then oldest, first."""
    now = clock.now()
    mine = policy.inbox_clause(user)
    cond = None if mine is None else and_(mine, OpenTask.task_name.in_(_tasks_offering("transfer")))
    order: list[ColumnElement[Any]] = [_urgency().asc(), OpenTask.created_at.asc()]
    pairs, count = _page_of_tasks(user, cond, {}, order, page, per_page, by_case=True)
    rows = _task_rows(user, pairs, now, with_actions=True)
    return _names(WorkPage(rows, count.total, count.capped, page, per_page), now, user)


def to_recall(user: User, page: int, per_page: int) -> WorkPage:
    """Tasks the user's department sent that a recall may still take back (not signed for
    yet), the nearest sign-for deadline first."""
    now = clock.now()
    tasks = _sender_tasks(user)
    cond = (
        and_(OpenTask.from_department_id == user.department_id, OpenTask.task_name.in_(tasks))
        if tasks
        else None
    )
    pairs, count = _page_of_tasks(user, cond, {}, _by_due("due"), page, per_page)
    rows = _task_rows(user, pairs, now, with_actions=True)
    return _names(WorkPage(rows, count.total, count.capped, page, per_page), now, user)


def to_decide(user: User, page: int, per_page: int) -> WorkPage:
    """Requests waiting for the user's decision (return, extension, joint handling), the
    nearest decision deadline first, each with what was asked."""
    now = clock.now()
    mine = policy.inbox_clause(user)
    cond = None if mine is None else and_(mine, OpenTask.clock == DECISION_CLOCK)
    pairs, count = _page_of_tasks(user, cond, {}, _by_due("due"), page, per_page)
    rows = _task_rows(user, pairs, now, with_actions=True)
    _with_requests(rows)
    return _names(WorkPage(rows, count.total, count.capped, page, per_page), now, user)


# --- Revisit ----------------------------------------------------------------------------------


def to_revisit(user: User, page: int, per_page: int) -> WorkPage:
    """Replied cases to call back, the nearest revisit deadline first."""
    now = clock.now()
    mine = policy.inbox_clause(user)
    cond = None if mine is None else and_(mine, OpenTask.task_name.in_(_tasks_offering("revisit")))
    pairs, count = _page_of_tasks(user, cond, {}, _by_due("due"), page, per_page)
    rows = _task_rows(user, pairs, now, with_actions=True)
    return _names(WorkPage(rows, count.total, count.capped, page, per_page), now, user)


# --- Reference ------------------------------------------------------------------------------


def case_types() -> list[CaseType]:
    """The case types, for a filter's choices."""
    return list(db.session.scalars(select(CaseType).order_by(CaseType.id)))


# --- Bulk -------------------------------------------------------------------------------------


def act_on_each(
    user: User,
    action: str,
    targets: Sequence[tuple[int, str]],
    data: dict[str, Any],
    client_ip: str = "",
) -> list[Outcome]:
    """Take `action` with `data` on each (case id, task id) of `targets`: each case its own
    step and its own transaction, so one refusal (another department's case, a task someone
    took meanwhile, a limit) leaves the others done and itself unchanged."""
    out: list[Outcome] = []
    seen: set[int] = set()
    for case_id, task_id in targets[:BULK_MAX]:
        if case_id in seen:
            continue
        seen.add(case_id)
        try:
            done = service.act(
                case_id, action, dict(data), user, task_uuid=task_id or None, client_ip=client_ip
            )
        except DomainError as exc:
            out.append(
                Outcome(
                    case_id=case_id,
                    number=_visible_number(user, case_id),
                    done=False,
                    code=exc.code,
                    message={"zh": exc.zh, "en": exc.en},
                    details=_reasons(exc.details),
                )
            )
        else:
            out.append(Outcome(case_id=case_id, number=done.number, done=True))
    return out


def _visible_number(user: User, case_id: int) -> str | None:
    try:
        return queries.get_visible_case(user, str(case_id)).number
    except DomainError:
        return None


def _reasons(details: dict[str, Any]) -> list[str]:
    errors = details.get("errors")
    if isinstance(errors, list):
        return [str(e.get("message")) for e in errors if isinstance(e, dict)]
    return []
