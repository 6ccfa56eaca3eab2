"""Who may see and do what: the one place for scope and role checks, pages and API alike.

Every read of cases takes its scope from here: lists and their totals (`scope_department_ids`,
`visible_cases_clause`, `visible_cases_id_list`), the inbox (`inbox_clause`), a case by id or
number (`can_view`), the actions offered and taken (`may_act`, `check_act`), and registering a
case (`check_accept`: agents, dispatchers and administrators). (An intake's replay needs no
scope: an Idempotency-Key is its sender's own, app/cases/idempotency.py.) What each user sees
is the union of what their roles grant:

    oversight, admin                   every case
    agent, dispatcher, revisit, handler
                                       the cases sent into their department's subtree: at the
                                       city centre (the root) every case, at a district centre
                                       its district, at a department its own
    leader                             the cases sent into the subtrees they oversee (none when
                                       they oversee none)
    designer                           no case (diagrams and forms only)
    telephony                          no case (the ARI bridge's service account: it
                                       registers voicemail cases and writes the calls)

Reports (`report_scope`) count the departments of the same subtrees: a department its own
subtree's numbers, a leader their departments', the oversight office and administrators all.

"Sent into" means a task of the case opened at the department: the case then has a
case_department row there, kept forever (a department still sees a case it returned).

Confidential cases (保密): the citizen's name and phone are shown only to the roles that take
and route the calls (`CITIZEN_ROLES`: agents and dispatchers); every other role reads them
masked (`sees_citizen`), and may not find such a case by them either
(`citizen_searchable_clause`): a search by phone or name that found it would reveal whose it is.

Acting needs the right role and being the task's department (or, for a recall, its sender);
only the desk roles act, so whoever may act on a task may also see its case. The inbox is the
tasks the user may act on at their own department; leaders, oversight, administrators, agents
and designers act on no task, so their inboxes are empty (they read the case list).
"""

from __future__ import annotations

from functools import cache

from flask import current_app
from sqlalchemy import ARRAY, ColumnElement, Integer, any_, cast, exists, false, func, or_, select

from app.errors import Forbidden, NotFound
from app.extensions import db
from app.forms.registry import ActionSpec, load_forms
from app.models import Case, CaseDepartment, Department, LeaderScope, OpenTask, User
from app.models.org import CITY

# Roles that see every case wherever their holder sits.
ALL_CASES_ROLES = frozenset({"oversight", "admin"})
# Roles that work cases at a desk of their department: they see the cases sent into its
# subtree and act on its tasks. The only roles that act (tests/auth checks the forms).
DESK_ROLES = frozenset({"agent", "dispatcher", "revisit", "handler"})
LEADER = "leader"
# The ARI bridge's service account (话务网关): it registers voicemail cases and writes the
# telephony tables through /api/v1/telephony, and reads no case.
TELEPHONY = "telephony"
# Roles that register cases (受理), the bridge's voicemail among them.
ACCEPT_ROLES = frozenset({"agent", "dispatcher", "admin", TELEPHONY})
# Roles that record a repeat call on a case (重复诉求归并): people who see the case.
CONTACT_ROLES = frozenset({"agent", "dispatcher", "admin"})
# Roles that see a confidential case's citizen (name and phone) unmasked.
CITIZEN_ROLES = frozenset({"agent", "dispatcher"})
# Who administers the organisation, the logins and the reference data (/admin); who reads the
# deployed process versions and validates a new diagram (/processes).
ADMIN_ROLES = frozenset({"admin"})
PROCESS_ROLES = frozenset({"designer", "admin"})


def sees_everything(user: User) -> bool:
    roles = user.role_codes
    if roles & ALL_CASES_ROLES:
        return True
    # The city centre is the root of the tree: its subtree is every department.
    return bool(roles & DESK_ROLES) and user.department.kind == CITY


def scope_paths(user: User) -> list[str]:
    """Department path prefixes whose cases the user may read (a subtree each)."""
    paths = []
    if user.role_codes & DESK_ROLES:
        paths.append(user.department.path)
    if LEADER in user.role_codes:
        paths += db.session.scalars(
            select(Department.path)
            .join(LeaderScope, LeaderScope.department_id == Department.id)
            .where(LeaderScope.user_id == user.id)
        )
    return paths


