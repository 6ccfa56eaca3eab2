"""Leader instructions (批示): a leader writes an instruction on a case of the departments they
oversee (app/auth/policy.py: their scope); it shows at the top of the case, is notified to the
handling department (kind "instruction"), and is read by it: a desk user of that department
opening the case, or pressing "read", marks it read by them (once, with the time). The leader
sees who read it and when. Nothing here touches the case's flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.auth import policy
from app.clock import clock
from app.errors import NotFound
from app.extensions import db
from app.models import Case, CaseEvent, Department, Instruction, InstructionRead, User
from app.notifications.service import notify
from app.oversight import cases, messages

INSTRUCTION_EVENT = "instruction"


@dataclass(frozen=True)
class Reader:
    user_id: int
    name: str
    read_at: datetime


@dataclass(frozen=True)
class Shown:
    """An instruction as the case shows it."""

    id: int
    text: str
    leader: str
    at: datetime
    department_id: int
    department: str
    readers: list[Reader]
    read_by_me: bool
    may_mark_read: bool


def write(case_id: int, text: str, *, by: User, client_ip: str = "") -> Instruction:
    """The leader's instruction on a case of their scope (404 outside it)."""
    policy.check_instruct(by)
    text = messages.clean(text, field="text")
    case = cases.visible(by, case_id)
    dept_id = cases.handling_department(case)
    now = clock.now()
    row = Instruction(
        case_id=case.id, user_id=by.id, department_id=dept_id, text=text, created_at=now
    )
    try:
        db.session.add(row)
        db.session.flush()
        db.session.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                user_id=by.id,
                action=INSTRUCTION_EVENT,
                from_department_id=by.department_id,
                to_department_id=dept_id,
                comment=text,
                data={"instruction_id": row.id},
                client_ip=client_ip,
            )
        )
        notify(
            "instruction",
            departments=[dept_id],
            case_id=case.id,
            body=text,
            data={"instruction_id": row.id},
            at=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return row


def _unread_for(user: User, case_id: int, instruction_id: int | None = None) -> list[Instruction]:
    query = select(Instruction).where(
        Instruction.case_id == case_id,
        Instruction.department_id == user.department_id,
        ~select(InstructionRead.user_id)
        .where(
            InstructionRead.instruction_id == Instruction.id,
            InstructionRead.user_id == user.id,
        )
        .exists(),
    )
    if instruction_id is not None:
        query = query.where(Instruction.id == instruction_id)
    return list(db.session.scalars(query))


def mark_read(user: User, case: Case, instruction_id: int | None = None) -> int:
    """Mark the case's instructions (or one) read by `user`, when they are desk staff of the
    department each is addressed to; returns how many it marked. Reading again changes
    nothing (the first time stays)."""
    if not (user.role_codes & policy.DESK_ROLES):
        return 0
    unread = _unread_for(user, case.id, instruction_id)
    if not unread:
        return 0
    now = clock.now()
    try:
        for row in unread:
            db.session.add(InstructionRead(instruction_id=row.id, user_id=user.id, read_at=now))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return len(unread)


def press_read(user: User, case_id: int, instruction_id: int) -> int:
    """The "read" button: 404 for an instruction not on this case; 403 for a user not of the
    department it is addressed to."""
    case = cases.visible(user, case_id)
    row = db.session.get(Instruction, instruction_id)
    if row is None or row.case_id != case.id:
        raise NotFound("instruction_not_found", "批示不存在", "No such instruction")
    policy.check_department_staff(user, row.department_id)
    return mark_read(user, case, instruction_id)


def shown(user: User, case: Case) -> list[Shown]:
    """The case's instructions, newest first, with who of the department read them when."""
    rows = db.session.execute(
        select(Instruction, User.display_name, Department.name)
        .join(User, User.id == Instruction.user_id)
        .join(Department, Department.id == Instruction.department_id)
        .where(Instruction.case_id == case.id)
        .order_by(Instruction.id.desc())
    ).all()
    if not rows:
        return []
    reads: dict[int, list[Reader]] = {}
    for read, name in db.session.execute(
        select(InstructionRead, User.display_name)
        .join(User, User.id == InstructionRead.user_id)
        .where(InstructionRead.instruction_id.in_([r[0].id for r in rows]))
        .order_by(InstructionRead.read_at, InstructionRead.user_id)
    ):
        reads.setdefault(read.instruction_id, []).append(Reader(read.user_id, name, read.read_at))
    out = []
    for row, leader, dept in rows:
        readers = reads.get(row.id, [])
        out.append(
            Shown(
                id=row.id,
                text=row.text,
                leader=leader,
                at=row.created_at,
                department_id=row.department_id,
                department=dept,
                readers=readers,
                read_by_me=any(r.user_id == user.id for r in readers),
                may_mark_read=policy.is_department_staff(user, row.department_id),
            )
        )
    return out
