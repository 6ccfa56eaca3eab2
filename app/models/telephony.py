"""Telephony data (issue 11): call records, skill groups and their agents, agent states.

Written by the ARI bridge (through the JSON API) once it lands, and by the demo seed until then;
read by the reports' telephony measures and the live wallboard. One call record per call,
keyed by the Asterisk channel id of the caller's leg, so that a replayed StasisStart finds the
row it made and makes no second one.

A call's moments, in the order they happen (each NULL until it has):

    started_at   the call reached the hotline (StasisStart of the caller's channel)
    queued_at    the caller left the IVR for a skill group's queue (not for a call that ended
                 in the menu, voicemail or a status query)
    answered_at  an agent answered (the caller was bridged to them)
    ended_at     the caller's leg hung up (StasisEnd / ChannelDestroyed)

The measures' definitions over these columns (offered, answered, abandoned, waiting now,
answer rate, service level, average wait and talk time) are written once, in the reports'
measures, not here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    and_,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

# Who started the call: a citizen calling the hotline; an agent calling out; the revisit page's
# callback (originated to the clerk's phone, then the citizen's).
INBOUND = "inbound"
OUTBOUND = "outbound"
CALLBACK = "callback"
DIRECTIONS = (INBOUND, OUTBOUND, CALLBACK)

# The caller's survey keypress after the agent hung up (满意度按键).
SATISFIED = 1  # 满意
BASICALLY_SATISFIED = 2  # 基本满意
UNSATISFIED = 3  # 不满意
SATISFACTION_KEYS = (SATISFIED, BASICALLY_SATISFIED, UNSATISFIED)

# An agent's state (坐席状态), set from the workbench or by the bridge as calls come and go.
READY = "ready"  # 就绪: may be offered a call
BUSY = "busy"  # 通话中: on a call
WRAP_UP = "wrap_up"  # 话后处理: after a call, before the next one is offered
AWAY = "away"  # 小休/离席: signed in, not taking calls
SIGNED_OUT = "signed_out"  # 签出: not at the phone
AGENT_STATES = (READY, BUSY, WRAP_UP, AWAY, SIGNED_OUT)


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SkillGroup(Model):
    """A skill group (技能组): one ACD queue the IVR can send a caller to."""

    __tablename__ = "skill_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the IVR menu's "queue to a skill group" action names.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # Chinese, shown on pages and the wallboard
    name_en: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)


class SkillGroupMember(Model):
    """An agent's membership of a skill group, with a level: routing offers a call to the
    longest-idle ready agent of the highest level among those signed in to the group."""

    __tablename__ = "skill_group_member"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 9", name="level_range"),)

    skill_group_id: Mapped[int] = mapped_column(
        ForeignKey("skill_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # 1 (lowest) .. 9; higher levels are offered the group's calls first.
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    # Whether the agent has signed in to this group from the workbench (签入技能组).
    signed_in: Mapped[bool] = mapped_column(default=False)


class AgentState(Model):
    """An agent's current state: one row per agent who has ever signed in."""

    __tablename__ = "agent_state"
    __table_args__ = (CheckConstraint(_in("state", AGENT_STATES), name="state_known"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), default=SIGNED_OUT)
    # When the agent entered the state: for a ready agent, idle since (longest-idle routing).
    since: Mapped[datetime] = mapped_column()
    # The call the agent is on (busy) or wrapping up (wrap_up); NULL otherwise.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call_record.id", ondelete="SET NULL"))