def scope_department_ids(user: User) -> list[int] | None:
    """Ids of the departments whose cases the user may read (None: every case; []: none)."""
    if sees_everything(user):
        return None
    paths = scope_paths(user)
    if not paths:
        return []
    in_scope = or_(*(Department.path.startswith(p) for p in paths))
    return sorted(db.session.scalars(select(Department.id).where(in_scope)))


def visible_cases_clause(user: User, dept_ids: list[int] | None = None):
    """A WHERE clause on Case limiting a query to what the user may read (None = no limit).

    `dept_ids`: the user's `scope_department_ids`, when the caller has them already.
    """
    if dept_ids is None:
        dept_ids = scope_department_ids(user)
    if dept_ids is None:
        return None
    if not dept_ids:
        return false()
    # The department ids first (a tiny table): the planner then sees a plain IN on the
    # indexed case_department.department_id, with its real selectivity.
    return exists(
        select(CaseDepartment.case_id).where(
            CaseDepartment.case_id == Case.id, CaseDepartment.department_id.in_(dept_ids)
        )
    )


def visible_cases_id_list(user: User, dept_ids: list[int] | None = None):
    """`visible_cases_clause` as one list of the scope's case ids, read before the cases, each
    case's primary key then probed with it (PostgreSQL: `id = ANY(array)`, in id order). The
    same cases; the form for a count whose other conditions match many more cases than the
    scope holds (a common word searched in a department), read from the scope's side."""
    if dept_ids is None:
        dept_ids = scope_department_ids(user)
    if dept_ids is None:
        return None
    if not dept_ids:
        return false()
    rows = CaseDepartment.department_id.in_(dept_ids)
    if db.session.get_bind().dialect.name != "postgresql":
        return Case.id.in_(select(CaseDepartment.case_id).where(rows))
    ids = select(func.array_agg(CaseDepartment.case_id)).where(rows).scalar_subquery()
    # The cast makes it an array expression: `= ANY (SELECT ...)` would compare with each row.
    return Case.id == any_(cast(ids, ARRAY(Integer)))


def can_view(user: User, case: Case) -> bool:
    dept_ids = scope_department_ids(user)
    if dept_ids is None:
        return True
    if not dept_ids:
        return False
    clause = visible_cases_clause(user, dept_ids)
    return bool(db.session.scalar(select(Case.id).where(Case.id == case.id, clause)))


def check_accept(user: User) -> None:
    if not (user.role_codes & ACCEPT_ROLES):
        raise Forbidden(
            "role_not_allowed", "您的角色不能受理工单", "Your roles cannot accept cases"
        )


def check_add_contact(user: User) -> None:
    """Who may merge a call into an existing case: whoever may register it as a new one,
    except the bridge (it sees no case to merge into)."""
    if not (user.role_codes & CONTACT_ROLES):
        raise Forbidden(
            "role_not_allowed", "您的角色不能登记来电", "Your roles cannot record calls on cases"
        )


def sees_confidential_citizens(user: User) -> bool:
    """Whether the user reads the citizen of every case in their scope, confidential or not."""
    return bool(user.role_codes & CITIZEN_ROLES)


def sees_citizen(user: User, case: Case) -> bool:
    """Whether the user may read this case's citizen name and phone unmasked."""
    return not case.confidential or sees_confidential_citizens(user)


def citizen_searchable_clause(user: User) -> ColumnElement[bool] | None:
    """A WHERE clause on Case for the cases the user may find by the citizen's name or phone
    (None: every case of their scope). AND it with any condition on those columns."""
    if sees_confidential_citizens(user):
        return None
    return Case.confidential.is_(False)


def may_administer(user: User) -> bool:
    return bool(user.role_codes & ADMIN_ROLES)


def check_administer(user: User) -> None:
    if not may_administer(user):
        raise Forbidden(
            "role_not_allowed", "仅管理员可以进行系统管理", "Only administrators may do this"
        )


def may_design(user: User) -> bool:
    return bool(user.role_codes & PROCESS_ROLES)


def check_design(user: User) -> None:
    if not may_design(user):
        raise Forbidden(
            "role_not_allowed",
            "仅流程设计员和管理员可以查看流程版本",
            "Only process designers and administrators may do this",
        )


