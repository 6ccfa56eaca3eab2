"""Demo telephony: skill groups, agents' seats and states, and plausible calls.

Until the ARI bridge (issue 11) records real calls, the reports' telephony measures and the
wallboard read these. The calls of the last CALL_DAYS days follow a hotline's day: a morning
and an afternoon peak, a quiet night; most are answered within seconds, some are abandoned
in the queue (more at the peaks), agents talk two to six minutes; the demo cases that came by
phone each get the call they were registered in.

Beside the calls, what the bridge runs on: its service account (`ari_bridge`), the default IVR
menu (12345 answers around the clock; app/telephony/ivr.py), the phones of the demo agents
and the demo revisit clerk (PJSIP/agent, PJSIP/agent01.., PJSIP/revisit, as the ARI peer's
demo phones are named) and one blacklisted number.

Idempotent like the rest of `flask seed demo`: every demo call has a channel id of its own
("demo.<day>.<n>", "demo.case.<case number>", "demo.live.<agent>"), made the same way on
every run (a day's calls come from a generator seeded with the day), and only the missing
ones are added; groups, seats, memberships and states are added when missing and otherwise
left as they are (a state changed since stays).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from app.auth import passwords
from app.clock import clock
from app.extensions import db
from app.models import (
    AgentState,
    BlacklistEntry,
    CallRecord,
    Case,
    Department,
    PhoneExtension,
    SkillGroup,
    SkillGroupMember,
    User,
)
from app.models.telephony import (
    AWAY,
    BUSY,
    CALLBACK,
    INBOUND,
    OUTBOUND,
    READY,
    SIGNED_OUT,
    WRAP_UP,
)
from app.seed.cases import SURNAMES, demo_cases, user_named
from app.seed.org import NO_PASSWORD, add_user
from app.telephony import ivr
from app.telephony.account import service_account
from app.telephony.versioning import changed as telephony_changed

CALL_DAYS = 60
HOTLINE = "12345"
DEMO_PREFIX = "demo."

SKILL_GROUPS = [
    # code, Chinese, English, share of the calls
    ("general", "综合咨询", "General enquiries", 0.45),
    ("social", "社保医保", "Social and health insurance", 0.2),
    ("urban", "城建城管", "Housing and urban affairs", 0.2),
    ("complaint", "投诉举报", "Complaints and reports", 0.12),
    ("foreign", "外语服务", "Foreign languages", 0.03),
]
# The seats (坐席) at the city centre, and the state each is in when first seeded.
SEATS = 12
SEAT_STATES = [READY, BUSY, BUSY, READY, WRAP_UP, BUSY, READY, AWAY, BUSY, READY, WRAP_UP]
SEAT_STATES += [SIGNED_OUT] * (SEATS - len(SEAT_STATES))
# Calls waiting in a queue when the seed runs (one per group listed).
WAITING = ["general", "social"]


def seat_name(n: int) -> str:
    return f"agent{n:02d}"


@dataclass
class Seeded:
    groups: int
    seats: int
    calls: int


def seed_telephony(password: str, echo: Callable[[str], Any] = lambda _: None) -> Seeded:
    """Idempotent: the demo's skill groups, seats and calls, adding only what is missing."""
    now = clock.now()
    groups, made_groups = _groups()
    agents, made_seats = _seats(password)
    _memberships(agents, groups)
    calls = _add_missing(list(_history(now, agents, groups)))
    calls += _add_missing(list(_case_calls(now, agents[0])))
    calls += _live(now, agents, groups)
    service_account()
    _bridge_settings(now, [*agents, user_named("revisit")])
    db.session.commit()
    echo(
        f"telephony: {len(groups)} skill groups ({made_groups} new), {len(agents)} agents "
        f"({made_seats} new seats), {calls} calls added"
    )
    return Seeded(made_groups, made_seats, calls)


# A sample of the blacklist (黑名单) the administrator keeps.
BLACKLISTED = ("13900000000", "示例：反复骚扰热线的号码")


