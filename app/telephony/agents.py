"""Agents at their phones: states, skill groups, extensions, and offering a call (ACD).

Routing (`offer`): among the agents signed in to the call's skill group who are ready (or in
wrap-up whose wrap-up time has passed), not excluded, the highest level first, then the
longest idle (the oldest `since`); that agent is made busy on the call and their open pages
get the screen pop (an `incoming_call` notification), all in one transaction. Two concurrent
offers never take the same agent: on PostgreSQL the candidate's row is locked with SKIP LOCKED
(a concurrent offer passes to the next agent), and on every database the state moves only if
it is still the one read (a conditional UPDATE), else the next candidate is tried.

States: agents set ready, away and signed out themselves (`set_state`); busy and wrap-up are
the bridge's (an offer, a call answered and ended: app/telephony/calls.py); a phone that rang
unanswered puts its agent away (`no_answer`) until they say ready again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app import audit_log
from app.auth import policy
from app.clock import clock
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.models import (
    AgentState,
    CallRecord,
    Case,
    PhoneExtension,
    Role,
    SkillGroup,
    SkillGroupMember,
    User,
    user_roles,
)
from app.models.telephony import AWAY, BUSY, INBOUND, READY, SIGNED_OUT, WRAP_UP
from app.notifications.service import notify
from app.telephony import calls, settings, states
from app.telephony.transaction import atomic
from app.timefmt import to_rfc3339

# The words pages show for the states (app/models/telephony.py AGENT_STATES).
STATE_WORDS = {
    READY: ("就绪", "Ready"),
    BUSY: ("通话中", "On a call"),
    WRAP_UP: ("话后处理", "Wrap-up"),
    AWAY: ("小休", "Away"),
    SIGNED_OUT: ("签出", "Signed out"),
}
# The states an agent sets from the workbench (busy and wrap-up follow the calls).
SELF_STATES = (READY, AWAY, SIGNED_OUT)
HISTORY = 5  # the caller's newest cases shown in the screen pop
ENDPOINT_PATTERN = re.compile(r"^(PJSIP|SIP|IAX2|DAHDI|Local)/[A-Za-z0-9._@-]{1,60}$")
TRIES = 5  # candidates tried when concurrent offers take the ones read first


@dataclass(frozen=True)
class GroupView:
    code: str
    name: str
    name_en: str
    level: int
    signed_in: bool


@dataclass(frozen=True)
class AgentView:
    user_id: int
    username: str
    display_name: str
    state: str  # app/models/telephony.py AGENT_STATES; signed_out for one with no row
    since: datetime | None
    call_id: int | None  # the call busy on or wrapping up
    caller: str | None  # that call's calling number
    endpoint: str | None  # their phone, None: none set
    groups: tuple[GroupView, ...]


@dataclass(frozen=True)
class Offered:
    agent: str
    endpoint: str
    ring_seconds: int


def endpoint_of(user: User) -> str:
    """The phone the bridge dials for the user: their extension, else PJSIP/<username>."""
    found = db.session.scalar(
        select(PhoneExtension.endpoint).where(PhoneExtension.user_id == user.id)
    )
    return found or f"PJSIP/{user.username}"


# --- the bridge: offering a call, a phone not answered -------------------------------------


def _group(code: str) -> SkillGroup:
    group = db.session.scalar(
        select(SkillGroup).where(SkillGroup.code == code, SkillGroup.active.is_(True))
    )
    if group is None:
        raise calls.unknown_skill_group(code, status=404)
    return group


def _call_for_offer(channel_id: str, caller: str, group: SkillGroup) -> CallRecord:
    """The call's record, a placeholder made now when the bridge's PUT has not arrived."""
    call = db.session.scalar(
        select(CallRecord).where(CallRecord.channel_id == channel_id).with_for_update()
    )
    now = clock.now()
    if call is None:
        calls.insert_once(
            channel_id=channel_id,
            caller=caller,
            direction=INBOUND,
            started_at=now,
            queued_at=now,
            skill_group_id=group.id,
            placeholder=True,
        )
        call = db.session.scalars(
            select(CallRecord).where(CallRecord.channel_id == channel_id).with_for_update()
        ).one()
    if call.skill_group_id is None:
        call.skill_group_id = group.id
    if call.queued_at is None:
        call.queued_at = max(now, call.started_at)
    if not call.caller and caller:
        call.caller = caller
    return call


def _candidates(group: SkillGroup, exclude: list[str], now: datetime, skip: set[int]):
    wrapped_by = now - timedelta(seconds=settings.wrap_up_seconds())
    query = (
        select(AgentState.user_id, AgentState.state, AgentState.since)
        .join(
            SkillGroupMember,
            (SkillGroupMember.user_id == AgentState.user_id)
            & (SkillGroupMember.skill_group_id == group.id)
            & SkillGroupMember.signed_in.is_(True),
        )
        .join(User, User.id == AgentState.user_id)
        .where(
            User.active.is_(True),
            (AgentState.state == READY)
            | ((AgentState.state == WRAP_UP) & (AgentState.since <= wrapped_by)),
        )
        .order_by(SkillGroupMember.level.desc(), AgentState.since, AgentState.user_id)
        .limit(1)
    )
    if exclude:
        query = query.where(User.username.not_in(exclude))
    if skip:
        query = query.where(AgentState.user_id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=AgentState, skip_locked=True)
    return db.session.execute(query).first()


def _ringing(call: CallRecord, exclude: list[str]) -> User | None:
    """The agent whose phone rings for this call (a repeated offer answers with them); none
    once it is answered (a transfer offers it afresh)."""
    if call.answered_at is not None:
        return None
    query = (
        select(User)
        .join(AgentState, AgentState.user_id == User.id)
        .where(AgentState.call_id == call.id, AgentState.state == BUSY)
    )
    if exclude:
        query = query.where(User.username.not_in(exclude))
    return db.session.scalars(query).unique().first()


@atomic
def offer(code: str, channel_id: str, caller: str, exclude: list[str], by: User) -> Offered:
    """Offer the call to the skill group's next agent (committed), or 409 `no_agent_ready`."""
    policy.check_bridge(by)
    group = _group(code)
    call = _call_for_offer(channel_id, caller, group)
    agent = _ringing(call, exclude)
    if agent is None:
        agent = _take_agent(group, call, exclude)
        _screen_pop(agent, call, group)
    endpoint = endpoint_of(agent)
    db.session.commit()
    return Offered(agent.username, endpoint, settings.ring_seconds())


