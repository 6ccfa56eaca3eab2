"""Voicemail-style recordings: ended by a key, by silence, by hangup, by stop; stored as WAV."""

from __future__ import annotations

import io
import wave

import pytest
from asyncari.model import LiveRecording, StoredRecording

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari, rest

pytestmark = pytest.mark.anyio


def frames(wav_bytes: bytes) -> tuple[int, int, int]:
    with wave.open(io.BytesIO(wav_bytes)) as audio:
        return audio.getnframes(), audio.getframerate(), audio.getnchannels()


async def test_a_message_ended_by_the_hash_key_is_stored_and_served(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.answer()
        live = await channel.record(
            name="vm-key-1",
            format="wav",
            maxDurationSeconds=120,
            beep=True,
            terminateOn="#",
            ifExists="overwrite",
        )
        assert isinstance(live, LiveRecording)
        assert live.json["state"] == "queued"
        started = await session.wait_for("RecordingStarted")
        assert started.recording is live
        assert started["recording"]["state"] == "recording"
        assert peer.channel(channel_id)["recording"] == "vm-key-1"  # type: ignore[index]
        peer.talk(channel_id, 2)
        peer.press(channel_id, "#")
        finished = await session.wait_for("RecordingFinished")
        assert finished["recording"] == {
            "name": "vm-key-1",
            "format": "wav",
            "state": "done",
            "target_uri": f"channel:{channel_id}",
            "duration": 2,
        }
        assert session.of_type("ChannelDtmfReceived")[0].digit == "#"

        stored = await session.client.recordings.getStored(recordingName="vm-key-1")
        assert isinstance(stored, StoredRecording)
        assert stored.json == {"name": "vm-key-1", "format": "wav"}
        listed = await session.client.recordings.listStored()
        assert [r.json["name"] for r in listed] == ["vm-key-1"]

        response = rest(peer, "GET", "/recordings/stored/vm-key-1/file")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "audio/wav"
        assert frames(response.content) == (16000, 8000, 1)
        assert peer.recording("vm-key-1") == response.content

        await stored.deleteStored()
        assert rest(peer, "GET", "/recordings/stored/vm-key-1").status_code == 404
        assert rest(peer, "GET", "/recordings/stored/vm-key-1/file").status_code == 404


async def test_silence_ends_a_recording_with_duration_zero(peer: Peer) -> None:
    async with ari(peer) as session:
        peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.record(name="vm-silent-1", format="wav", maxSilenceSeconds=1)
        finished = await session.wait_for("RecordingFinished", timeout=4)
        assert finished["recording"]["duration"] == 0
        assert frames(rest(peer, "GET", "/recordings/stored/vm-silent-1/file").content)[0] == 0


async def test_a_recording_queued_behind_a_prompt_and_ended_by_hangup(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.play(media="sound:minqing/leave-message", playbackId="rec-prompt-1")
        await channel.record(name="vm-hangup-1", format="wav")
        await session.wait_for("RecordingStarted")
        kinds = [e.type for e in session.received]
        assert kinds.index("PlaybackFinished") < kinds.index("RecordingStarted")
        peer.talk(channel_id, 3)
        peer.hang_up(channel_id)
        await session.wait_for("ChannelDestroyed")
        kinds = [e.type for e in session.received if e.type != "ChannelVarset"]
        assert kinds[-4:] == [
            "ChannelHangupRequest",
            "RecordingFinished",
            "StasisEnd",
            "ChannelDestroyed",
        ]
        assert session.of_type("RecordingFinished")[0]["recording"]["duration"] == 3


async def test_stopping_a_live_recording_and_the_refusals(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        live = await channel.record(name="vm-stop-1", format="wav")
        await session.wait_for("RecordingStarted")
        path = f"/channels/{channel_id}/record"
        busy = rest(peer, "POST", path, params={"name": "other", "format": "wav"})
        assert busy.status_code == 409
        fetched = rest(peer, "GET", "/recordings/live/vm-stop-1")
        assert fetched.json()["state"] == "recording"
        peer.talk(channel_id, 1)
        await live.stop()
        finished = await session.wait_for("RecordingFinished")
        assert finished["recording"]["duration"] == 1
        assert rest(peer, "GET", "/recordings/live/vm-stop-1").status_code == 404

        exists = rest(peer, "POST", path, params={"name": "vm-stop-1", "format": "wav"})
        assert exists.status_code == 409
        assert exists.json() == {
            "message": "Recording 'vm-stop-1' already exists and can not be overwritten"
        }
        bad_format = rest(peer, "POST", path, params={"name": "x1", "format": "mp9"})
        assert bad_format.status_code == 422
        bad_key = rest(
            peer, "POST", path, params={"name": "x1", "format": "wav", "terminateOn": "5"}
        )
        assert bad_key.json() == {"message": "terminateOn invalid"}
        sneaky = rest(peer, "POST", path, params={"name": "../../etc/x", "format": "wav"})
        assert sneaky.status_code == 400
        negative = rest(
            peer, "POST", path, params={"name": "x1", "format": "wav", "maxDurationSeconds": "-1"}
        )
        assert negative.status_code == 400
        assert rest(peer, "POST", "/recordings/live/nothing/stop").status_code == 404
        assert rest(peer, "DELETE", "/recordings/stored/nothing").status_code == 404
