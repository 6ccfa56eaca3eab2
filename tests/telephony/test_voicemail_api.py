"""POST /voicemails and PUT /calls/<id>/recording: a voicemail becomes one case with its
recording attached, however often it is sent; recordings join the call's case."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from tests.conftest import snapshot
from tests.telephony.conftest import WAV, at, call_of, put_call, stored_files

CH = "1795381636.21"


def leave(client, headers, channel=CH, data=WAV, **fields):
    form = {
        "channel_id": channel,
        "caller": "13800002222",
        "recorded_at": at(),
        "duration_seconds": "42",
        "recording": (io.BytesIO(data), "vm.wav", "audio/wav"),
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(
        "/api/v1/telephony/voicemails",
        data=form,
        headers=headers,
        content_type="multipart/form-data",
    )


def test_a_voicemail_is_one_case_with_its_recording(client, bridge, now, attachments_dir):
    first = leave(client, bridge)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True and body["number"] and len(body["query_password"]) == 6
    case = db.session.get(Case, body["case_id"])
    assert case.channel == "voicemail" and case.citizen_phone == "13800002222"
    assert "42 秒" in case.content
    attachment = db.session.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert attachment.content_type == "audio/x-wav" and attachment.size == len(WAV)
    assert call_of(CH).case_id == case.id
    files = stored_files(attachments_dir)
    assert len(files) == 1 and files[0].read_bytes() == WAV

    again = leave(client, bridge)
    assert again.status_code == 200
    assert again.get_json() == {**body, "created": False, "query_password": None}
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert len(stored_files(attachments_dir)) == 1


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"channel_id": "bad id"}, 422, "invalid_request"),
        ({"recorded_at": "noon"}, 422, "invalid_request"),
        ({"duration_seconds": "-1"}, 422, "invalid_request"),
        ({"duration_seconds": "lots"}, 422, "invalid_request"),
        ({"recording": None}, 422, "recording_required"),
        (
            {"recording": (io.BytesIO(b"%PDF-1.4 not audio"), "x.wav", "audio/wav")},
            422,
            "recording_not_wav",
        ),
        ({"recording": (io.BytesIO(b""), "x.wav", "audio/wav")}, 422, "recording_not_wav"),
    ],
)
def test_bad_voicemails_make_nothing(client, bridge, now, attachments_dir, fields, status, code):
    before = snapshot()
    resp = leave(client, bridge, **fields)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["code"] == code
    assert snapshot() == before
    assert stored_files(attachments_dir) == []


def test_an_oversized_voicemail_is_413(app, client, bridge, now, attachments_dir):
    app.config["TELEPHONY_RECORDING_MAX_BYTES"] = 1000
    before = snapshot()
    resp = leave(client, bridge, data=WAV + b"\x00" * 2000)
    assert resp.status_code == 413 and "code" in resp.get_json()
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_agents_may_not_leave_voicemails(client, auth, now):
    before = snapshot()
    assert leave(client, auth("agent")).status_code == 403
    assert snapshot() == before


def put_recording(client, headers, channel=CH, data=WAV, content_type="audio/wav"):
    return client.put(
        f"/api/v1/telephony/calls/{channel}/recording",
        data=data,
        headers={**headers, "Content-Type": content_type},
    )


def test_a_recording_joins_the_case_when_it_is_linked(client, bridge, api, now, attachments_dir):
    put_call(client, bridge, CH, started_at=at(), caller="13800001111")
    stored = put_recording(client, bridge)
    assert stored.status_code == 200, stored.get_json()
    body = stored.get_json()
    assert body["created"] is True and body["case_id"] is None and body["attachment_id"] is None
    assert body["size"] == len(WAV)
    again = put_recording(client, bridge, data=WAV + b"\x01")
    assert again.get_json() == {**body, "created": False}
    case = api.create()
    put_call(client, bridge, CH, case_id=case["id"])
    attachment = db.session.scalars(
        select(Attachment).where(Attachment.case_id == case["id"])
    ).one()
    assert attachment.content_type == "audio/x-wav"
    events = db.session.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case["id"])
    ).all()
    assert "attachment_added" in events
    assert len(stored_files(attachments_dir)) == 1


def test_a_recording_of_a_linked_call_is_attached_at_once(client, bridge, api, now):
    case = api.create()
    put_call(client, bridge, CH, started_at=at(), case_id=case["id"])
    body = put_recording(client, bridge).get_json()
    assert body["case_id"] == case["id"] and body["attachment_id"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content_type": "application/json", "data": b"{}"}, 415),
        ({"content_type": "text/plain"}, 415),
        ({"data": b"not a wav at all"}, 422),
        ({"channel": "no.such.call"}, 404),
        ({"channel": "bad id"}, 422),
    ],
)
def test_bad_recordings_change_nothing(client, bridge, now, attachments_dir, kwargs, status):
    put_call(client, bridge, CH, started_at=at())
    before = snapshot()
    resp = put_recording(client, bridge, **kwargs)
    assert resp.status_code == status, resp.get_json()
    assert "code" in resp.get_json()
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_an_oversized_recording_is_413(app, client, bridge, now, attachments_dir):
    put_call(client, bridge, CH, started_at=at())
    app.config["TELEPHONY_RECORDING_MAX_BYTES"] = 1000
    before = snapshot()
    resp = put_recording(client, bridge, data=WAV + b"\x00" * 100_000)
    assert resp.status_code == 413 and "code" in resp.get_json()
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_a_recording_over_the_usual_request_limit_is_taken(app, client, bridge, now):
    """Bigger than MAX_CONTENT_LENGTH (1 MB): a recording's own limit applies."""
    put_call(client, bridge, CH, started_at=at())
    big = WAV + b"\x00" * (2 * 2**20)
    resp = put_recording(client, bridge, data=big)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["size"] == len(big)