class CallRecord(Model):
    """One call (通话记录). See the module's docstring for the moments it records."""

    __tablename__ = "call_record"
    __table_args__ = (
        CheckConstraint(_in("direction", DIRECTIONS), name="direction_known"),
        CheckConstraint(
            "satisfaction IS NULL OR " + _in("satisfaction", SATISFACTION_KEYS),
            name="satisfaction_key",
        ),
        # The measures: calls in a time range, overall, per queue and per agent.
        Index("ix_call_record_started_at", "started_at"),
        Index("ix_call_record_queue_started", "skill_group_id", "started_at"),
        Index("ix_call_record_agent_started", "agent_id", "started_at"),
        # A number's earlier calls (the intake page's caller history), newest first.
        Index("ix_call_record_caller_started", "caller", "started_at"),
        # Calls still going on (the wallboard's "waiting now"): a handful of rows at any time.
        Index(
            "ix_call_record_live",
            "queued_at",
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Asterisk channel id (uniqueid, e.g. "1764577200.42") of the caller's leg: the key that
    # makes a replayed event find its record. Up to 150 characters, as ARI allows ids set by
    # the originator.
    channel_id: Mapped[str] = mapped_column(String(150), unique=True)
    # The calling number (caller id) and the number called (the hotline's or, outbound, the
    # citizen's), as Asterisk reports them.
    caller: Mapped[str] = mapped_column(String(40), default="")
    called: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[str] = mapped_column(String(16), default=INBOUND)
    started_at: Mapped[datetime] = mapped_column()
    queued_at: Mapped[datetime | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    # The skill group whose queue the call entered (NULL: it never queued).
    skill_group_id: Mapped[int | None] = mapped_column(ForeignKey("skill_group.id"))
    # Seconds in the queue: queued_at to answered_at, or to ended_at for a call abandoned in
    # the queue; NULL while waiting or when it never queued. Derived from the moments above
    # (`derive_durations`), stored so that the measures average a column on both databases.
    wait_seconds: Mapped[int | None] = mapped_column()
    # Seconds talking: answered_at to ended_at; NULL until an answered call has ended.
    talk_seconds: Mapped[int | None] = mapped_column()
    # The agent who answered (for outbound and callbacks: who placed the call).
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The Q.850 cause of the hangup as ARI reports it (16 normal clearing, 17 busy, 19 no
    # answer, ...); NULL until it ended.
    hangup_cause: Mapped[int | None] = mapped_column(SmallInteger)
    # The call's recording as Asterisk stored it (the recording's name under its recording
    # directory, e.g. "minqing/1764577200.42.wav"); "" when not recorded.
    recording: Mapped[str] = mapped_column(String(255), default="")
    # The case registered during the call (or called back about); NULL: none.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    # The survey keypress (SATISFACTION_KEYS), NULL when not answered.
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    # The IVR menu keys the caller pressed on the way, in order ("1", "2", "#"), joined by
    # "/" (e.g. "1/3"); "" for a call that went straight to a queue or was not inbound.
    ivr_path: Mapped[str] = mapped_column(String(255), default="")
    # Made by an offer before the bridge's first PUT of the call arrived: its started_at and
    # queued_at are the offer's moment, and that first PUT sets them (app/telephony/calls.py).
    placeholder: Mapped[bool] = mapped_column(default=False, server_default=false())

    def derive_durations(self) -> None:
        """Set wait_seconds and talk_seconds from the call's moments (the one rule)."""
        waited_until = self.answered_at or self.ended_at
        self.wait_seconds = (
            _seconds(self.queued_at, waited_until)
            if self.queued_at is not None and waited_until is not None
            else None
        )
        self.talk_seconds = (
            _seconds(self.answered_at, self.ended_at)
            if self.answered_at is not None and self.ended_at is not None
            else None
        )


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


# --- The bridge's side (issue 11): phones, the IVR menu, the blacklist, commands -----------


# What a call is, for the measures (app/reports/measures.py defines them) and the pages.
CALL_OFFERED = and_(CallRecord.direction == INBOUND, CallRecord.queued_at.is_not(None))
CALL_ANSWERED = and_(CALL_OFFERED, CallRecord.answered_at.is_not(None))
CALL_ABANDONED = and_(
    CALL_OFFERED, CallRecord.answered_at.is_(None), CallRecord.ended_at.is_not(None)
)
CALL_TALKED = and_(CALL_ANSWERED, CallRecord.talk_seconds.is_not(None))
CALL_WAITING = and_(CALL_OFFERED, CallRecord.answered_at.is_(None), CallRecord.ended_at.is_(None))


class PhoneExtension(Model):
    """The phone an agent or a revisit clerk answers: an Asterisk endpoint ("PJSIP/agent01")
    the bridge dials when it offers them a call or calls back through them."""

    __tablename__ = "phone_extension"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    endpoint: Mapped[str] = mapped_column(String(80), unique=True)


class IvrMenuVersion(Model):
    """One saved version of the IVR menu tree and the service hours; the newest is in force.
    Never edited: a change is a new row, a restore copies an old one (app/telephony/ivr.py)."""

    __tablename__ = "ivr_menu_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {"root": "main", "menus": {"main": {"prompt", "timeout_seconds", "options": {...}}}}
    document: Mapped[dict] = mapped_column(JSON)
    # {"working_days": [["08:00", "20:00"]], "rest_days": [...], "closed_prompt", ...}
    schedule: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")


REFUSE = "refuse"  # the call is hung up at once
MESSAGE = "message"  # the caller hears a sound, then the call is hung up
BLACKLIST_ACTIONS = (REFUSE, MESSAGE)


class BlacklistEntry(Model):
    """A calling number that is refused or hears a message (黑名单)."""

    __tablename__ = "blacklist_entry"
    __table_args__ = (CheckConstraint(_in("action", BLACKLIST_ACTIONS), name="action_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    action: Mapped[str] = mapped_column(String(16), default=REFUSE)
    sound: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column()


class TelephonyVersion(Model):
    """One row: a number raised, in the writer's transaction, by every change the bridge must
    reload (the menu, the schedule, the blacklist): part of the config's ETag."""

    __tablename__ = "telephony_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


CALLBACK_COMMAND = "callback"  # 回访电话: the clerk's phone, then the citizen
CONFERENCE_COMMAND = "conference"  # 三方通话: a third party into the agent's live call
TRANSFER_COMMAND = "transfer"  # 转接: the caller to another skill group's queue
COMMAND_KINDS = (CALLBACK_COMMAND, CONFERENCE_COMMAND, TRANSFER_COMMAND)
COMMAND_OUTCOMES = ("answered", "no_answer", "busy", "failed", "done")


class CallCommand(Model):
    """Something a page asked the bridge to do on the phone; taken by the bridge's long poll,
    finished by its result (app/telephony/commands.py)."""

    __tablename__ = "call_command"
    __table_args__ = (
        CheckConstraint(_in("kind", COMMAND_KINDS), name="kind_known"),
        # The poll: the unfinished commands, oldest first (a handful at any time).
        Index(
            "ix_call_command_open",
            "id",
            postgresql_where=text("finished_at IS NULL"),
            sqlite_where=text("finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column()
    # What the bridge needs: clerk_endpoint and citizen_number (callback); channel_id and
    # target_number, leave (conference); channel_id and group (transfer).
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # When the bridge last took it (NULL: never); a take older than the re-offer time and not
    # finished is offered again.
    taken_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16), default="")
    # The bridge's result as sent (talk_seconds, channel_id).
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class StatusQueryFailure(Model):
    """A failed case-status query by keypad (wrong number or password), per calling number:
    counted in the database so that every worker refuses the sixth in an hour alike."""

    __tablename__ = "status_query_failure"
    __table_args__ = (Index("ix_status_query_failure_caller_at", "caller", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column()


class CallRecording(Model):
    """A call's recording as the bridge sent it, kept in the attachments' storage; attached to
    the call's case (an attachment row) as soon as the call has one."""

    __tablename__ = "call_recording"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("call_record.id", ondelete="CASCADE"), primary_key=True
    )
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column()
    # The attachment it became on the case (NULL: the call has no case yet).
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="SET NULL")
    )
