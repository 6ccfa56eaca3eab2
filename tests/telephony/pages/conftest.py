"""Fixtures of the telephony page tests: skill groups and agents' seats in them, and the
phone system's bearer token (the bridge's service account) for its API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import SkillGroup, SkillGroupMember, User
from app.telephony.account import service_account

# The groups the default IVR menu names (app/telephony/ivr.py DEFAULT_MENU).
GROUPS = [
    ("general", "综合咨询", "General enquiries"),
    ("social", "社保医保", "Social insurance"),
    ("urban", "城建城管", "Urban affairs"),
    ("complaint", "投诉举报", "Complaints"),
    ("foreign", "外语服务", "Foreign languages"),
]


@pytest.fixture
def skill_groups():
    """The skill groups: general (综合咨询), social (社保医保), urban, complaint, foreign."""
    rows = {code: SkillGroup(code=code, name=zh, name_en=en) for code, zh, en in GROUPS}
    db.session.add_all(rows.values())
    db.session.commit()
    return rows


@pytest.fixture
def seat(skill_groups):
    """seat("agent", "general", level=2): the user is a member of the group (not signed in)."""

    def add(username: str, *codes: str, level: int = 1, signed_in: bool = False) -> User:
        user = db.session.scalar(select(User).filter_by(username=username))
        for code in codes:
            db.session.add(
                SkillGroupMember(
                    skill_group_id=skill_groups[code].id,
                    user_id=user.id,
                    level=level,
                    signed_in=signed_in,
                )
            )
        db.session.commit()
        return user

    return add


@pytest.fixture
def bridge_api(client):
    """bridge_api.put_call(channel, **fields), .offer(group, channel, caller): the phone
    system's calls to the web app's API, as the ARI bridge makes them."""

    account = service_account()
    db.session.commit()
    token = issue_token(account)

    class Bridge:
        headers = {"Authorization": f"Bearer {token}"}

        def put_call(self, channel_id: str, **fields):
            resp = client.put(
                f"/api/v1/telephony/calls/{channel_id}", json=fields, headers=self.headers
            )
            assert resp.status_code in (200, 201), resp.get_json()
            return resp.get_json()

        def offer(self, group: str, channel_id: str, caller: str, expect: int = 200):
            resp = client.post(
                f"/api/v1/telephony/queues/{group}/offer",
                json={"channel_id": channel_id, "caller": caller},
                headers=self.headers,
            )
            assert resp.status_code == expect, resp.get_json()
            return resp.get_json()

        def recording(self, channel_id: str, wav: bytes):
            resp = client.put(
                f"/api/v1/telephony/calls/{channel_id}/recording",
                data=wav,
                headers={**self.headers, "Content-Type": "audio/wav"},
            )
            assert resp.status_code == 200, resp.get_json()
            return resp.get_json()

        def commands(self) -> list[dict]:
            """The commands waiting for the phone system (taken: each is handed out once)."""
            resp = client.get("/api/v1/telephony/commands?wait=0", headers=self.headers)
            assert resp.status_code == 200, resp.get_json()
            return resp.get_json()["commands"]

    return Bridge()


def wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A short WAV file of a 440 Hz tone (what a phone recording is: 8 kHz, 16-bit, mono)."""
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                for n in range(frames)
            )
        )
    return out.getvalue()
