"""A voicemail (语音信箱 / 市长信箱) becomes a case: channel `voicemail`, the caller's number,
content saying it is a voicemail of N seconds, the recording attached, the call linked.

Idempotent by the channel id: the intake's external id is the call's, so a repeat (the
bridge's spool replaying) answers with the case the first made (`created` false), and each
later step (the call linked, the recording attached) is done only where it is missing: a
repeat after a crash between the steps completes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from app.auth import policy
from app.cases import service as cases
from app.models import Case, User
from app.models.catalog import VOICEMAIL
from app.telephony import calls, recordings, settings

CITIZEN = "语音留言市民"  # the caller left no name


@dataclass(frozen=True)
class Left:
    case: Case
    created: bool
    query_password: str | None  # told to the caller; None for a repeat


def external_id(channel_id: str) -> str:
    """The intake's external id for the call (at most 80 characters, as intake keeps)."""
    key = f"voicemail:{channel_id}"
    return key if len(key) <= 80 else "voicemail:" + hashlib.sha256(key.encode()).hexdigest()


def content(duration_seconds: int, recorded_at: datetime) -> str:
    return (
        f"市民来电语音留言（市长信箱），时长 {duration_seconds} 秒，"
        f"录于 {recorded_at:%Y-%m-%d %H:%M:%S}。请收听附件录音并补充诉求内容。"
        f"\nVoicemail of {duration_seconds} s; listen to the attached recording."
    )


def leave(
    channel_id: str,
    caller: str,
    recorded_at: datetime,
    duration_seconds: int,
    data: bytes,
    by: User,
) -> Left:
    """Register the voicemail (each step committed; see the module's docstring)."""
    policy.check_bridge(by)
    recordings.check(data)  # before the case: a refused recording makes no case
    intake = cases.Intake(
        channel=VOICEMAIL,
        citizen_name=CITIZEN,
        citizen_phone=caller,
        content=content(duration_seconds, recorded_at),
        case_type=str(settings.setting("TELEPHONY_VOICEMAIL_CASE_TYPE")),
        external_id=external_id(channel_id),
    )
    case, password, created = cases.accept(intake, by)
    done = calls.record(
        channel_id,
        calls.CallUpdate(caller=caller, started_at=recorded_at, case_id=case.id),
        by,
    )
    recordings.keep_committed(done.call, data, by)
    return Left(case, created, password)