@cache
def _tasks_by_role(forms_dir: str) -> dict[str, frozenset[str]]:
    """Role -> the tasks on which it has an action of the task's own department."""
    out: dict[str, set[str]] = {}
    for specs in load_forms(forms_dir).actions.values():
        for spec in specs:
            if spec.actor == "dept":
                for role in spec.roles & DESK_ROLES:
                    out.setdefault(role, set()).add(spec.task)
    return {role: frozenset(tasks) for role, tasks in out.items()}


def inbox_clause(user: User):
    """A WHERE clause on OpenTask: the tasks of the user's department the user may act on
    (None: no task at all). The same rule as `may_act` for the task's own department; a
    sender's recall is offered on the case, not listed as the sender's work."""
    by_role = _tasks_by_role(current_app.config["FORMS_DIR"])
    tasks = sorted(set().union(*(by_role.get(r, ()) for r in user.role_codes)))
    if not tasks:
        return None
    return (OpenTask.department_id == user.department_id) & OpenTask.task_name.in_(tasks)


def may_act(user: User, task: OpenTask, action: ActionSpec) -> bool:
    # Only desk roles act: a task's department has its case in scope, so acting implies seeing.
    if not (user.role_codes & action.roles & DESK_ROLES):
        return False
    acting_dept = task.department_id if action.actor == "dept" else task.from_department_id
    return acting_dept is not None and acting_dept == user.department_id


def check_act(user: User, task: OpenTask, action: ActionSpec) -> None:
    if not (user.role_codes & action.roles & DESK_ROLES):
        raise Forbidden(
            "role_not_allowed",
            "您的角色不能执行此操作",
            f"Your roles do not allow '{action.name}' (needs one of {sorted(action.roles)})",
        )
    if not may_act(user, task, action):
        raise Forbidden(
            "department_not_allowed",
            "此工单当前不由您的单位处理",
            f"'{action.name}' on this case belongs to another department",
        )


# --- The oversight office (效能办) and leaders: urges, supervision, instructions -------------

OVERSIGHT = "oversight"
# Who urges (催办) cases of their scope: the oversight office, and leaders their departments'.
URGE_ROLES = frozenset({OVERSIGHT, LEADER})


def check_urge(user: User) -> None:
    if not (user.role_codes & URGE_ROLES):
        raise Forbidden(
            "role_not_allowed",
            "仅效能督办人员和领导可以催办",
            "Only the oversight office and leaders may urge cases",
        )


def may_oversee(user: User) -> bool:
    """The oversight office: supervision orders, the escalation ladder, the oversight page."""
    return OVERSIGHT in user.role_codes


def check_oversee(user: User) -> None:
    if not may_oversee(user):
        raise Forbidden(
            "role_not_allowed",
            "仅效能督办人员可以进行此操作",
            "Only the oversight office may do this",
        )


def check_instruct(user: User) -> None:
    """Instructions (批示) are the leaders' (on the cases of their scope: `can_view`)."""
    if LEADER not in user.role_codes:
        raise Forbidden(
            "role_not_allowed", "仅领导可以作出批示", "Only leaders may write instructions"
        )


def is_department_staff(user: User, department_id: int) -> bool:
    """Whether the user works at the desk of this department: who answers its supervision
    orders and whose reading marks its instructions read."""
    return bool(user.role_codes & DESK_ROLES) and user.department_id == department_id


def check_department_staff(user: User, department_id: int) -> None:
    if not is_department_staff(user, department_id):
        raise Forbidden(
            "department_not_allowed",
            "该督办件不由您的单位反馈",
            "This order is addressed to another department; only its staff may answer",
        )


# --- Reports (统计报表) ---------------------------------------------------------------------


def report_scope(user: User) -> list[int] | None:
    """The departments whose numbers the user reads in reports (None: every department): the
    subtrees whose cases they read, so a department sees its own subtree, a leader the
    departments they oversee, the oversight office and administrators everything."""
    return scope_department_ids(user)


def check_read_reports(user: User) -> list[int] | None:
    """`report_scope`, refusing a user who reads no department's cases (a designer)."""
    scope = report_scope(user)
    if scope is not None and not scope:
        raise Forbidden(
            "role_not_allowed", "您的角色不能查看统计报表", "Your roles cannot read reports"
        )
    return scope


