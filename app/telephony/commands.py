"""Commands from the pages to the bridge (table call_command): a revisit callback (回访电话),
a three-way call (三方通话), a warm transfer (转接). A page asks (`request_*`); the bridge's
long poll takes what is waiting (`take`); the bridge's result is recorded on the case's
timeline (`finish`).

Taking is atomic: one UPDATE ... RETURNING marks the commands taken (on PostgreSQL over rows
locked with SKIP LOCKED, so two polls never take the same one). A taken command the bridge
has not finished within TELEPHONY_COMMAND_REOFFER_SECONDS is offered again (the bridge died
with it). The long poll waits in short steps holding no database connection between them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app.auth import policy
from app.clock import clock
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import CallCommand, CallRecord, Case, SkillGroup, User
from app.models.telephony import (
    BUSY,
    CALLBACK_COMMAND,
    CONFERENCE_COMMAND,
    TRANSFER_COMMAND,
    WRAP_UP,
)
from app.telephony import agents, calls, events, settings, states
from app.telephony.transaction import atomic

NUMBER = re.compile(r"^[0-9]{1,20}$")
MAX_WAIT_SECONDS = 25
STEP_SECONDS = 0.5
BATCH = 20
OUTCOME_WORDS = {
    "answered": ("已接通", "answered"),
    "no_answer": ("无人接听", "no answer"),
    "busy": ("忙线", "busy"),
    "failed": ("呼叫失败", "failed"),
    "done": ("已完成", "done"),
}


@dataclass(frozen=True)
class CommandView:
    id: int
    kind: str
    case_id: int
    requested_by: int
    requested_at: datetime
    payload: dict[str, Any]
    taken_at: datetime | None
    finished_at: datetime | None
    outcome: str


def _view(row: CallCommand) -> CommandView:
    return CommandView(
        row.id,
        row.kind,
        row.case_id,
        row.requested_by_id,
        row.requested_at,
        dict(row.payload),
        row.taken_at,
        row.finished_at,
        row.outcome,
    )


def _pending(case: Case, kind: str) -> None:
    found = db.session.scalar(
        select(CallCommand.id).where(
            CallCommand.case_id == case.id,
            CallCommand.kind == kind,
            CallCommand.finished_at.is_(None),
        )
    )
    if found is not None:
        raise Conflict(
            "command_pending",
            "上一个呼叫请求尚未完成",
            "The previous request of this kind is not finished yet",
        )


def _add(kind: str, case: Case, user: User, payload: dict[str, Any]) -> CommandView:
    row = CallCommand(
        kind=kind,
        case_id=case.id,
        requested_by_id=user.id,
        requested_at=clock.now(),
        payload=payload,
    )
    db.session.add(row)
    db.session.commit()
    return _view(row)


@atomic
def request_callback(user: User, case: Case) -> CommandView:
    """The revisit page's 回访电话: the bridge calls the clerk's phone, then the citizen.
    403 for whoever may not call back about the case; 422 `no_extension` (the call starts at
    the clerk's own phone, which must be known: ringing a guessed one could ring a stranger's
    desk) and `no_citizen_phone`; 409 `command_pending` while the previous callback of the case
    is not finished."""
    policy.check_call_back(user, case)
    clerk_endpoint = agents.extension_of(user)
    if clerk_endpoint is None:
        raise Invalid(
            "no_extension",
            "请先在坐席工作台设置您的分机：回访电话从您的话机拨出",
            "Set your extension first (Agent desk → My phone): the call starts at your phone.",
        )
    number = re.sub(r"[^0-9]", "", case.citizen_phone or "")
    if not NUMBER.fullmatch(number):
        raise Invalid(
            "no_citizen_phone", "工单没有可拨打的市民电话", "The case has no phone number to call"
        )
    _pending(case, CALLBACK_COMMAND)
    # The clerk's login too: the callback's call record names who placed it (its agent).
    payload = {"clerk": user.username, "clerk_endpoint": clerk_endpoint, "citizen_number": number}
    return _add(CALLBACK_COMMAND, case, user, payload)


def _live_call_on(user: User, case: Case) -> calls.CallView:
    policy.check_work_phone(user)
    live = calls.live_call_of(user)
    if live is None or live.case_id != case.id:
        raise Conflict(
            "no_live_call",
            "您当前没有该工单的通话",
            "You are not on a call about this case",
        )
    return live


@atomic
def request_conference(user: User, case: Case, number: str, leave: bool) -> CommandView:
    """三方通话: bring `number` (a department's duty phone, a leader) into the agent's live
    call about the case; `leave`: the agent drops out, leaving the two talking. 409
    `no_live_call` when the agent is on no call of this case; 422 `invalid_number`."""
    live = _live_call_on(user, case)
    if not NUMBER.fullmatch(number):
        raise Invalid(
            "invalid_number",
            "号码须为1至20位数字",
            "The number must be 1 to 20 digits",
            field="number",
        )
    _pending(case, CONFERENCE_COMMAND)
    payload = {"channel_id": live.channel_id, "target_number": number, "leave": bool(leave)}
    return _add(CONFERENCE_COMMAND, case, user, payload)


@atomic
def request_transfer(user: User, case: Case, group: str) -> CommandView:
    """转接: the caller of the agent's live call about the case to another skill group's
    queue. 409 `no_live_call`; 422 `unknown_skill_group`."""
    live = _live_call_on(user, case)
    code = db.session.scalar(
        select(SkillGroup.code).where(SkillGroup.code == group, SkillGroup.active.is_(True))
    )
    if code is None:
        raise calls.unknown_skill_group(group)
    _pending(case, TRANSFER_COMMAND)
    return _add(TRANSFER_COMMAND, case, user, {"channel_id": live.channel_id, "group": code})


# --- the bridge's side -----------------------------------------------------------------------


def _take_once(now: datetime) -> list[dict[str, Any]]:
    cutoff = now - timedelta(seconds=int(settings.setting("TELEPHONY_COMMAND_REOFFER_SECONDS")))
    free = CallCommand.finished_at.is_(None) & or_(
        CallCommand.taken_at.is_(None), CallCommand.taken_at < cutoff
    )
    ids = select(CallCommand.id).where(free).order_by(CallCommand.id).limit(BATCH)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    taken = db.session.execute(
        update(CallCommand)
        .where(CallCommand.id.in_(ids.scalar_subquery()), free)
        .values(taken_at=now)
        .returning(CallCommand.id, CallCommand.kind, CallCommand.case_id, CallCommand.payload)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(
        (
            {"id": i, "kind": kind, "case_id": case_id, **payload}
            for i, kind, case_id, payload in taken
        ),
        key=lambda c: c["id"],
    )


def take(wait_seconds: int, by: User) -> list[dict[str, Any]]:
    """The commands waiting (each taken atomically), waiting up to `wait_seconds` (≤ 25) for
    one to arrive. Between looks the session is closed: no pooled connection is held."""
    policy.check_bridge(by)
    deadline = time.monotonic() + min(max(wait_seconds, 0), MAX_WAIT_SECONDS)
    while True:
        found = _take_once(clock.now())
        if found or time.monotonic() >= deadline:
            return found
        db.session.close()  # the connection back to the pool while we sleep
        time.sleep(min(STEP_SECONDS, max(0.0, deadline - time.monotonic())))


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分 {rest} 秒" if minutes else f"{rest} 秒"


@dataclass(frozen=True)
class Finished:
    command: CommandView
    recorded: bool  # False: a repeat, nothing changed


@atomic
def finish(
    command_id: int,
    outcome: str,
    by: User,
    talk_seconds: int | None = None,
    channel_id: str | None = None,
) -> Finished:
    """Record the bridge's result of a command on the case's timeline (committed); a repeat
    answers as the first did and changes nothing. 404 `command_not_found`."""
    policy.check_bridge(by)
    row = db.session.scalar(
        select(CallCommand).where(CallCommand.id == command_id).with_for_update()
    )
    if row is None:
        raise NotFound("command_not_found", "呼叫请求不存在", "No such command")
    if row.finished_at is not None:
        return Finished(_view(row), False)
    now = clock.now()
    row.finished_at, row.outcome = now, outcome
    result: dict[str, Any] = {}
    if talk_seconds is not None:
        result["talk_seconds"] = talk_seconds
    if channel_id is not None:
        result["channel_id"] = channel_id
    row.result = result
    zh, en = OUTCOME_WORDS[outcome]
    talk = f"，通话 {_duration(talk_seconds)}" if talk_seconds else ""
    data: dict[str, Any] = {"command_id": row.id, "outcome": outcome, "en": en, **result}
    if row.kind == CALLBACK_COMMAND:
        action, comment = events.CALLBACK, f"回访电话：{zh}{talk}"
        data["citizen_number"] = row.payload.get("citizen_number")
    elif row.kind == CONFERENCE_COMMAND:
        number = row.payload.get("target_number")
        leave = "，坐席退出" if row.payload.get("leave") else ""
        action, comment = events.CONFERENCE, f"三方通话：接入 {number}（{zh}{leave}）{talk}"
        data.update(number=number, leave=row.payload.get("leave"))
    else:
        group = row.payload.get("group")
        name = db.session.scalar(select(SkillGroup.name).where(SkillGroup.code == group))
        action, comment = events.CALL_TRANSFER, f"电话转接：转至 {name or group}（{zh}）"
        data["group"] = group
    requester = db.session.get(User, row.requested_by_id)
    events.log(row.case_id, action, requester or by, now, comment, data)
    _agent_left(row, outcome, now)
    db.session.commit()
    return Finished(_view(row), True)


def _agent_left(row: CallCommand, outcome: str, now: datetime) -> None:
    """A transfer carried out, or a three-way call the agent left: the caller talks on without
    them, so their wrap-up starts now, not when the caller hangs up."""
    left = row.kind == TRANSFER_COMMAND or (
        row.kind == CONFERENCE_COMMAND and bool(row.payload.get("leave"))
    )
    if not left or outcome not in ("answered", "done"):
        return
    call_id = db.session.scalar(
        select(CallRecord.id).where(CallRecord.channel_id == row.payload.get("channel_id"))
    )
    state = states.row_of(row.requested_by_id, lock=True)
    if state is not None and state.state == BUSY and state.call_id == call_id:
        states.move(row.requested_by_id, WRAP_UP, now, call_id)