def _take_agent(group: SkillGroup, call: CallRecord, exclude: list[str]) -> User:
    now = clock.now()
    tried: set[int] = set()
    for _ in range(TRIES):
        found = _candidates(group, exclude, now, tried)
        if found is None:
            break
        user_id, state, since = found
        moved = db.session.execute(
            update(AgentState)
            .where(
                AgentState.user_id == user_id,
                AgentState.state == state,
                AgentState.since == since,
            )
            .values(state=BUSY, since=now, call_id=call.id)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]  # a DML result's count
            agent = db.session.get(User, user_id)
            assert agent is not None
            return agent
        tried.add(user_id)  # taken by a concurrent offer since it was read
    raise Conflict("no_agent_ready", "该技能组暂无空闲坐席", f"No agent of '{group.code}' is ready")


def history_of(phone: str, viewer: User) -> list[dict]:
    """The phone's newest cases the viewer sees, for the screen pop."""
    if not phone:
        return []
    query = select(Case.number, Case.status, Case.created_at, Case.content).where(
        Case.citizen_phone == phone
    )
    scope = policy.visible_cases_clause(viewer)
    if scope is not None:
        query = query.where(scope)
    rows = db.session.execute(query.order_by(Case.created_at.desc()).limit(HISTORY)).all()
    return [
        {
            "number": number,
            "status": status,
            "created_at": to_rfc3339(created_at),
            "content": content[:200],
        }
        for number, status, created_at, content in rows
    ]


def _screen_pop(agent: User, call: CallRecord, group: SkillGroup) -> None:
    phone = call.caller
    notify(
        "incoming_call",
        users=[agent.id],
        body=f"来电 {phone or '未知号码'}（{group.name}）",
        data={
            "phone": phone,
            "channel_id": call.channel_id,
            "skill_group": group.code,
            "history": history_of(phone, agent),
        },
    )


