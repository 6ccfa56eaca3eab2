"""Read side: case lists, inboxes and case detail from indexed columns, never from workflows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any, Literal, Required, TypedDict

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)

from app.auth import policy
from app.cases import handlers, masking, planner, scope_index
from app.clock import clock
from app.deadlines import overdue
from app.deadlines import service as deadlines
from app.errors import case_not_found
from app.extensions import db
from app.forms.registry import load_forms
from app.ids import parse_id
from app.models import Case, CaseDepartment, CaseEvent, CaseType, Department, OpenTask, User

# Totals are counted up to this many; past it a list says `total: 1000, total_capped: true`
# ("more than 1000"). Counting further costs more than the page on a scoped or filtered list.
TOTAL_CAP = 1000
SORTS: dict[str, ColumnElement[Any]] = {
    "created_at": Case.created_at.asc(),
    "-created_at": Case.created_at.desc(),
    "handle_due_at": Case.handle_due_at.asc(),
    "-handle_due_at": Case.handle_due_at.desc(),
    "number": Case.number.asc(),
    "-number": Case.number.desc(),
}


# --- What the lists read, as the API's schemas load it (app/api/schemas.py) ------------------


class CaseListArgs(TypedDict, total=False):
    """A case list's query arguments (CaseListArgsSchema): paging and sort have defaults."""

    page: Required[int]
    per_page: Required[int]
    sort: Required[str]  # a key of SORTS
    status: str
    department_id: int
    case_type: str  # a case type's code
    channel: str
    created_from: date
    created_to: date
    overdue: bool
    q: str


class InboxArgs(TypedDict, total=False):
    """An inbox's query arguments (InboxArgsSchema): paging has defaults."""

    page: Required[int]
    per_page: Required[int]
    task: str  # a task name
    overdue: bool


# --- What they answer, as the API's schemas dump it ------------------------------------------


class CaseSummary(TypedDict):
    id: int
    number: str
    channel: str
    citizen_name: str  # masked where the viewer may not see a confidential case's citizen
    citizen_phone: str
    confidential: bool
    content: str
    case_type: str | None
    priority: str
    # deadlines.status_words: the status and its words (status, overdue, zh, en).
    status: dict[str, object]
    current_department_id: int | None
    created_at: datetime
    handle_due_at: datetime | None
    urge_count: int  # urges (催办) on the case: the inbox's mark (app/oversight/urges.py)
    last_urged_at: datetime | None


class Paging(TypedDict):
    page: int
    per_page: int
    total: int  # counted up to TOTAL_CAP
    total_capped: bool  # more than TOTAL_CAP match


class CasePage(Paging):
    items: list[CaseSummary]


class InboxItem(TypedDict):
    task_id: str
    task_name: str
    title: str
    due_at: datetime | None
    overdue: bool
    case: CaseSummary


class InboxPage(Paging):
    items: list[InboxItem]


class OpenTaskItem(TypedDict):
    task_id: str
    task_name: str
    title: str
    clock: str  # the deadline clock its due time runs on (sign, handle, decision, revisit)
    department_id: int
    department: str | None
    from_department_id: int | None
    due_at: datetime | None
    created_at: datetime


class TimelineItem(TypedDict):
    at: datetime
    action: str
    user: str | None
    from_department: str | None
    to_department: str | None
    to_department_id: int | None
    comment: str
    data: dict[str, Any]  # the event's JSON column (what the action's form sent and recorded)


class CoReply(TypedDict):
    department_id: int | None
    department: str | None
    text: str
    at: datetime
    user: str | None


class AllowedAction(TypedDict):
    action: str
    task_id: str
    title: dict[str, str]  # {"zh": ..., "en": ...}
    schema: dict[str, Any]  # a JSON Schema document, as jsonschema (untyped) reads it


class CaseDetail(CaseSummary):
    citizen_address: str
    answered: bool
    answer: str
    reply_text: str
    reply_result: str
    replied_at: datetime | None
    closed_at: datetime | None
    satisfaction: str
    sign_due_at: datetime | None
    revisit_due_at: datetime | None
    return_count: int
    extension_count: int
    reopen_count: int
    current_department: str | None
    open_tasks: list[OpenTaskItem]
    timeline: list[TimelineItem]
    co_replies: list[CoReply]
    allowed_actions: list[AllowedAction]


# Names (or codes) by id, looked up with the nullable ids of cases, tasks and events too (no
# id: no name).
Names = dict[int | None, str]


