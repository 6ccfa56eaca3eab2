"""Telephony's fixtures: the bridge's token, skill groups with agents signed in and ready."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.clock import clock
from app.extensions import db
from app.models import AgentState, CallRecord, SkillGroup, SkillGroupMember, User
from app.models.telephony import READY
from app.telephony.account import service_account

NOW = datetime(2026, 12, 1, 10, 0)  # a Tuesday


@pytest.fixture
def bridge(client) -> dict:
    """Headers with the bridge's bearer token."""
    user = service_account()
    db.session.commit()
    return {"Authorization": f"Bearer {issue_token(user)}"}


@pytest.fixture
def now():
    clock.freeze(NOW)
    yield NOW
    clock.unfreeze()


def at(seconds: float = 0) -> str:
    """NOW + seconds as the bridge sends it (RFC 3339, UTC)."""
    moment = NOW + timedelta(seconds=seconds) - timedelta(hours=8)  # Asia/Shanghai
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def put_call(client, headers, channel: str, **body):
    return client.put(f"/api/v1/telephony/calls/{channel}", json=body, headers=headers)


def call_of(channel: str) -> CallRecord | None:
    db.session.expire_all()
    return db.session.scalar(select(CallRecord).where(CallRecord.channel_id == channel))


def state_of(username: str) -> AgentState | None:
    db.session.expire_all()
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    return db.session.get(AgentState, user_id)


@pytest.fixture
def groups():
    """Skill groups general and social; agents (made here, at the city centre) in them.

    agent: general level 2, ready since NOW-300; agent01: general level 2, ready since NOW-600
    (longer idle); agent02: general level 1, ready since NOW-900; agent03 in social only."""
    from app.auth import passwords
    from app.models import Department, Role

    made = {}
    for code, name in (("general", "综合咨询"), ("social", "社保医保")):
        made[code] = SkillGroup(code=code, name=name, name_en=code)
        db.session.add(made[code])
    db.session.flush()
    city = db.session.scalar(select(Department).filter_by(code="city"))
    role = db.session.scalar(select(Role).filter_by(code="agent"))
    users = {"agent": db.session.scalars(select(User).filter_by(username="agent")).unique().one()}
    for name in ("agent01", "agent02", "agent03"):
        found = db.session.scalars(select(User).filter_by(username=name)).unique().first()
        if found is None:
            found = User(
                username=name,
                password_hash=passwords.hash_password("test-pass"),
                display_name=name,
                department=city,
                roles=[role],
            )
            db.session.add(found)
            db.session.flush()
        users[name] = found
    plan = [
        ("agent", "general", 2, 300),
        ("agent01", "general", 2, 600),
        ("agent02", "general", 1, 900),
        ("agent03", "social", 1, 100),
    ]
    for name, code, level, idle in plan:
        db.session.add(
            SkillGroupMember(
                user_id=users[name].id, skill_group_id=made[code].id, level=level, signed_in=True
            )
        )
        db.session.add(
            AgentState(user_id=users[name].id, state=READY, since=NOW - timedelta(seconds=idle))
        )
    db.session.commit()
    return made


# A WAV's first bytes (what the type detection reads), then silence.
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 2000


@pytest.fixture(autouse=True)
def attachments_dir(app, tmp_path):
    """Each test's files in its own folder (the settings are restored after every test)."""
    folder = tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"] = str(folder)
    return folder


def stored_files(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