def _bridge_settings(now: datetime, phone_users: list[User]) -> None:
    """The default menu, the phones, the blacklist sample: each only when missing."""
    moved = ivr.seed_default()
    taken = set(db.session.scalars(select(PhoneExtension.endpoint)))
    have = set(db.session.scalars(select(PhoneExtension.user_id)))
    for user in phone_users:
        endpoint = f"PJSIP/{user.username}"
        if user.id not in have and endpoint not in taken:
            db.session.add(PhoneExtension(user_id=user.id, endpoint=endpoint))
    number, note = BLACKLISTED
    if db.session.scalar(select(BlacklistEntry.id).filter_by(number=number)) is None:
        db.session.add(BlacklistEntry(number=number, action="refuse", note=note, created_at=now))
        moved = True
    if moved:
        telephony_changed()
    db.session.flush()


def _groups() -> tuple[dict[str, SkillGroup], int]:
    found = {g.code: g for g in db.session.scalars(select(SkillGroup))}
    made = 0
    for code, zh, en, _share in SKILL_GROUPS:
        if code not in found:
            found[code] = SkillGroup(code=code, name=zh, name_en=en)
            db.session.add(found[code])
            made += 1
    db.session.flush()
    return found, made


def _seats(password: str) -> tuple[list[User], int]:
    """The demo's own agent login first, then the seats agent01..agent12 (same password)."""
    city = db.session.scalars(select(Department).filter_by(code="city")).one()
    rng = random.Random("seats")
    seats = [
        add_user(
            seat_name(n),
            city,
            ["agent"],
            display=f"坐席{n:02d} {rng.choice(SURNAMES)}{rng.choice('敏静磊洋芳娟涛霞')}",
        )
        for n in range(1, SEATS + 1)
    ]
    new = [u for u in seats if u.password_hash == NO_PASSWORD]
    if new:
        passwords.set_passwords(new, password)
    db.session.flush()
    return [user_named("agent"), *seats], len(new)


def _memberships(agents: list[User], groups: dict[str, SkillGroup]) -> None:
    """Everyone in the general group; each also in one or two others, at levels 1 to 3, and
    the demo's own login at level 9: a call placed through the demo phone is offered to
    whoever signed in as `agent` first, while they are ready."""
    there = {
        (user_id, group_id)
        for user_id, group_id in db.session.execute(
            select(SkillGroupMember.user_id, SkillGroupMember.skill_group_id)
        )
    }
    codes = [code for code, *_ in SKILL_GROUPS]
    for i, agent in enumerate(agents):
        rng = random.Random(f"member.{agent.username}")
        signed_in = _first_state(i) != SIGNED_OUT
        picked = ["general", codes[1 + i % (len(codes) - 1)]]
        if i % 3 == 0:
            picked.append(codes[1 + (i + 1) % (len(codes) - 1)])
        for code in picked:
            if (agent.id, groups[code].id) not in there:
                db.session.add(
                    SkillGroupMember(
                        user_id=agent.id,
                        skill_group_id=groups[code].id,
                        level=9 if i == 0 else rng.randint(1, 3),
                        signed_in=signed_in,
                    )
                )
    db.session.flush()


def _first_state(i: int) -> str:
    # The demo's own login ("agent", i == 0) is ready: it is the one people sign in as.
    return READY if i == 0 else SEAT_STATES[(i - 1) % len(SEAT_STATES)]


# --- calls ---------------------------------------------------------------------------------

# The day's shape: (centre hour, spread in hours, weight). Peaks around 10:00 and 15:00, a
# working-hours floor, a thin night.
_DAY_SHAPE = [(10.0, 1.2, 0.34), (15.0, 1.4, 0.34), (13.5, 4.5, 0.26), (12.0, 12.0, 0.06)]


def _calls_on(day: date) -> int:
    rng = random.Random(f"count.{day.isoformat()}")
    base = 150 if day.weekday() >= 5 else 260
    return round(base * rng.uniform(0.85, 1.15))


def _start_of(rng: random.Random, day: date) -> datetime:
    centre, spread, _w = rng.choices(_DAY_SHAPE, weights=[w for *_x, w in _DAY_SHAPE])[0]
    hour = rng.gauss(centre, spread) % 24
    return datetime.combine(day, datetime.min.time()) + timedelta(seconds=round(hour * 3600))


def _busy(at: datetime) -> float:
    """0 (night) .. 1 (the peak hour): how hard the queues are pressed at a time of day."""
    hour = at.hour + at.minute / 60
    return max(math.exp(-((hour - 10) ** 2) / 2), math.exp(-((hour - 15) ** 2) / 2))