def _case_types() -> Names:
    return dict(db.session.execute(select(CaseType.id, CaseType.code)).all())


def _case_type_id(code: str) -> int | None:
    return db.session.scalar(select(CaseType.id).filter_by(code=code))


def summary(case: Case, types: Names, now: datetime, viewer: User) -> CaseSummary:
    """A case as lists show it to `viewer`: a confidential case's citizen masked unless the
    viewer may see it (app/auth/policy.py `sees_citizen`). Every list, detail, inbox row and
    export is built from here, so the mask holds wherever a case is shown."""
    name, phone = masking.citizen_of(viewer, case, case.citizen_name, case.citizen_phone)
    return {
        "id": case.id,
        "number": case.number,
        "channel": case.channel,
        "citizen_name": name,
        "citizen_phone": phone,
        "confidential": case.confidential,
        "content": case.content,
        "case_type": types.get(case.case_type_id),
        "priority": case.priority,
        "status": deadlines.status_words(case, now),
        "current_department_id": case.current_department_id,
        "created_at": case.created_at,
        "handle_due_at": case.handle_due_at,
        "urge_count": case.urge_count,
        "last_urged_at": case.last_urged_at,
    }


def _page(
    query: Select[Case], page: int, per_page: int, counted: Select[Case] | None = None
) -> tuple[Sequence[Case], int, bool]:
    """A page of `query` and its total; `counted`: the same cases in the form to count them."""
    total = capped_total(query if counted is None else counted)
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, min(total, TOTAL_CAP), total > TOTAL_CAP


def capped_total(query: Select[Case]) -> int:
    """How many cases `query` finds, counted up to TOTAL_CAP + 1 (more than the cap)."""
    # Counting a million rows on every page costs more than the page; count up to a cap
    # (ids only, so that an index can answer).
    ids = query.with_only_columns(Case.id).order_by(None).limit(TOTAL_CAP + 1)
    total: int = db.session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return total


def count_from_scope(
    user: User, args: CaseListArgs, dept_ids: list[int] | None, now: datetime
) -> bool:
    """Whether a search in a scope is counted from the scope's cases, not from the search's
    matches: when the planner expects the scope to hold fewer cases than the search matches in
    all. A department searching a common word (35k cases in its scope, 125k with the word of
    1M) otherwise reads the word's matches until 1,001 are in its scope (~26k rows, 50 ms);
    from its scope, its cases until 1,001 have the word (~7.5k rows, 17 ms). A rare word, a
    phone or a number is counted from its few matches, as before."""
    if "q" not in args or not dept_ids or _at_department_in_scope(args, dept_ids):
        return False
    scope = select(CaseDepartment.case_id).where(CaseDepartment.department_id.in_(dept_ids))
    matching = _filtered(user, args, dept_ids, now, scope="none").with_only_columns(Case.id)
    planned = planner.planned_rows(scope, matching)
    return planned is not None and planned[0] < planned[1]


def _scoped_page(
    dept_ids: list[int], args: CaseListArgs, now: datetime
) -> tuple[Sequence[Case], int, bool]:
    """`_page` for a scoped list read from the scope index (filters and sort it carries)."""
    conds: list[scope_index.Condition] = []
    if "status" in args:
        conds.append(CaseDepartment.status == args["status"])
    if "created_from" in args:
        conds.append(CaseDepartment.created_at >= datetime.combine(args["created_from"], time.min))
    if "created_to" in args:
        conds.append(CaseDepartment.created_at <= datetime.combine(args["created_to"], time.max))
    if "overdue" in args:
        cond = overdue.overdue_clause(overdue.SCOPE_COPY, now)
        conds.append(cond if args["overdue"] else ~cond)
    if "case_type" in args:
        conds.append(CaseDepartment.case_type_id == _case_type_id(args["case_type"]))
    if "channel" in args:
        conds.append(CaseDepartment.channel == args["channel"])
    page, per_page = args["page"], args["per_page"]
    descending = args["sort"] == "-created_at"
    total: int = db.session.execute(
        scope_index.count_cases(dept_ids, conds, TOTAL_CAP)
    ).scalar_one()
    ids = scope_index.case_ids(
        dept_ids, conds, descending, per_page, (page - 1) * per_page
    ).subquery()
    rows = db.session.scalars(
        select(Case)
        .join(ids, ids.c.case_id == Case.id)
        .order_by(SORTS[args["sort"]], Case.id.desc())
    ).all()
    return rows, min(total, TOTAL_CAP), total > TOTAL_CAP


