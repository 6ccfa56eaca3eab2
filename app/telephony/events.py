"""The case-timeline events telephony writes (case_event.action), with their words.

    satisfaction   the caller's survey key after a call of the case (data: key, channel_id)
    callback       the revisit callback's outcome (data: command_id, outcome, talk_seconds)
    conference     a third party brought into the case's call (data: number, leave, outcome)
    call_transfer  the caller transferred to another skill group (data: group, outcome)
A call's recording is an attachment (`attachment_added`, app/attachments/service.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.extensions import db
from app.models import CaseEvent, User

SATISFACTION = "satisfaction"
CALLBACK = "callback"
CONFERENCE = "conference"
CALL_TRANSFER = "call_transfer"
WORDS = {
    SATISFACTION: ("满意度评价", "Satisfaction"),
    CALLBACK: ("回访电话", "Callback"),
    CONFERENCE: ("三方通话", "Three-way call"),
    CALL_TRANSFER: ("电话转接", "Call transferred"),
}
SATISFACTION_WORDS = {1: ("满意", "Satisfied"), 2: ("基本满意", "Basically satisfied")}
SATISFACTION_WORDS[3] = ("不满意", "Unsatisfied")


def log(
    case_id: int, action: str, by: User, at: datetime, comment: str, data: dict[str, Any]
) -> None:
    """Add the event to the caller's transaction."""
    db.session.add(
        CaseEvent(
            case_id=case_id,
            at=at,
            user_id=by.id,
            action=action,
            from_department_id=by.department_id,
            comment=comment,
            data=data,
        )
    )
