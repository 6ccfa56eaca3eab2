"""A caller reaches the Stasis app through the real asyncari client: answer, prompts, keys."""

from __future__ import annotations

import anyio
import pytest
from asyncari.model import Channel, Playback

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari, rest

pytestmark = pytest.mark.anyio


async def test_inbound_call_is_a_typed_stasis_start_with_the_dialplan_args(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call(caller="13800000000", called="12345")
        start = await session.wait_for("StasisStart")
        assert isinstance(start.channel, Channel)
        assert start.channel.id == channel_id
        assert start.args == ["inbound", "12345"]
        assert start["channel"]["state"] == "Ring"
        assert start["channel"]["caller"] == {"name": "", "number": "13800000000"}
        assert start["channel"]["dialplan"]["app_data"] == "hotline,inbound,12345"
        assert start["channel"]["name"].startswith("PJSIP/13800000000-")


async def test_answer_play_and_keys(peer: Peer) -> None:
    peer.sound_seconds = 0.05
    async with ari(peer) as session:
        channel_id = peer.place_call()
        start = await session.wait_for("StasisStart")
        channel = start.channel
        await channel.answer()
        change = await session.wait_for("ChannelStateChange")
        assert change["channel"]["state"] == "Up"

        playback = await channel.play(media="sound:minqing/welcome", playbackId="pb-welcome-1")
        assert isinstance(playback, Playback)
        assert playback.json["state"] == "queued"
        started = await session.wait_for("PlaybackStarted")
        assert started.playback is playback
        assert started["playback"]["target_uri"] == f"channel:{channel_id}"
        finished = await session.wait_for("PlaybackFinished")
        assert finished["playback"]["state"] == "done"
        assert peer.heard(channel_id) == ["sound:minqing/welcome"]

        peer.press(channel_id, "1#")
        await session.wait_for("ChannelDtmfReceived", lambda e: e.digit == "#")
        digits = [e.digit for e in session.of_type("ChannelDtmfReceived")]
        assert digits == ["1", "#"]
        assert all(isinstance(e.channel, Channel) for e in session.of_type("ChannelDtmfReceived"))

        listed = await session.client.channels.list()
        assert [c.id for c in listed] == [channel_id]
        fetched = await session.client.channels.get(channelId=channel_id)
        assert fetched.json["state"] == "Up"


async def test_several_media_play_in_turn_and_a_second_playback_waits(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.play(media=["digits:1", "digits:2"], playbackId="calls-first")
        await channel.play(media="sound:minqing/bye", playbackId="calls-second")
        await session.wait_for("PlaybackFinished", lambda e: e.playback.id == "calls-second")
        order = [(e.type, e.playback.id) for e in session.received if e.type.startswith("Playback")]
        assert order == [
            ("PlaybackStarted", "calls-first"),
            ("PlaybackContinuing", "calls-first"),
            ("PlaybackStarted", "calls-first"),
            ("PlaybackFinished", "calls-first"),
            ("PlaybackStarted", "calls-second"),
            ("PlaybackFinished", "calls-second"),
        ]
        assert peer.heard(channel_id) == ["digits:1", "digits:2", "sound:minqing/bye"]


async def test_stopping_a_playback_finishes_it_and_an_unknown_scheme_fails(peer: Peer) -> None:
    peer.set_sound_seconds("sound:minqing/long", 30)
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        playback = await channel.play(media="sound:minqing/long")
        await session.wait_for("PlaybackStarted")
        assert peer.channel(channel_id)["playing"] == "sound:minqing/long"  # type: ignore[index]
        await playback.stop()
        finished = await session.wait_for("PlaybackFinished")
        assert finished["playback"]["state"] == "done"

        await channel.play(media="nonsense:thing", playbackId="calls-bad")
        failed = await session.wait_for("PlaybackFinished", lambda e: e.playback.id == "calls-bad")
        assert failed["playback"]["state"] == "failed"


async def test_caller_hangs_up_mid_prompt(peer: Peer) -> None:
    peer.sound_seconds = 5
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.answer()
        await channel.play(media="sound:minqing/welcome")
        await session.wait_for("PlaybackStarted")
        peer.hang_up(channel_id)
        destroyed = await session.wait_for("ChannelDestroyed")
        assert (destroyed.cause, destroyed.cause_txt) == (16, "Normal Clearing")
        kinds = [e.type for e in session.received if e.type != "ChannelVarset"]
        assert kinds[-4:] == [
            "ChannelHangupRequest",
            "PlaybackFinished",
            "StasisEnd",
            "ChannelDestroyed",
        ]
        request = session.of_type("ChannelHangupRequest")[0]
        assert request.cause == 16 and not hasattr(request, "soft")
        assert peer.channel(channel_id) is None
        assert await session.client.channels.list() == []


async def test_app_hangs_up_with_a_reason(peer: Peer) -> None:
    async with ari(peer) as session:
        peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.answer()
        await channel.hangup(reason="busy")
        destroyed = await session.wait_for("ChannelDestroyed")
        request = session.of_type("ChannelHangupRequest")[0]
        assert (request.cause, request.soft) == (32, True)
        assert (destroyed.cause, destroyed.cause_txt) == (17, "User busy")
        kinds = [e.type for e in session.received if e.type != "ChannelVarset"]
        assert kinds[-3:] == ["ChannelHangupRequest", "StasisEnd", "ChannelDestroyed"]


async def test_variables_and_the_asterisk_resource(peer: Peer) -> None:
    async with ari(peer) as session:
        channel_id = peer.place_call()
        channel = (await session.wait_for("StasisStart")).channel
        await channel.setChannelVar(variable="MINQING_CASE", value="42")
        varset = await session.wait_for("ChannelVarset", lambda e: e.variable == "MINQING_CASE")
        assert varset.value == "42"
        value = await channel.getChannelVar(variable="MINQING_CASE")
        assert value == {"value": "42"}
        await channel.ring()
        assert peer.channel(channel_id)["variables"] == {"MINQING_CASE": "42"}  # type: ignore[index]

        info = await session.client.asterisk.getInfo()
        assert info["system"]["version"].startswith("22.")
        pong = await session.client.asterisk.ping()
        assert pong["ping"] == "pong"
        app = await session.client.applications.get(applicationName="hotline")
        assert app["channel_ids"] == [channel_id]


async def test_a_call_while_the_app_is_not_connected_never_reaches_stasis(peer: Peer) -> None:
    channel_id = peer.place_call()
    assert peer.channel(channel_id) is None
    async with ari(peer) as session:
        await anyio.sleep(0.05)
        assert session.of_type("StasisStart") == []
        assert await session.client.channels.list() == []


async def test_continue_and_redirect_take_the_call_out_of_stasis(peer: Peer) -> None:
    async with ari(peer) as session:
        first_id = peer.place_call()
        first = (await session.wait_for("StasisStart")).channel
        await first.continueInDialplan()
        await session.wait_for("StasisEnd", lambda e: e.channel is first)
        peer.wait_until(lambda: peer.channel(first_id) is None)

        second_id = peer.place_call()
        second = (
            await session.wait_for("StasisStart", lambda e: e.channel.id == second_id)
        ).channel
        wrong = rest(peer, "POST", f"/channels/{second_id}/redirect", params={"endpoint": "SIP/x"})
        assert wrong.status_code == 422
        await second.redirect(endpoint="PJSIP/110@hotline-trunk")
        await session.wait_for("StasisEnd", lambda e: e.channel is second)
        assert rest(peer, "POST", f"/channels/{second_id}/answer").status_code in (404, 409)
