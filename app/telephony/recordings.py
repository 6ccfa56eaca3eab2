"""A call's recording: the WAV the bridge sends, kept in the attachments' storage and attached
to the call's case (an attachment, `attachment_added` on its timeline), now or when the call
gets its case, so that the case page lists and plays it like any file of the case.

Checked before anything is kept: at most TELEPHONY_RECORDING_MAX_BYTES (413), a WAV by its
bytes (422 `recording_not_wav`). A repeat for a call that has its recording changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from app.attachments import service as attachments
from app.attachments import storage, types
from app.clock import clock
from app.errors import DomainError, Invalid
from app.extensions import db
from app.models import Attachment, CallRecord, CallRecording, CaseEvent, User
from app.telephony import settings
from app.telephony.transaction import atomic

WAV = "audio/x-wav"  # as the attachments' type detection names it
# The types a request body may declare for a WAV (RFC 2361 and common usage, and plain bytes:
# what it is is read from the bytes either way).
WAV_CONTENT_TYPES = frozenset(
    {"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "application/octet-stream"}
)


def too_large() -> DomainError:
    limit = settings.recording_max_bytes()
    return DomainError(
        "recording_too_large",
        f"录音超过 {limit // 2**20} MB 的上限",
        f"The recording is larger than the limit of {limit // 2**20} MB",
        status=413,
        max_bytes=limit,
    )


def check(data: bytes) -> None:
    """A recording we keep: not empty, within the size limit, a WAV by its bytes."""
    if len(data) > settings.recording_max_bytes():
        raise too_large()
    if not data or types.detect(data).mime != WAV:
        raise Invalid(
            "recording_not_wav",
            "录音须为 WAV 格式的音频",
            "The recording must be WAV audio",
            field="recording",
        )


@dataclass(frozen=True)
class Stored:
    recording: CallRecording
    created: bool


def keep(call: CallRecord, data: bytes, by: User) -> Stored:
    """The call's recording (checked), in the caller's transaction, attached to its case if
    it has one; the call's earlier recording when it has one (nothing written)."""
    existing = db.session.get(CallRecording, call.id)
    if existing is not None:
        return Stored(existing, False)
    check(data)
    key = storage.new_key()
    storage.write(key, data)
    try:
        row = CallRecording(
            call_id=call.id,
            storage_key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_at=clock.now(),
        )
        db.session.add(row)
        db.session.flush()
        if call.case_id is not None:
            attach_pending(call, by)
    except BaseException:
        storage.remove(key)
        raise
    return Stored(row, True)


@atomic
def keep_committed(call: CallRecord, data: bytes, by: User) -> Stored:
    """`keep`, committed (PUT /calls/<id>/recording, a voicemail's file)."""
    stored = keep(call, data, by)
    db.session.commit()
    return stored


def attach_pending(call: CallRecord, by: User) -> None:
    """Attach the call's recording to its case, unless it is attached already or missing."""
    row = db.session.scalar(
        select(CallRecording).where(
            CallRecording.call_id == call.id, CallRecording.attachment_id.is_(None)
        )
    )
    if row is None or call.case_id is None:
        return
    now = clock.now()
    name = f"录音-{call.channel_id}.wav"[:255]
    attachment = Attachment(
        case_id=call.case_id,
        storage_key=row.storage_key,
        display_name=name,
        content_type=WAV,
        size=row.size,
        sha256=row.sha256,
        uploaded_by_id=by.id,
        department_id=by.department_id,
        uploaded_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    row.attachment_id = attachment.id
    described = {"id": attachment.id, "name": name, "size": row.size, "content_type": WAV}
    db.session.add(
        CaseEvent(
            case_id=call.case_id,
            at=now,
            user_id=by.id,
            action=attachments.ADDED,
            from_department_id=by.department_id,
            comment=name,
            data={"attachments": [described], "channel_id": call.channel_id},
        )
    )
