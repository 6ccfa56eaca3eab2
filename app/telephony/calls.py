"""A call's record (通话记录): the bridge's repeated PUTs merged into one row, and what the
pages read of a case's calls and of a number's earlier calls.

The merge rule (the one home of it): a moment or field once set is never changed by a later
PUT, so a replayed or reordered PUT changes nothing; `ivr_path` only grows (a longer path that
starts with the stored one replaces it). The moments must stay in order (started ≤ queued ≤
answered ≤ ended); a PUT that would break it is refused whole. A record an offer made before
the first PUT arrived (`placeholder`) takes that PUT's direction, started_at and queued_at.

Side effects, in the same transaction (agents' states for every call but a revisit callback,
whose clerk answers no queue):
- answered with an agent → the agent is busy on this call;
- ended → the agent who answered goes to wrap-up (since ended_at); an agent whose phone was
  ringing for it (offered, never answered) is ready again;
- the call has a case and a satisfaction key → a `satisfaction` event on the case's timeline
  (once), and its recording is attached to the case (app/telephony/recordings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy import case as case_when
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.auth import policy
from app.cases.contacts import phone_variants
from app.clock import clock
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import AgentState, CallRecord, CallRecording, Case, SkillGroup, User
from app.models.telephony import (
    BUSY,
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_OFFERED,
    CALLBACK,
    INBOUND,
    READY,
    WRAP_UP,
)
from app.telephony import events, recordings, states
from app.telephony.transaction import atomic

MOMENTS = ("started_at", "queued_at", "answered_at", "ended_at")
CHANNEL_PATTERN = r"^[A-Za-z0-9._-]{1,150}$"


@dataclass
class CallUpdate:
    """What one PUT says of a call; None (or "") for what it does not say."""

    direction: str | None = None
    caller: str = ""
    called: str = ""
    started_at: datetime | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    skill_group: str | None = None
    agent: str | None = None
    hangup_cause: int | None = None
    satisfaction: int | None = None
    ivr_path: str = ""
    case_id: int | None = None
    recording: str = ""


@dataclass(frozen=True)
class Recorded:
    call: CallRecord
    created: bool


def unknown_skill_group(code: str, status: int = 422) -> Invalid:
    return Invalid(
        "unknown_skill_group",
        "技能组不存在或已停用",
        f"No active skill group '{code}'",
        status=status,
        field="skill_group",
    )


def call_not_found() -> NotFound:
    return NotFound("call_not_found", "通话记录不存在", "No call with this channel id")


def _refs(update: CallUpdate) -> tuple[int | None, int | None]:
    """The skill group's and the agent's ids the update names (422 for unknown ones); the
    case it names must exist."""
    group_id = agent_id = None
    if update.skill_group is not None:
        group_id = db.session.scalar(
            select(SkillGroup.id).where(
                SkillGroup.code == update.skill_group, SkillGroup.active.is_(True)
            )
        )
        if group_id is None:
            raise unknown_skill_group(update.skill_group)
    if update.agent is not None:
        agent_id = db.session.scalar(
            select(User.id).where(User.username == update.agent, User.active.is_(True))
        )
        if agent_id is None:
            raise Invalid(
                "unknown_agent", "坐席不存在", f"No agent '{update.agent}'", field="agent"
            )
    if update.case_id is not None and not db.session.scalar(
        select(Case.id).where(Case.id == update.case_id)
    ):
        raise Invalid("unknown_case", "工单不存在", f"No case {update.case_id}", field="case_id")
    return group_id, agent_id


def insert_once(**values: object) -> bool:
    """Insert a call record unless its channel id has one (no error either way); True when
    this statement inserted it."""
    row = {"caller": "", "called": "", "recording": "", "ivr_path": "", "placeholder": False}
    row.update(values)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(CallRecord).values(**row).on_conflict_do_nothing(index_elements=["channel_id"])
    )
    done = db.session.execute(statement)
    return bool(done.rowcount)  # type: ignore[attr-defined]  # a DML result's count


def find(channel_id: str) -> CallRecord:
    """The call's record, locked for the rest of the transaction; 404 `call_not_found`."""
    call = _locked(channel_id)
    if call is None:
        raise call_not_found()
    return call


def _locked(channel_id: str) -> CallRecord | None:
    return db.session.scalar(
        select(CallRecord).where(CallRecord.channel_id == channel_id).with_for_update()
    )


@atomic
def record(channel_id: str, update: CallUpdate, by: User) -> Recorded:
    """Record what the bridge says of a call (idempotent upsert), committed."""
    policy.check_bridge(by)
    group_id, agent_id = _refs(update)
    call = _locked(channel_id)
    created = False
    if call is None:
        if update.started_at is None:
            raise Invalid(
                "started_at_required",
                "新通话须提供开始时间",
                "A new call needs started_at",
                field="started_at",
            )
        # Of two concurrent first PUTs one inserts; the other finds its row, locked.
        created = insert_once(
            channel_id=channel_id,
            direction=update.direction or INBOUND,
            started_at=update.started_at,
        )
        call = _locked(channel_id)
        assert call is not None
    fresh = _merge(call, update, group_id, agent_id)
    _side_effects(call, fresh, by)
    db.session.commit()
    return Recorded(call, created)