def _history(
    now: datetime, agents: list[User], groups: dict[str, SkillGroup]
) -> Iterator[dict[str, Any]]:
    """Every demo call of the last CALL_DAYS days that has ended by `now`."""
    members = _members_by_group(groups)
    shares = [share for *_x, share in SKILL_GROUPS]
    codes = [code for code, *_ in SKILL_GROUPS]
    for back in range(CALL_DAYS - 1, -1, -1):
        day = now.date() - timedelta(days=back)
        rng = random.Random(f"calls.{day.isoformat()}")
        for n in range(_calls_on(day)):
            call = _one_call(rng, day, n, codes, shares, groups, members, agents)
            if call["ended_at"] <= now:
                yield call


def _members_by_group(groups: dict[str, SkillGroup]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {g.id: [] for g in groups.values()}
    rows = db.session.execute(
        select(SkillGroupMember.skill_group_id, SkillGroupMember.user_id).order_by(
            SkillGroupMember.user_id
        )
    )
    for group_id, user_id in rows:
        out.setdefault(group_id, []).append(user_id)
    return out


def _one_call(
    rng: random.Random,
    day: date,
    n: int,
    codes: list[str],
    shares: list[float],
    groups: dict[str, SkillGroup],
    members: dict[int, list[int]],
    agents: list[User],
) -> dict[str, Any]:
    started = _start_of(rng, day)
    call: dict[str, Any] = {
        "channel_id": f"{DEMO_PREFIX}{day:%Y%m%d}.{n:04d}",
        "caller": _phone(rng),
        "called": HOTLINE,
        "direction": INBOUND,
        "started_at": started,
        "recording": "",
        "ivr_path": "",
        "hangup_cause": 16,  # normal clearing
    }
    kind = rng.random()
    if kind < 0.04:  # an agent calling a citizen back
        agent = rng.choice(agents)
        call.update(
            direction=rng.choice((OUTBOUND, CALLBACK)),
            caller=HOTLINE,
            called=call["caller"],
            agent_id=agent.id,
            answered_at=started + timedelta(seconds=rng.randint(5, 25)),
        )
        call["ended_at"] = call["answered_at"] + timedelta(seconds=rng.randint(60, 240))
        return _with_durations(call)
    ivr = timedelta(seconds=rng.randint(8, 40))
    if kind < 0.08:  # ended in the menu: a status query, voicemail, or a hang-up
        call.update(ivr_path=rng.choice(("3", "4", "1/9", "")), ended_at=started + ivr)
        return _with_durations(call)
    group = groups[rng.choices(codes, weights=shares)[0]]
    queued = started + ivr
    call.update(
        skill_group_id=group.id,
        queued_at=queued,
        ivr_path=rng.choice(("1", "1/1", "1/2", "2", "2/1", "")),
    )
    press = _busy(started)
    if rng.random() < 0.045 + 0.1 * press:  # abandoned in the queue
        call["ended_at"] = queued + timedelta(seconds=round(rng.uniform(6, 40 + 80 * press)))
        return _with_durations(call)
    wait = rng.expovariate(1 / (5 + 12 * press))
    answered = queued + timedelta(seconds=min(round(wait), 180))
    talk = round(rng.triangular(120, 360, 200))
    call.update(
        answered_at=answered,
        ended_at=answered + timedelta(seconds=talk),
        agent_id=rng.choice(members.get(group.id) or [a.id for a in agents]),
        recording=f"demo/{call['channel_id']}.wav",
    )
    survey = rng.random()
    if survey < 0.7:
        call["satisfaction"] = 1 if survey < 0.58 else 2 if survey < 0.66 else 3
    return _with_durations(call)


def _with_durations(call: dict[str, Any]) -> dict[str, Any]:
    record = CallRecord(**call)
    record.derive_durations()
    call["wait_seconds"], call["talk_seconds"] = record.wait_seconds, record.talk_seconds
    return call


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}"


