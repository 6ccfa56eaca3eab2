"""Supervision orders (督办): the oversight office orders the handling department of a case to
report by a feedback date; the department answers; unanswered past the date, the order turns
overdue (`mark_overdue`, a scheduler job) and the oversight page lists it.

Each write is one transaction with its CaseEvent (`supervise`, `supervision_answer`,
`supervision_overdue`) and its notification (kind "supervision"); none touches the flow.
The feedback date is a working day (the city's calendar, app/deadlines); the order is due at
the end of its working hours.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import select, update

from app.auth import policy
from app.clock import clock
from app.deadlines import overdue
from app.deadlines import service as deadlines
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import CaseEvent, SupervisionOrder, User
from app.notifications.service import notify
from app.oversight import cases, messages

ORDER_EVENT = "supervise"
ANSWER_EVENT = "supervision_answer"
OVERDUE_EVENT = "supervision_overdue"
MAX_FEEDBACK_DAYS = 60  # working days: a later date is a slip of the pen, not an order
State = Literal["open", "answered", "overdue"]


def state_of(order: SupervisionOrder, now: datetime) -> State:
    """open, answered, or overdue (unanswered past its date, flagged by the scan or not)."""
    if order.answered_at is not None:
        return "answered"
    if order.overdue or overdue.passed(order.feedback_due_at, now):
        return "overdue"
    return "open"


def feedback_due(
    now: datetime, *, feedback_date: date | None = None, feedback_days: int | None = None
) -> datetime:
    """When an order falls due: the end of working hours of the feedback date, given as a date
    or as working days from now. 422 with the field marked for a date that is past, not a
    working day, or too far, and when neither or both are given."""
    cal = deadlines.work_calendar()
    if (feedback_date is None) == (feedback_days is None):
        raise Invalid(
            "feedback_date_required",
            "请填写反馈期限（日期或工作日数，二选一）",
            "Give the feedback date or the number of working days, one of them",
            field="feedback_date",
        )
    if feedback_days is not None:
        if not 1 <= feedback_days <= MAX_FEEDBACK_DAYS:
            raise Invalid(
                "feedback_days_out_of_range",
                f"反馈期限应为 1 至 {MAX_FEEDBACK_DAYS} 个工作日",
                f"The feedback time is 1 to {MAX_FEEDBACK_DAYS} working days",
                field="feedback_days",
            )
        feedback_date = cal.add_working_days(now, feedback_days).date()
    assert feedback_date is not None
    due = datetime.combine(feedback_date, cal.day_end)
    if due <= now:
        raise Invalid(
            "feedback_date_past",
            "反馈期限不能早于当前时间",
            "The feedback date is in the past",
            field="feedback_date",
        )
    if not cal.is_working_day(feedback_date):
        raise Invalid(
            "feedback_date_not_working_day",
            "反馈期限应为工作日",
            "The feedback date is not a working day",
            field="feedback_date",
        )
    if feedback_date > cal.add_working_days(now, MAX_FEEDBACK_DAYS).date():
        raise Invalid(
            "feedback_days_out_of_range",
            f"反馈期限不能超过 {MAX_FEEDBACK_DAYS} 个工作日",
            f"The feedback date is more than {MAX_FEEDBACK_DAYS} working days away",
            field="feedback_date",
        )
    return due


def order(
    case_id: int,
    message: str,
    *,
    by: User,
    feedback_date: date | None = None,
    feedback_days: int | None = None,
    client_ip: str = "",
) -> SupervisionOrder:
    """Order the case's handling department to report by the feedback date (督办)."""
    policy.check_oversee(by)
    message = messages.clean(message)
    now = clock.now()
    due = feedback_due(now, feedback_date=feedback_date, feedback_days=feedback_days)
    case = cases.visible(by, case_id)
    dept_id = cases.handling_department(case)
    row = SupervisionOrder(
        case_id=case.id,
        department_id=dept_id,
        message=message,
        feedback_due_at=due,
        created_at=now,
        created_by_id=by.id,
    )
    try:
        db.session.add(row)
        db.session.flush()
        _event(case.id, ORDER_EVENT, now, by, dept_id, message, row, client_ip)
        notify(
            "supervision",
            departments=[dept_id],
            case_id=case.id,
            body=message,
            data={"order_id": row.id, "feedback_due_at": due.isoformat()},
            at=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return row


def get_order(user: User, case_id: int, order_id: int) -> SupervisionOrder:
    """An order of a case the user may see; 404 otherwise."""
    case = cases.visible(user, case_id)
    row = db.session.get(SupervisionOrder, order_id)
    if row is None or row.case_id != case.id:
        raise NotFound("order_not_found", "督办件不存在", "No such supervision order")
    return row


def answer(
    case_id: int, order_id: int, text: str, *, by: User, client_ip: str = ""
) -> SupervisionOrder:
    """The ordered department's answer (反馈). Only its desk staff; once."""
    row = get_order(by, case_id, order_id)
    policy.check_department_staff(by, row.department_id)
    text = messages.clean(text, field="answer")
    if row.answered_at is not None:
        raise Invalid(
            "order_answered", "该督办件已反馈", "This order has been answered", field="answer"
        )
    now = clock.now()
    try:
        row.answer, row.answered_at, row.answered_by_id = text, now, by.id
        _event(row.case_id, ANSWER_EVENT, now, by, row.department_id, text, row, client_ip)
        if row.created_by_id is not None:
            notify(
                "supervision",
                users=[row.created_by_id],
                case_id=row.case_id,
                body=text,
                data={"order_id": row.id, "answered": True},
                at=now,
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return row


def _event(
    case_id: int,
    action: str,
    at: datetime,
    by: User | None,
    dept_id: int,
    text: str,
    row: SupervisionOrder,
    client_ip: str,
) -> None:
    db.session.add(
        CaseEvent(
            case_id=case_id,
            at=at,
            user_id=by.id if by else None,
            action=action,
            from_department_id=by.department_id if by else None,
            to_department_id=dept_id,
            comment=text,
            data={"order_id": row.id, "feedback_due_at": row.feedback_due_at.isoformat()},
            client_ip=client_ip,
        )
    )


def mark_overdue(now: datetime | None = None) -> int:
    """Flag the unanswered orders past their feedback date, once each (idempotent: a second
    run, or a second process, finds none left to flag). Stamped with the feedback time.
    Returns how many it flagged."""
    now = now or clock.now()
    due = db.session.scalars(
        select(SupervisionOrder)
        .where(
            SupervisionOrder.answered_at.is_(None),
            SupervisionOrder.overdue.is_(False),
            SupervisionOrder.feedback_due_at < now,
        )
        .order_by(SupervisionOrder.id)
    ).all()
    flagged = 0
    try:
        for row in due:
            # The guarded UPDATE is the claim: another process that flagged it first wins.
            claimed = db.session.execute(
                update(SupervisionOrder)
                .where(
                    SupervisionOrder.id == row.id,
                    SupervisionOrder.overdue.is_(False),
                    SupervisionOrder.answered_at.is_(None),
                )
                .values(overdue=True, overdue_at=row.feedback_due_at)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            flagged += 1
            _event(
                row.case_id,
                OVERDUE_EVENT,
                row.feedback_due_at,
                None,
                row.department_id,
                row.message,
                row,
                "",
            )
            notify(
                "supervision",
                departments=[row.department_id],
                users=[row.created_by_id] if row.created_by_id else (),
                case_id=row.case_id,
                body=row.message,
                data={"order_id": row.id, "overdue": True},
                at=row.feedback_due_at,
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return flagged


def run(now: datetime | None = None) -> int:
    """The scheduler's job: `mark_overdue` at the clock's time."""
    return mark_overdue(now)


def orders_of_case(case_id: int) -> list[SupervisionOrder]:
    return list(
        db.session.scalars(
            select(SupervisionOrder)
            .where(SupervisionOrder.case_id == case_id)
            .order_by(SupervisionOrder.id)
        )
    )
