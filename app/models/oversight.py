"""The oversight office's and leaders' records on cases: supervision orders (督办), leader
instructions (批示) and who read them, the escalation ladder's rules and the steps it took.

None of them touches a case's flow: the workflow state, open tasks and due times are the
steps' alone (app/cases); these rows sit beside the case and its event log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

MESSAGE_MAX = 1000  # characters of an urge's, order's, answer's or instruction's text


class SupervisionOrder(Model):
    """督办: an order on a case to a department, which must answer by a feedback date."""

    __tablename__ = "supervision_order"
    # The overdue scan reads the unanswered, not yet overdue orders by feedback time.
    __table_args__ = (
        Index("ix_supervision_open_due", "answered_at", "overdue", "feedback_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    # The department ordered to answer: the case's handling department when it was ordered.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    feedback_due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Set once by app/oversight/supervision.py `mark_overdue` when unanswered past its date.
    overdue: Mapped[bool] = mapped_column(default=False)
    overdue_at: Mapped[datetime | None] = mapped_column()


class Instruction(Model):
    """批示: a leader's instruction on a case, for its handling department."""

    __tablename__ = "instruction"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # The handling department when it was written: its users' reading marks it read.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class InstructionRead(Model):
    """Who of the handling department read an instruction, and when (first time only)."""

    __tablename__ = "instruction_read"

    instruction_id: Mapped[int] = mapped_column(ForeignKey("instruction.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column()


class LadderRule(Model):
    """One rung of the escalation ladder, as the oversight office wrote it and as parsed
    (app/oversight/rules.py): its step, and how far before or after the handling deadline."""

    __tablename__ = "ladder_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    step: Mapped[str] = mapped_column(String(16), unique=True)  # urge, notice, notice_list
    amount: Mapped[int] = mapped_column()
    unit: Mapped[str] = mapped_column(String(16))  # working_days, working_hours
    direction: Mapped[str] = mapped_column(String(8))  # before, after (the deadline)
    text: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class LadderStep(Model):
    """A ladder step taken on a case: the unique key makes each step happen once per case and
    handling deadline, however often or from however many processes the ladder runs."""

    __tablename__ = "ladder_step"
    __table_args__ = (
        UniqueConstraint("case_id", "step", "deadline_at", name="uq_ladder_step_case_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"))
    step: Mapped[str] = mapped_column(String(16))
    deadline_at: Mapped[datetime] = mapped_column()  # the handling deadline it counted from
    due_at: Mapped[datetime] = mapped_column()  # when the step was due (its events' time)
    taken_at: Mapped[datetime] = mapped_column()  # when the ladder ran it
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