def _case_calls(now: datetime, agent: User) -> Iterator[dict[str, Any]]:
    """The call each demo phone case of the last CALL_DAYS days was registered in."""
    since = datetime.combine(now.date() - timedelta(days=CALL_DAYS - 1), datetime.min.time())
    rows = db.session.execute(
        select(Case.id, Case.number, Case.citizen_phone, Case.created_at, Case.accepted_by_id)
        .where(
            demo_cases(agent),
            Case.channel == "phone",
            Case.created_at >= since,
        )
        .order_by(Case.id)
    )
    for case_id, number, phone, created_at, by in rows:
        rng = random.Random(f"case.{number}")
        answered = created_at - timedelta(seconds=rng.randint(100, 300))
        queued = answered - timedelta(seconds=rng.randint(2, 18))
        call = {
            "channel_id": f"{DEMO_PREFIX}case.{number}",
            "caller": phone,
            "called": HOTLINE,
            "direction": INBOUND,
            "started_at": queued - timedelta(seconds=rng.randint(8, 30)),
            "queued_at": queued,
            "answered_at": answered,
            "ended_at": min(now, created_at + timedelta(seconds=rng.randint(10, 60))),
            "agent_id": by,
            "hangup_cause": 16,
            "recording": f"demo/case.{number}.wav",
            "case_id": case_id,
            "ivr_path": "1",
        }
        yield _with_durations(call)


def _add_missing(calls: list[dict[str, Any]]) -> int:
    """Insert the calls whose channel ids are not there yet (in one statement per chunk)."""
    if not calls:
        return 0
    there: set[str] = set()
    ids = [c["channel_id"] for c in calls]
    for i in range(0, len(ids), 500):
        there.update(
            db.session.scalars(
                select(CallRecord.channel_id).where(CallRecord.channel_id.in_(ids[i : i + 500]))
            )
        )
    missing = [c for c in calls if c["channel_id"] not in there]
    columns = CallRecord.__table__.columns.keys()
    rows = [{k: c.get(k) for k in columns if k != "id"} for c in missing]
    for i in range(0, len(rows), 2000):
        db.session.execute(insert(CallRecord), rows[i : i + 2000])
    return len(rows)


def _live(now: datetime, agents: list[User], groups: dict[str, SkillGroup]) -> int:
    """The agents' first states; a busy agent's call in progress, a few callers waiting.
    Only for agents with no state yet: a state changed since is left alone."""
    have = set(db.session.scalars(select(AgentState.user_id)))
    made = 0
    for i, agent in enumerate(agents):
        if agent.id in have:
            continue
        rng = random.Random(f"live.{agent.username}")
        state = _first_state(i)
        since = now - timedelta(seconds=rng.randint(20, 900))
        call_id = None
        if state in (BUSY, WRAP_UP):
            answered = since if state == BUSY else since - timedelta(seconds=rng.randint(120, 300))
            call = CallRecord(
                channel_id=f"{DEMO_PREFIX}live.{agent.username}",
                caller=_phone(rng),
                called=HOTLINE,
                direction=INBOUND,
                started_at=answered - timedelta(seconds=rng.randint(15, 40)),
                queued_at=answered - timedelta(seconds=rng.randint(2, 12)),
                answered_at=answered,
                ended_at=None if state == BUSY else since,
                skill_group_id=groups["general"].id,
                agent_id=agent.id,
                hangup_cause=None if state == BUSY else 16,
                ivr_path="1",
            )
            call.derive_durations()
            db.session.add(call)
            db.session.flush()
            call_id = call.id
            made += 1
        db.session.add(AgentState(user_id=agent.id, state=state, since=since, call_id=call_id))
        if i == 0:
            made += _waiting(now, groups)
    db.session.flush()
    return made


def _waiting(now: datetime, groups: dict[str, SkillGroup]) -> int:
    made = 0
    for n, code in enumerate(WAITING):
        channel = f"{DEMO_PREFIX}waiting.{n}"
        if db.session.scalar(select(CallRecord.id).filter_by(channel_id=channel)) is None:
            queued = now - timedelta(seconds=8 + 11 * n)
            db.session.add(
                CallRecord(
                    channel_id=channel,
                    caller=_phone(random.Random(channel)),
                    called=HOTLINE,
                    direction=INBOUND,
                    started_at=queued - timedelta(seconds=20),
                    queued_at=queued,
                    skill_group_id=groups[code].id,
                    ivr_path="2",
                )
            )
            made += 1
    return made