def _merge(
    call: CallRecord, update: CallUpdate, group_id: int | None, agent_id: int | None
) -> set[str]:
    """Apply the merge rule; returns the names of the fields this update set."""
    wanted: dict[str, object] = {}
    if call.placeholder:
        for name in ("started_at", "queued_at"):
            given = getattr(update, name)
            if given is not None:
                wanted[name] = given
        if update.direction:
            wanted["direction"] = update.direction
        wanted["placeholder"] = False
    for name in MOMENTS:
        given = getattr(update, name)
        if given is not None and getattr(call, name) is None:
            wanted[name] = given
    for name in ("caller", "called", "recording"):
        given = getattr(update, name)
        if given and not getattr(call, name):
            wanted[name] = given
    for name, given in (
        ("hangup_cause", update.hangup_cause),
        ("satisfaction", update.satisfaction),
        ("case_id", update.case_id),
        ("skill_group_id", group_id),
        ("agent_id", agent_id),
    ):
        if given is not None and getattr(call, name) is None:
            wanted[name] = given
    if update.ivr_path.startswith(call.ivr_path) and len(update.ivr_path) > len(call.ivr_path):
        wanted["ivr_path"] = update.ivr_path
    _check_order({m: wanted.get(m, getattr(call, m)) for m in MOMENTS})
    for name, value in wanted.items():
        setattr(call, name, value)
    if wanted:
        call.derive_durations()
        db.session.flush()
    return {name for name in wanted if name != "placeholder"}


def _check_order(moments: dict[str, Any]) -> None:
    seen: list[tuple[str, datetime]] = []
    for name in MOMENTS:
        value = moments[name]
        if value is None:
            continue
        for earlier, at in seen:
            if value < at:
                raise Invalid(
                    "moments_out_of_order",
                    "通话时间顺序不正确",
                    f"{name} is before {earlier}",
                    field=name,
                )
        seen.append((name, value))


def _side_effects(call: CallRecord, fresh: set[str], by: User) -> None:
    # A revisit callback's clerk is no queue's agent: their state is not the ACD's.
    queue_call = call.direction != CALLBACK
    if (
        queue_call
        and "answered_at" in fresh
        and call.agent_id is not None
        and call.ended_at is None
    ):
        assert call.answered_at is not None
        states.move(call.agent_id, BUSY, call.answered_at, call.id)
    if "ended_at" in fresh and queue_call:
        _release_agents(call)
    if call.case_id is not None and fresh & {"case_id", "satisfaction"}:
        on_case_linked(call, by, satisfaction_only="case_id" not in fresh)


def _release_agents(call: CallRecord) -> None:
    """The call ended: its answering agent to wrap-up, an agent still ringing to ready."""
    assert call.ended_at is not None
    rows = db.session.scalars(
        select(AgentState).where(AgentState.call_id == call.id, AgentState.state == BUSY)
    ).all()
    answered_by = call.agent_id if call.answered_at is not None else None
    for row in rows:
        if row.user_id == answered_by:
            states.move(row.user_id, WRAP_UP, call.ended_at, call.id)
        else:
            states.move(row.user_id, READY, clock.now(), None)
    if answered_by is not None and all(r.user_id != answered_by for r in rows):
        # The PUT that says answered and ended at once (a replayed pair): wrap-up if the
        # agent's state is still on this call, else leave their newer state alone.
        db.session.execute(
            update(AgentState)
            .where(AgentState.user_id == answered_by, AgentState.call_id == call.id)
            .values(state=WRAP_UP, since=call.ended_at)
            .execution_options(synchronize_session=False)
        )


def on_case_linked(call: CallRecord, by: User, satisfaction_only: bool = False) -> None:
    """The call has its case: its satisfaction on the case's timeline, its recording
    attached (unless only the satisfaction is new)."""
    assert call.case_id is not None
    now = clock.now()
    if call.satisfaction is not None:
        zh, en = events.SATISFACTION_WORDS[call.satisfaction]
        events.log(
            call.case_id,
            events.SATISFACTION,
            by,
            now,
            f"来电满意度：{zh}",
            {"key": call.satisfaction, "channel_id": call.channel_id, "en": en},
        )
    if not satisfaction_only:
        recordings.attach_pending(call, by)


# --- what the pages read ---------------------------------------------------------------------


@dataclass(frozen=True)
class CallView:
    id: int
    channel_id: str
    direction: str
    caller: str
    called: str
    started_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    skill_group: str | None  # the group's code
    skill_group_name: str | None
    agent: str | None  # the answering agent's username
    agent_name: str | None
    wait_seconds: int | None
    talk_seconds: int | None
    satisfaction: int | None
    hangup_cause: int | None
    case_id: int | None
    recording_url: str | None  # the case page's download of the recording, None: none
    live: bool  # not ended yet
    # What became of the call (the measures' words, app/models/telephony.py): answered,
    # abandoned (hung up in the queue), waiting (in the queue now), self_service (ended in
    # the menu or never queued: an outbound call too), live (in the menu now).
    outcome: str