def _agent_named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username, User.active))
    if user is None:
        raise NotFound("unknown_agent", "坐席不存在", f"No agent '{username}'")
    return user


@atomic
def no_answer(username: str, channel_id: str, by: User) -> AgentView:
    """The agent's phone rang for the call and was not answered: they go away (not offered
    calls until they say ready), unless they are on another call by now. Committed."""
    policy.check_bridge(by)
    agent = _agent_named(username)
    row = states.row_of(agent.id, lock=True)
    call_id = db.session.scalar(select(CallRecord.id).where(CallRecord.channel_id == channel_id))
    on_another_call = (
        row is not None
        and row.state in (BUSY, WRAP_UP)
        and row.call_id is not None
        and row.call_id != call_id
    )
    if not on_another_call:
        states.move(agent.id, AWAY, clock.now(), None)
    db.session.commit()
    return state_of(agent)


# --- the workbench: my state, my groups, my phone; the supervisors' board ------------------


def _views(user_ids: list[int] | None) -> list[AgentView]:
    """The agents' views in a few reads (every agent when `user_ids` is None)."""
    users = select(User.id, User.username, User.display_name).where(User.active.is_(True))
    if user_ids is None:
        agent_ids = select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id)
        users = users.where(User.id.in_(agent_ids.where(Role.code == policy.AGENT)))
    else:
        users = users.where(User.id.in_(user_ids))
    people = db.session.execute(users.order_by(User.username)).all()
    ids = [p.id for p in people]
    if not ids:
        return []
    state_rows = {
        r.user_id: r
        for r in db.session.execute(
            select(
                AgentState.user_id,
                AgentState.state,
                AgentState.since,
                AgentState.call_id,
                CallRecord.caller,
            )
            .outerjoin(CallRecord, CallRecord.id == AgentState.call_id)
            .where(AgentState.user_id.in_(ids))
        )
    }
    endpoints = dict(
        db.session.execute(
            select(PhoneExtension.user_id, PhoneExtension.endpoint).where(
                PhoneExtension.user_id.in_(ids)
            )
        ).all()
    )
    groups: dict[int, list[GroupView]] = {}
    for m, g in db.session.execute(
        select(SkillGroupMember, SkillGroup)
        .join(SkillGroup, SkillGroup.id == SkillGroupMember.skill_group_id)
        .where(SkillGroupMember.user_id.in_(ids))
        .order_by(SkillGroup.code)
    ).all():
        groups.setdefault(m.user_id, []).append(
            GroupView(g.code, g.name, g.name_en, m.level, m.signed_in)
        )
    out = []
    for p in people:
        s = state_rows.get(p.id)
        out.append(
            AgentView(
                user_id=p.id,
                username=p.username,
                display_name=p.display_name,
                state=s.state if s else SIGNED_OUT,
                since=s.since if s else None,
                call_id=s.call_id if s else None,
                caller=s.caller if s else None,
                endpoint=endpoints.get(p.id),
                groups=tuple(groups.get(p.id, ())),
            )
        )
    return out


def skill_groups() -> list[tuple[str, str, str]]:
    """The active skill groups as (code, Chinese name, English name), by code: the choices
    of a transfer and of the IVR editor's queue targets."""
    rows = db.session.execute(
        select(SkillGroup.code, SkillGroup.name, SkillGroup.name_en)
        .where(SkillGroup.active.is_(True))
        .order_by(SkillGroup.code)
    ).all()
    return [(code, name, name_en) for code, name, name_en in rows]


def state_of(user: User) -> AgentView:
    return _views([user.id])[0]


def board() -> list[AgentView]:
    """Every active agent with their state, groups and phone (for supervisors: the caller
    checks `policy.may_view_agent_board`)."""
    return _views(None)


def _check_self(user: User, by: User) -> None:
    if by.id != user.id and not policy.may_manage_telephony(by):
        raise Forbidden(
            "role_not_allowed",
            "只能设置自己的坐席状态",
            "Only the agent themselves (or an administrator) may do this",
        )


