"""Cases with their denormalised columns, the open-task index and the append-only event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.vocabulary import CLOSED, REPLIED, STATUSES  # noqa: F401 (STATUSES: read from here)

# Status words: the one registry is app/vocabulary.py (diagrams' tasks are checked against it).
FINISHED = (REPLIED, CLOSED)  # no deadline runs any more

# Rows that can be overdue: flagged, or still open (a running deadline). About a tenth of the
# cases; the overdue list reads them in created_at order from a partial index. The rule is
# app/deadlines/overdue.py (`may_be_overdue`, held equal to these texts by a test); statuses
# are literals, which is what lets the planner match the predicate.
_FINISHED_LITERALS = ", ".join(f"'{s}'" for s in FINISHED)
_CASE_MAY_BE_OVERDUE = text(f"overdue OR status NOT IN ({_FINISHED_LITERALS})")
_SCOPE_MAY_BE_OVERDUE = text("overdue OR due_at IS NOT NULL")


class Case(Model):
    __tablename__ = "hotline_case"
    __table_args__ = (
        # An intake key is unique per accepting user (app/cases/idempotency.py): the same key
        # from another user is another key. NULL keys (most cases) never collide.
        UniqueConstraint("accepted_by_id", "idempotency_key", name="uq_case_idempotency"),
        Index("ix_case_status_created", "status", "created_at"),
        Index("ix_case_dept_status", "current_department_id", "status"),
        Index("ix_case_overdue_due", "overdue", "handle_due_at"),
        Index("ix_case_handle_due_id", "handle_due_at", "id"),
        Index(
            "ix_case_may_be_overdue_created",
            "created_at",
            "id",
            postgresql_where=_CASE_MAY_BE_OVERDUE,
            postgresql_include=[
                "overdue",
                "status",
                "clock_paused_at",
                "sign_due_at",
                "handle_due_at",
            ],
            sqlite_where=_CASE_MAY_BE_OVERDUE,
        ),
        # Search `q` (PostgreSQL; plain indexes elsewhere): number prefix, fragments of phone,
        # content and citizen name.
        Index("ix_case_number_pattern", "number", postgresql_ops={"number": "varchar_pattern_ops"}),
        *(
            Index(
                name,
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
            for name, column in (
                ("ix_case_phone_trgm", "citizen_phone"),
                ("ix_case_content_trgm", "content"),
                ("ix_case_name_trgm", "citizen_name"),
            )
        ),
        # Likely repeats (app/cases/repeats.py): cases at an address starting with a prefix,
        # accepted in the last days.
        Index(
            "ix_case_address_key_created",
            "address_key",
            "created_at",
            postgresql_ops={"address_key": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    query_password_hash: Mapped[str] = mapped_column(String(255))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # sha256 of the intake body the key came with: a replay must send the same body.
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))

    channel: Mapped[str] = mapped_column(String(16))
    citizen_name: Mapped[str] = mapped_column(String(100))
    citizen_phone: Mapped[str] = mapped_column(String(32), index=True)
    citizen_address: Mapped[str] = mapped_column(String(255), default="")
    # The address as the repeat check compares it (app/cases/repeats.py `address_key`): set at
    # intake; empty for cases accepted before it existed (older than the repeat window).
    address_key: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # 保密: the citizen's name and phone are shown only to the roles app/auth/policy.py
    # `sees_citizen` names, everywhere a case is shown or searched.
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false())
    content: Mapped[str] = mapped_column(Text)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_type.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    priority: Mapped[str] = mapped_column(String(16))
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column()

    # Denormalised from the workflow on every step; queries read these, never the workflow.
    # Indexed by ix_case_status_created, which leads with it.
    status: Mapped[str] = mapped_column(String(16))
    current_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    answered: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str] = mapped_column(Text, default="")
    reply_text: Mapped[str] = mapped_column(Text, default="")
    reply_result: Mapped[str] = mapped_column(String(32), default="")
    replied_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    satisfaction: Mapped[str] = mapped_column(String(32), default="")

    # Clocks. Sign-for restarts at each level; handling runs once per round; revisit after reply.
    sign_due_at: Mapped[datetime | None] = mapped_column()
    handle_started_at: Mapped[datetime | None] = mapped_column()
    handle_due_at: Mapped[datetime | None] = mapped_column()
    revisit_due_at: Mapped[datetime | None] = mapped_column()
    clock_paused_at: Mapped[datetime | None] = mapped_column()
    overdue: Mapped[bool] = mapped_column(default=False)
    escalated: Mapped[bool] = mapped_column(default=False)
    # Urges (催办, app/oversight/urges.py): how many, and the last one's time, for the 催 mark
    # of the inbox. Written only by urges, never by a step.
    urge_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_urged_at: Mapped[datetime | None] = mapped_column()

    return_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    revisit_tries: Mapped[int] = mapped_column(default=0)

    # Read-only view of the case's open-task rows, so that a step loads case and tasks in one
    # query; rows are added and deleted through OpenTask itself.
    open_tasks: Mapped[list[OpenTask]] = relationship(viewonly=True, lazy="raise")


class OpenTask(Model):
    """One row per ready user task: the inbox is a query over this table."""

    __tablename__ = "open_task"
    __table_args__ = (
        Index("ix_open_task_dept_due", "department_id", "due_at"),
        # A centre's work lists ask for one task name at a time (its dispatch queue among tens
        # of thousands of revisit tasks): app/cases/worklists.py.
        Index("ix_open_task_dept_task_due", "department_id", "task_name", "due_at"),
        Index("ix_open_task_from_dept", "from_department_id"),
        # The scheduler's deadline scans: ranges of due times over every department.
        Index(
            "ix_open_task_due",
            "due_at",
            postgresql_where=text("due_at IS NOT NULL"),
            postgresql_include=["case_id", "clock", "department_id", "task_uuid"],
            sqlite_where=text("due_at IS NOT NULL"),
        ),
        UniqueConstraint("case_id", "task_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"))  # led by the unique key
    task_uuid: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    clock: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()


class CaseDepartment(Model):
    """Every department a case has been sent to: the scope index for department users.

    It also carries copies of the case columns that scoped lists filter and sort on (status,
    intake time, overdue flag, running deadline, case type, channel), so that a department's
    list is read from this table's indexes alone: app/cases/scope_index.py keeps them equal to
    the case's.
    """

    __tablename__ = "case_department"
    __table_args__ = (
        Index("ix_case_department_dept_case", "department_id", "case_id"),
        Index(
            "ix_case_department_dept_created",
            "department_id",
            "created_at",
            "case_id",
            postgresql_include=["status", "overdue", "due_at"],
        ),
        Index(
            "ix_case_department_may_be_overdue",
            "department_id",
            "created_at",
            "case_id",
            postgresql_where=_SCOPE_MAY_BE_OVERDUE,
            postgresql_include=["status", "overdue", "due_at"],
            sqlite_where=_SCOPE_MAY_BE_OVERDUE,
        ),
        Index(
            "ix_case_department_dept_type_created",
            "department_id",
            "case_type_id",
            "created_at",
            "case_id",
            postgresql_include=["status", "overdue", "due_at"],
        ),
        Index(
            "ix_case_department_dept_channel_created",
            "department_id",
            "channel",
            "created_at",
            "case_id",
            postgresql_include=["status", "overdue", "due_at"],
        ),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), primary_key=True)
    # Led by every ix_case_department_dept_* index.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)
    # Copies of the case's columns (NULL only between the row's insert and the flush of its case).
    status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None] = mapped_column()
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The earliest of sign_due_at / handle_due_at while one runs (open, clock not paused), else
    # NULL: the case is overdue when `overdue OR due_at < now` (app/deadlines/overdue.py).
    due_at: Mapped[datetime | None] = mapped_column()
    # Set at intake and never changed: copied for the type and channel filters (a copy, so no
    # foreign key of its own; the case row holds the reference).
    case_type_id: Mapped[int | None] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(16))


def _acting_department(context: Any) -> int | None:
    return context.get_current_parameters().get("from_department_id")


class CaseEvent(Model):
    """Append-only log: who did what to a case, when, from where to where (a dispatch's row
    also gets its outcome, `signed_on_time`, when it is signed for).

    What the measures count (app/reports/measures.py) is in columns beside `data`, written
    when the step is logged (app/cases/unit_of_work.py), so that a month's counts read an
    index and never the JSON of each of its steps: the department the step counts for
    (`measured_department_id`), `on_time` of a sign or reply, `revisit_result` and `resolved`
    of a revisit. `data` keeps the outcomes too, for the timeline."""

    __tablename__ = "case_event"
    __table_args__ = (
        # The reports' measures count steps of a period by action: a range of this index per
        # action, read alone (PostgreSQL: an index-only scan; the columns the counts read are
        # included), not the rows of every step.
        Index(
            "ix_case_event_action_at",
            "action",
            "at",
            postgresql_include=[
                "measured_department_id",
                "signed_on_time",
                "on_time",
                "revisit_result",
                "resolved",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    # A dispatch (transfer) its target department has since signed for on time: set by that
    # sign (app/cases/step.py), so the 按时签收率 measure reads the dispatch's row alone
    # instead of looking up a later sign for each of a month's dispatches.
    signed_on_time: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The department the measures count the step for (app/cases/unit_of_work.py
    # `measured_department`); a step written elsewhere (urges, calls...) counts for the acting
    # user's department.
    measured_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id"), default=_acting_department
    )
    # A sign or reply within its limit (NULL: any other step).
    on_time: Mapped[bool | None] = mapped_column()
    # A revisit's answer (satisfied, basically_satisfied, unsatisfied, unreachable) and
    # whether the citizen said the problem was resolved (NULL: any other step).
    revisit_result: Mapped[str | None] = mapped_column(String(32))
    resolved: Mapped[bool | None] = mapped_column()


class CaseNumberCounter(Model):
    """Per-day sequence behind the readable case number 20261122-000123."""

    __tablename__ = "case_number_counter"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column()