def list_cases(user: User, args: CaseListArgs) -> CasePage:
    """The cases of the user's scope (app/auth/policy.py) matching the filters."""
    now = clock.now()
    dept_ids = policy.scope_department_ids(user)
    if dept_ids == []:  # a scope with no case in it
        return _list_body([], 0, False, args, now, user)
    if (
        dept_ids
        and args["sort"] in scope_index.SORTS
        and set(args) - {"page", "per_page", "sort"} <= scope_index.FILTERS
    ):
        rows, total, capped = _scoped_page(dept_ids, args, now)
        return _list_body(rows, total, capped, args, now, user)
    query = _filtered(user, args, dept_ids, now)
    query = query.order_by(SORTS[args["sort"]], Case.id.desc())
    counted = None
    if count_from_scope(user, args, dept_ids, now):
        counted = _filtered(user, args, dept_ids, now, scope="id_list")
    rows, total, capped = _page(query, args["page"], args["per_page"], counted)
    return _list_body(rows, total, capped, args, now, user)


def _filtered(
    user: User,
    args: CaseListArgs,
    dept_ids: list[int] | None,
    now: datetime,
    scope: Literal["exists", "id_list", "none"] = "exists",
) -> Select[Case]:
    """The cases of the user's scope matching the list's filters (no order, no page): the
    generic path of `list_cases`, and what `iter_cases` streams. `scope`: the scope's form
    (policy.visible_cases_clause or visible_cases_id_list), or none (the filters alone, for
    the planner's estimate of their matches)."""
    query = select(Case)
    if scope != "none" and not _at_department_in_scope(args, dept_ids):
        visible = (
            policy.visible_cases_id_list(user, dept_ids)
            if scope == "id_list"
            else policy.visible_cases_clause(user, dept_ids)
        )
        if visible is not None:
            query = query.where(visible)
    if "status" in args:
        query = query.where(Case.status == args["status"])
    if "department_id" in args:
        query = query.where(Case.current_department_id == args["department_id"])
    if "case_type" in args:
        query = query.where(Case.case_type_id == _case_type_id(args["case_type"]))
    if "channel" in args:
        query = query.where(Case.channel == args["channel"])
    if "created_from" in args:
        query = query.where(Case.created_at >= datetime.combine(args["created_from"], time.min))
    if "created_to" in args:
        query = query.where(Case.created_at <= datetime.combine(args["created_to"], time.max))
    if "overdue" in args:
        cond = overdue.overdue_clause(overdue.CASE, now)
        query = query.where(cond if args["overdue"] else ~cond)
    if "q" in args:
        text = args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        phone = citizen_like(user, Case.citizen_phone, f"%{text}%")
        name = citizen_like(user, Case.citizen_name, f"%{text}%")
        query = query.where(
            or_(
                Case.number.like(f"{text}%", escape="\\"),
                phone,
                Case.content.like(f"%{text}%", escape="\\"),
                name,
            )
        )
    return query


def citizen_like(user: User, column: Any, pattern: str) -> ColumnElement[bool]:
    """`column LIKE pattern` (backslash escapes) on a citizen's name or phone, for this user:
    a confidential case is not found by a citizen the user may not see (policy). Each arm of a
    search stays one index's (the BitmapOr of the trigram indexes on PostgreSQL)."""
    cond: ColumnElement[bool] = column.like(pattern, escape="\\")
    searchable = policy.citizen_searchable_clause(user)
    return cond if searchable is None else and_(searchable, cond)


def _at_department_in_scope(args: CaseListArgs, dept_ids: list[int] | None) -> bool:
    """Whether the list asks for cases now at a department of the user's scope. Such a case is
    in the scope without testing it: a case is only ever at a department it was sent to, and
    being sent there gave it a scope row for that department."""
    return "department_id" in args and args["department_id"] in (dept_ids or ())


def _list_body(
    rows: Sequence[Case],
    total: int,
    capped: bool,
    args: CaseListArgs,
    now: datetime,
    viewer: User,
) -> CasePage:
    types = _case_types()
    return {
        "items": [summary(c, types, now, viewer) for c in rows],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": total,
        "total_capped": capped,
    }


# --- The same list, streamed (exports): every matching case, not a page of them ---------------