@atomic
def set_state(user: User, state: str, by: User) -> AgentView:
    """The agent says ready, away or signed out (committed). Busy and wrap-up are the
    bridge's (422 `state_not_settable`); on a call, they stay busy (409 `on_a_call`)."""
    policy.check_work_phone(user)
    _check_self(user, by)
    if state not in SELF_STATES:
        raise Invalid(
            "state_not_settable",
            "只能设置为就绪、小休或签出",
            "An agent sets ready, away or signed out; busy and wrap-up follow the calls",
            field="state",
        )
    row = states.row_of(user.id, lock=True)
    if row is not None and row.state == BUSY:
        raise Conflict("on_a_call", "通话中，不能更改状态", "On a call: the state stays busy")
    if row is None or row.state != state:
        states.move(user.id, state, clock.now(), None)
    db.session.commit()
    return state_of(user)


def _memberships(user: User, codes: list[str]) -> list[SkillGroupMember]:
    rows = db.session.execute(
        select(SkillGroup.code, SkillGroupMember)
        .outerjoin(
            SkillGroupMember,
            (SkillGroupMember.skill_group_id == SkillGroup.id)
            & (SkillGroupMember.user_id == user.id),
        )
        .where(SkillGroup.code.in_(codes), SkillGroup.active.is_(True))
    ).all()
    found = {code: member for code, member in rows}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise Invalid(
            "unknown_skill_group",
            "技能组不存在或已停用",
            f"No active skill group {', '.join(unknown)}",
            field="groups",
            codes=unknown,
        )
    outside = [c for c in codes if found[c] is None]
    if outside:
        raise Invalid(
            "not_a_member",
            "您不属于该技能组",
            f"Not a member of {', '.join(outside)}",
            field="groups",
            codes=outside,
        )
    return [m for m in found.values() if m is not None]


@atomic
def _sign(user: User, codes: list[str], by: User, signed_in: bool) -> AgentView:
    policy.check_work_phone(user)
    _check_self(user, by)
    for member in _memberships(user, list(dict.fromkeys(codes))):
        member.signed_in = signed_in
    db.session.commit()
    return state_of(user)


def sign_in_groups(user: User, codes: list[str], by: User | None = None) -> AgentView:
    """Sign the agent in to these skill groups of theirs (签入), committed."""
    return _sign(user, codes, by or user, True)


def sign_out_groups(user: User, codes: list[str], by: User | None = None) -> AgentView:
    """Sign the agent out of these skill groups (签出技能组), committed."""
    return _sign(user, codes, by or user, False)


@atomic
def set_extension(user: User, endpoint: str, by: User, client_ip: str = "") -> AgentView:
    """The user's phone ("PJSIP/agent01"; "" removes it), committed and audited. Agents and
    revisit clerks set their own; administrators anyone's. 422 `invalid_endpoint`; another
    user's phone: 409 `endpoint_taken`."""
    if not (user.role_codes & {policy.AGENT, policy.REVISIT}):
        raise Invalid(
            "not_a_phone_user",
            "只有坐席和回访员有分机",
            "Only agents and revisit staff have phones",
        )
    _check_self(user, by)
    endpoint = endpoint.strip()
    if endpoint and not ENDPOINT_PATTERN.fullmatch(endpoint):
        raise Invalid(
            "invalid_endpoint",
            "分机格式不正确（例如 PJSIP/agent01）",
            "Not a phone endpoint (e.g. PJSIP/agent01)",
            field="endpoint",
        )
    taken = db.session.scalar(
        select(PhoneExtension.user_id).where(
            PhoneExtension.endpoint == endpoint, PhoneExtension.user_id != user.id
        )
    )
    if endpoint and taken is not None:
        raise Conflict("endpoint_taken", "该分机已被他人使用", "Another user has this phone")
    before = db.session.get(PhoneExtension, user.id)
    old = before.endpoint if before else ""
    if old != endpoint:
        if before is not None:
            db.session.execute(delete(PhoneExtension).where(PhoneExtension.user_id == user.id))
        if endpoint:
            db.session.add(PhoneExtension(user_id=user.id, endpoint=endpoint))
        audit_log.record(
            by, client_ip, "telephony.extension", "user", user.id, before=old, after=endpoint
        )
    db.session.commit()
    return state_of(user)
