"""The blacklist (黑名单): calling numbers the bridge refuses, or plays a message to, before
the menu. Administered from the pages; every change is audited and moves the config's
version, so the bridge picks it up at its next poll."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit_log
from app.auth import policy
from app.clock import clock
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import BlacklistEntry, User
from app.models.telephony import BLACKLIST_ACTIONS, MESSAGE
from app.telephony import versioning
from app.telephony.ivr import SOUND
from app.telephony.transaction import atomic

NUMBER = re.compile(r"^\+?[0-9]{3,20}$")


@dataclass(frozen=True)
class Entry:
    id: int
    number: str
    action: str  # refuse | message
    sound: str  # the message's sound (action message)
    note: str
    created_at: datetime
    created_by: str | None


def entries() -> list[Entry]:
    rows = db.session.execute(
        select(BlacklistEntry, User.username)
        .outerjoin(User, User.id == BlacklistEntry.created_by_id)
        .order_by(BlacklistEntry.number)
    ).all()
    return [
        Entry(e.id, e.number, e.action, e.sound, e.note, e.created_at, username)
        for e, username in rows
    ]


def _check(number: str, action: str, sound: str, note: str) -> None:
    if not NUMBER.fullmatch(number):
        raise Invalid(
            "invalid_number",
            "号码须为3至20位数字",
            "The number must be 3 to 20 digits",
            field="number",
        )
    if action not in BLACKLIST_ACTIONS:
        raise Invalid(
            "unknown_action",
            "处理方式须为拒接或播放提示",
            "The action is refuse or message",
            field="action",
        )
    if action == MESSAGE and not SOUND.fullmatch(sound):
        raise Invalid(
            "invalid_sound",
            "播放提示须指定声音文件名",
            "A message needs a sound name",
            field="sound",
        )
    if len(note) > 200:
        raise Invalid(
            "note_too_long", "备注最多200字", "The note is at most 200 characters", field="note"
        )


@atomic
def add(number: str, action: str, sound: str, note: str, by: User, client_ip: str = "") -> Entry:
    """Blacklist a number (committed, audited); 409 `number_blacklisted` when it is."""
    policy.check_manage_telephony(by)
    number, sound, note = number.strip(), sound.strip() if action == MESSAGE else "", note.strip()
    _check(number, action, sound, note)
    row = BlacklistEntry(
        number=number,
        action=action,
        sound=sound,
        note=note,
        created_by_id=by.id,
        created_at=clock.now(),
    )
    taken = Conflict(
        "number_blacklisted", "该号码已在黑名单中", "The number is on the blacklist already"
    )
    if db.session.scalar(select(BlacklistEntry.id).where(BlacklistEntry.number == number)):
        raise taken
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # the same number added concurrently
        raise taken from None
    versioning.changed()
    audit_log.record(
        by,
        client_ip,
        "telephony.blacklist_add",
        "blacklist_entry",
        number,
        treatment=action,
        sound=sound,
        note=note,
    )
    db.session.commit()
    return Entry(row.id, row.number, row.action, row.sound, row.note, row.created_at, by.username)


@atomic
def remove(entry_id: int, by: User, client_ip: str = "") -> None:
    """Take an entry off the blacklist (committed, audited); 404 `blacklist_entry_not_found`."""
    policy.check_manage_telephony(by)
    row = db.session.get(BlacklistEntry, entry_id)
    if row is None:
        raise NotFound("blacklist_entry_not_found", "黑名单中没有该条目", "No such blacklist entry")
    audit_log.record(
        by,
        client_ip,
        "telephony.blacklist_remove",
        "blacklist_entry",
        row.number,
        treatment=row.action,
    )
    db.session.delete(row)
    versioning.changed()
    db.session.commit()