# A call's outcome, by the clauses the measures count calls by.
_OUTCOME = case_when(
    (CALL_ANSWERED, "answered"),
    (CALL_ABANDONED, "abandoned"),
    (CALL_OFFERED, "waiting"),
    (CallRecord.ended_at.is_(None), "live"),
    else_="self_service",
)
NUMBER_CALLS_LIMIT = 10  # the intake page's earlier calls of a number


def _views(where, newest_first: bool = False, limit: int | None = None) -> list[CallView]:
    agent = User.__table__.alias("agent")
    rows = db.session.execute(
        select(
            CallRecord,
            SkillGroup.code,
            SkillGroup.name,
            agent.c.username,
            agent.c.display_name,
            CallRecording.attachment_id,
            _OUTCOME,
        )
        .outerjoin(SkillGroup, SkillGroup.id == CallRecord.skill_group_id)
        .outerjoin(agent, agent.c.id == CallRecord.agent_id)
        .outerjoin(CallRecording, CallRecording.call_id == CallRecord.id)
        .where(where)
        .order_by(
            *(
                (CallRecord.started_at.desc(), CallRecord.id.desc())
                if newest_first
                else (CallRecord.started_at, CallRecord.id)
            )
        )
        .limit(limit)
    ).all()
    return [
        CallView(
            id=c.id,
            channel_id=c.channel_id,
            direction=c.direction,
            caller=c.caller,
            called=c.called,
            started_at=c.started_at,
            queued_at=c.queued_at,
            answered_at=c.answered_at,
            ended_at=c.ended_at,
            skill_group=code,
            skill_group_name=name,
            agent=username,
            agent_name=display,
            wait_seconds=c.wait_seconds,
            talk_seconds=c.talk_seconds,
            satisfaction=c.satisfaction,
            hangup_cause=c.hangup_cause,
            case_id=c.case_id,
            recording_url=(
                f"/cases/{c.case_id}/attachments/{attachment_id}"
                if attachment_id is not None and c.case_id is not None
                else None
            ),
            live=c.ended_at is None,
            outcome=outcome,
        )
        for c, code, name, username, display, attachment_id, outcome in rows
    ]


def of_case(case: Case) -> list[CallView]:
    """The case's calls, oldest first (the caller has found the case in scope)."""
    return _views(CallRecord.case_id == case.id)


def of_number(
    user: User, phone: str, but: str = "", limit: int = NUMBER_CALLS_LIMIT
) -> list[CallView]:
    """The calls from this number, newest first, but the one with channel id `but` (the call
    ringing now): for the hotline centre's staff (policy), who see a caller who hung up in
    the queue or ended in the menu, with no case to find them by. Empty for anyone else."""
    phones = phone_variants(phone)
    if not phones or not policy.may_see_calls_of_number(user):
        return []
    return _views(
        and_(
            CallRecord.direction == INBOUND,
            CallRecord.caller.in_(phones),
            CallRecord.channel_id != but,
        ),
        newest_first=True,
        limit=limit,
    )


def live_call_of(agent: User) -> CallView | None:
    """The call the agent is talking on now (answered by them, not ended), or None."""
    call_id = db.session.scalar(
        select(AgentState.call_id).where(AgentState.user_id == agent.id, AgentState.state == BUSY)
    )
    if call_id is None:
        return None
    found = _views(
        (CallRecord.id == call_id)
        & (CallRecord.agent_id == agent.id)
        & CallRecord.answered_at.is_not(None)
        & CallRecord.ended_at.is_(None)
    )
    return found[0] if found else None


@atomic
def link_case(channel_id: str, case: Case, by: User) -> CallView:
    """Link a call to the case registered (or called back about) during it, committed: its
    satisfaction and recording join the case. An agent or a revisit clerk; a call linked to
    another case is refused (409 `call_linked_elsewhere`), to the same case answers as is."""
    if not (policy.may_work_phone(by) or policy.may_call_back(by, case)):
        raise policy_refusal()
    call = _locked(channel_id)
    if call is None:
        raise call_not_found()
    if call.case_id is not None and call.case_id != case.id:
        raise Conflict(
            "call_linked_elsewhere",
            "该通话已关联到其他工单",
            "This call is linked to another case",
        )
    if call.case_id is None:
        call.case_id = case.id
        db.session.flush()
        on_case_linked(call, by)
    db.session.commit()
    return _views(CallRecord.id == call.id)[0]


def policy_refusal() -> Forbidden:
    return Forbidden(
        "role_not_allowed",
        "仅坐席和回访员可以关联通话",
        "Only agents and revisit staff may link calls to cases",
    )