# Rows fetched per round trip when streaming (a server-side cursor on PostgreSQL).
STREAM_BATCH = 1000


def count_cases_up_to(user: User, args: CaseListArgs, cap: int) -> int:
    """How many cases `iter_cases` would yield, counted up to `cap` + 1 (more than `cap`)."""
    now = clock.now()
    dept_ids = policy.scope_department_ids(user)
    if dept_ids == []:
        return 0
    ids = _filtered(user, args, dept_ids, now).with_only_columns(Case.id).limit(cap + 1)
    count: int = db.session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    return count


def iter_cases(user: User, args: CaseListArgs, batch: int = STREAM_BATCH) -> Iterator[CaseSummary]:
    """Every case of the user's scope matching the list's filters, in the list's order, as the
    list's `summary` (so with its masking), fetched `batch` rows at a time: the whole result is
    never in memory. Paging arguments are ignored."""
    now = clock.now()
    dept_ids = policy.scope_department_ids(user)
    if dept_ids == []:
        return
    types = _case_types()
    query = _filtered(user, args, dept_ids, now).order_by(SORTS[args["sort"]], Case.id.desc())
    result = db.session.execute(query.execution_options(yield_per=batch))
    for cases in result.scalars().partitions():
        for case in cases:
            yield summary(case, types, now, user)
        for case in cases:  # done with them: nothing keeps a streamed row in the session
            db.session.expunge(case)


def inbox(user: User, args: InboxArgs) -> InboxPage:
    """The open tasks the user may act on at their department (app/auth/policy.py), most
    urgent first."""
    now = clock.now()
    mine = policy.inbox_clause(user)
    if mine is None:  # the user's roles act on no task
        return _inbox_body([], 0, args, now, user)
    conds = [mine]
    if "task" in args:
        conds.append(OpenTask.task_name == args["task"])
    if "overdue" in args:
        late = overdue.passed_clause(OpenTask.due_at, now)
        conds.append(late if args["overdue"] else ~late)
    query = (
        select(OpenTask, Case)
        .join(Case, Case.id == OpenTask.case_id)
        .where(*conds)
        .order_by(OpenTask.due_at.asc().nulls_last(), OpenTask.id.asc())
    )
    # Every task has its case (a non-null foreign key): count the tasks alone, no join.
    count = select(func.count()).select_from(
        select(OpenTask.id).where(*conds).limit(TOTAL_CAP + 1).subquery()
    )
    total: int = db.session.execute(count).scalar_one()
    rows = db.session.execute(
        query.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
    ).all()
    return _inbox_body(rows, total, args, now, user)


def _inbox_body(
    rows: Sequence[Row[OpenTask, Case]],
    total: int,
    args: InboxArgs,
    now: datetime,
    viewer: User,
) -> InboxPage:
    types = _case_types()
    return {
        "items": [
            {
                "task_id": task.task_uuid,
                "task_name": task.task_name,
                "title": task.title,
                "due_at": task.due_at,
                "overdue": overdue.passed(task.due_at, now),
                "case": summary(case, types, now, viewer),
            }
            for task, case in rows
        ],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": min(total, TOTAL_CAP),
        "total_capped": total > TOTAL_CAP,
    }


# A detail's reads, built once (building them cost more than running them).
_DETAIL_TASKS = (
    select(OpenTask).where(OpenTask.case_id == bindparam("case_id")).order_by(OpenTask.id)
)
_DETAIL_EVENTS = (
    select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.id)
)
_DETAIL_NAMES = union_all(
    select(literal("t"), CaseType.id, CaseType.code).where(CaseType.id == bindparam("type_id")),
    select(literal("d"), Department.id, Department.name).where(
        Department.id.in_(bindparam("dept_ids", expanding=True))
    ),
    select(literal("u"), User.id, User.display_name).where(
        User.id.in_(bindparam("user_ids", expanding=True))
    ),
)


def _detail_names(dept_ids: set[int], user_ids: set[int], case: Case) -> tuple[Names, Names, Names]:
    """Department names, user names and the case type's code for a case's detail, in one read."""
    found: dict[str, Names] = {"d": {}, "u": {}, "t": {}}
    params = {"type_id": case.case_type_id, "dept_ids": list(dept_ids), "user_ids": list(user_ids)}
    for kind, key, name in db.session.execute(_DETAIL_NAMES, params):
        found[kind][key] = name
    return found["d"], found["u"], found["t"]