def check_report_department(user: User, department_id: int) -> None:
    """A report narrowed to a department outside the reader's scope is not found (as a case
    outside it is): its existence is not the reader's to learn."""
    scope = report_scope(user)
    exists_ = db.session.get(Department, department_id) is not None
    if not exists_ or (scope is not None and department_id not in scope):
        raise NotFound("department_not_found", "单位不存在", "No such department")


# --- The wallboard (大屏) ------------------------------------------------------------------

# Who opens the hall's wallboard: the oversight office and administrators, and the dispatchers
# and agents of the city centre. Each of them reads every case (`sees_everything`), so the
# board's city-wide numbers show nobody more than their own lists would.
WALLBOARD_ROLES = ALL_CASES_ROLES
WALLBOARD_CENTRE_ROLES = frozenset({"dispatcher", "agent"})


def may_view_wallboard(user: User) -> bool:
    roles = user.role_codes
    if roles & WALLBOARD_ROLES:
        return True
    return bool(roles & WALLBOARD_CENTRE_ROLES) and user.department.kind == CITY


def check_view_wallboard(user: User) -> None:
    if not may_view_wallboard(user):
        raise Forbidden(
            "role_not_allowed",
            "仅督办人员、管理员和市中心的派单员、坐席可以查看大屏",
            "Only the oversight office, administrators and the city centre's dispatchers and "
            "agents may view the wallboard",
        )


# --- Telephony (issue 11): the bridge's API, agents' phones, the IVR and the blacklist -------

AGENT = "agent"
REVISIT = "revisit"
# Who reads the board of every agent's state: supervisors of the hall.
AGENT_BOARD_ROLES = frozenset({"admin", OVERSIGHT, "dispatcher"})


def is_bridge(user: User) -> bool:
    """The telephony bridge's service account: the one caller of /api/v1/telephony's writes."""
    return TELEPHONY in user.role_codes


def check_bridge(user: User) -> None:
    if not is_bridge(user):
        raise Forbidden(
            "role_not_allowed",
            "仅话务网关可以调用此接口",
            "Only the telephony bridge may call this",
        )


def check_read_telephony_config(user: User) -> None:
    """The bridge's configuration: the bridge, and administrators checking what it gets."""
    if not (is_bridge(user) or may_administer(user)):
        raise Forbidden(
            "role_not_allowed",
            "仅话务网关和管理员可以读取话务配置",
            "Only the telephony bridge and administrators may read the telephony configuration",
        )


def may_have_phone(user: User) -> bool:
    """Who has an extension of their own (a phone the bridge rings): agents, revisit clerks."""
    return bool(user.role_codes & {AGENT, REVISIT})


def may_work_phone(user: User) -> bool:
    """Agents: take calls (states, skill groups), conference and transfer their live call."""
    return AGENT in user.role_codes


def check_work_phone(user: User) -> None:
    if not may_work_phone(user):
        raise Forbidden(
            "role_not_allowed", "仅坐席可以接听电话", "Only call-centre agents may take calls"
        )


def may_call_back(user: User, case: Case) -> bool:
    """Revisit clerks, on the cases they see (those they revisit)."""
    return REVISIT in user.role_codes and can_view(user, case)


def check_call_back(user: User, case: Case) -> None:
    if not may_call_back(user, case):
        raise Forbidden(
            "role_not_allowed",
            "仅回访员可以对其回访的工单发起回访电话",
            "Only revisit staff may call back about the cases they revisit",
        )


def may_manage_telephony(user: User) -> bool:
    """The IVR menu, the service hours, the blacklist, extensions of other users."""
    return may_administer(user)


def check_manage_telephony(user: User) -> None:
    if not may_manage_telephony(user):
        raise Forbidden(
            "role_not_allowed",
            "仅管理员可以管理话务设置",
            "Only administrators may manage the telephony settings",
        )


def may_see_calls_of_number(user: User) -> bool:
    """A number's earlier calls, with or without a case (the hotline's own records, which no
    department scope covers): the hotline centre's agents and their supervisors."""
    return may_work_phone(user) or may_view_agent_board(user)


def may_view_agent_board(user: User) -> bool:
    return bool(user.role_codes & AGENT_BOARD_ROLES)


def check_view_agent_board(user: User) -> None:
    if not may_view_agent_board(user):
        raise Forbidden(
            "role_not_allowed",
            "仅管理员、督办人员和派单员可以查看坐席状态",
            "Only administrators, the oversight office and dispatchers may view the agents' board",
        )