def get_visible_case(user: User, ref: str) -> Case:
    """A case by id or case number, 404 when missing or outside the user's scope."""
    case = None
    case_id = parse_id(ref)  # ASCII digits in the id range; "²" or 2**40 would reach the driver
    if case_id is not None:
        case = db.session.get(Case, case_id)
    if case is None:
        case = db.session.scalar(select(Case).filter_by(number=ref))
    if case is None or not policy.can_view(user, case):
        raise case_not_found()
    return case


def allowed_actions(
    user: User, case: Case, tasks: Sequence[OpenTask], now: datetime
) -> list[AllowedAction]:
    """The actions the server would take from this user now: theirs to take (policy) and not
    refused whatever the data (the handlers' preconditions), each with the schema its data is
    checked against."""
    forms = load_forms(current_app.config["FORMS_DIR"])
    out: list[AllowedAction] = []
    for task in tasks:
        for spec in forms.for_task(task.task_name):
            if not policy.may_act(user, task, spec):
                continue
            if handlers.refusal(spec.name, case, task, now) is not None:
                continue
            out.append(
                {
                    "action": spec.name,
                    "task_id": task.task_uuid,
                    "title": spec.title,
                    "schema": handlers.live_form(spec).schema,
                }
            )
    return out


def offered_actions(user: User, case: Case) -> list[AllowedAction]:
    """The case's allowed actions for this user now, as its detail lists them."""
    tasks = db.session.scalars(_DETAIL_TASKS, {"case_id": case.id}).all()
    return allowed_actions(user, case, tasks, clock.now())


# Events that start a handling round: the co-department replies before them were for an
# earlier lead (or an earlier round of the same one), not for this one to consolidate.
_ROUND_STARTS = frozenset({"transfer", "reopen"})


def _co_replies(events: Sequence[CaseEvent], names: Names, users: Names) -> list[CoReply]:
    """The co-departments' replies of the current handling round, from the event log."""
    replies: list[CoReply] = []
    for e in events:
        if e.action in _ROUND_STARTS:
            replies = []
        elif e.action == "co_reply":
            replies.append(
                {
                    "department_id": e.from_department_id,
                    "department": names.get(e.from_department_id),
                    "text": e.data.get("text", ""),
                    "at": e.at,
                    "user": users.get(e.user_id),
                }
            )
    return replies


def detail(user: User, case: Case) -> CaseDetail:
    now = clock.now()
    tasks = db.session.scalars(_DETAIL_TASKS, {"case_id": case.id}).all()
    events = db.session.scalars(_DETAIL_EVENTS, {"case_id": case.id}).all()
    mentioned = [case.current_department_id]
    mentioned.extend(x for t in tasks for x in (t.department_id, t.from_department_id))
    mentioned.extend(x for e in events for x in (e.from_department_id, e.to_department_id))
    dept_ids = {d for d in mentioned if d is not None}
    user_ids = {e.user_id for e in events if e.user_id is not None}
    names, users, types = _detail_names(dept_ids, user_ids, case)
    return {
        **summary(case, types, now, user),
        "citizen_address": case.citizen_address,
        "answered": case.answered,
        "answer": case.answer,
        "reply_text": case.reply_text,
        "reply_result": case.reply_result,
        "replied_at": case.replied_at,
        "closed_at": case.closed_at,
        "satisfaction": case.satisfaction,
        "sign_due_at": case.sign_due_at,
        "revisit_due_at": case.revisit_due_at,
        "return_count": case.return_count,
        "extension_count": case.extension_count,
        "reopen_count": case.reopen_count,
        "current_department": names.get(case.current_department_id),
        "open_tasks": [
            {
                "task_id": t.task_uuid,
                "task_name": t.task_name,
                "title": t.title,
                "clock": t.clock,
                "department_id": t.department_id,
                "department": names.get(t.department_id),
                "from_department_id": t.from_department_id,
                "due_at": t.due_at,
                "created_at": t.created_at,
            }
            for t in tasks
        ],
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "user": users.get(e.user_id),
                "from_department": names.get(e.from_department_id),
                "to_department": names.get(e.to_department_id),
                "to_department_id": e.to_department_id,
                "comment": e.comment,
                "data": e.data,
            }
            for e in events
        ],
        "co_replies": _co_replies(events, names, users),
        "allowed_actions": allowed_actions(user, case, tasks, now),
    }
