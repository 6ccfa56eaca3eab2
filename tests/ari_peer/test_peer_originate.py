"""Originate to simulated phones: one answers, one rings out, one is busy, one hangs up later."""

from __future__ import annotations

import pytest
from asyncari.model import Channel, OperationError
from httpx import HTTPStatusError

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari

pytestmark = pytest.mark.anyio


async def test_a_phone_that_answers_enters_stasis_with_the_app_args(peer: Peer) -> None:
    peer.set_phone("PJSIP/agent01", answer_after=0.05)
    async with ari(peer) as session:
        channel = await session.client.channels.originate(
            endpoint="PJSIP/agent01",
            app="hotline",
            appArgs="agent,1796.0",
            callerId="Hotline <12345>",
            timeout=5,
            variables={"MINQING_CALL": "1796.0"},
        )
        assert isinstance(channel, Channel)
        assert channel.json["state"] == "Down"
        start = await session.wait_for("StasisStart")
        assert start.channel is channel
        assert start.args == ["agent", "1796.0"]
        assert start["channel"]["state"] == "Up"
        assert start["channel"]["caller"] == {"name": "Hotline", "number": "12345"}
        assert start["channel"]["name"].startswith("PJSIP/agent01-")
        # asyncari names the Dial events by their status.
        dials = [(e.type, e.dialstatus) for e in session.of_type("DialStart")]
        dials += [(e.type, e.dialstatus) for e in session.of_type("DialState")]
        dials += [(e.type, e.dialstatus) for e in session.of_type("DialResult")]
        assert dials == [("DialStart", ""), ("DialState", "RINGING"), ("DialResult", "ANSWER")]
        assert session.of_type("DialStart")[0].dialstring == "agent01"
        described = peer.channel(channel.id)
        assert described is not None and described["in_stasis"]
        assert described["variables"] == {"MINQING_CALL": "1796.0"}


async def test_a_phone_nobody_answers_times_out_with_no_answer(peer: Peer) -> None:
    peer.set_phone("PJSIP/agent02", answer_after=None)
    async with ari(peer) as session:
        channel = await session.client.channels.originateWithId(
            channelId="agent-call-1",
            endpoint="PJSIP/agent02",
            app="hotline",
            appArgs="agent,x",
            timeout=1,
        )
        assert channel.id == "agent-call-1"
        ringing = await session.wait_for("ChannelStateChange")
        assert ringing["channel"]["state"] == "Ringing"
        destroyed = await session.wait_for("ChannelDestroyed")
        assert (destroyed.cause, destroyed.cause_txt) == (19, "User alerting, no answer")
        # Asterisk's dial timeout publishes no final Dial status: ChannelDestroyed says it.
        assert session.of_type("DialResult") == []
        assert session.of_type("StasisStart") == []
        assert peer.channel("agent-call-1") is None


async def test_a_busy_phone_and_the_app_cancelling_a_ringing_dial(peer: Peer) -> None:
    peer.set_phone("PJSIP/agent03", busy=True)
    peer.set_phone("PJSIP/agent04", answer_after=None)
    async with ari(peer) as session:
        await session.client.channels.originate(endpoint="PJSIP/agent03", app="hotline")
        destroyed = await session.wait_for("ChannelDestroyed")
        assert destroyed.cause == 17
        assert session.of_type("DialResult")[0].dialstatus == "BUSY"

        ringing = await session.client.channels.originate(endpoint="PJSIP/agent04", app="hotline")
        await session.wait_for("DialState", lambda e: e.peer.id == ringing.id)
        await ringing.hangup()
        await session.wait_for("ChannelDestroyed", lambda e: e.channel.id == ringing.id)
        statuses = [e.dialstatus for e in session.of_type("DialResult") if e.peer.id == ringing.id]
        assert statuses == ["NOANSWER"]


async def test_a_phone_that_hangs_up_after_talking(peer: Peer) -> None:
    peer.set_phone("PJSIP/clerk01", answer_after=0.01, hangup_after=0.05)
    async with ari(peer) as session:
        channel = await session.client.channels.originate(
            endpoint="PJSIP/clerk01", app="hotline", appArgs="callback,7"
        )
        await session.wait_for("StasisEnd", lambda e: e.channel.id == channel.id)
        destroyed = await session.wait_for("ChannelDestroyed")
        assert destroyed.cause == 16
        assert session.of_type("ChannelHangupRequest")[0].cause == 16


async def test_an_outside_number_through_the_trunk(peer: Peer) -> None:
    peer.set_phone("PJSIP/13800000000@hotline-trunk", answer_after=0)
    async with ari(peer) as session:
        channel = await session.client.channels.originate(
            endpoint="PJSIP/13800000000@hotline-trunk", app="hotline", appArgs="callback-citizen,7"
        )
        start = await session.wait_for("StasisStart")
        assert start.channel is channel
        assert start["channel"]["name"].startswith("PJSIP/hotline-trunk-")
        assert session.of_type("DialStart")[0].dialstring == "13800000000@hotline-trunk"


async def test_originate_refusals_are_asterisks(peer: Peer) -> None:
    async with ari(peer) as session:
        channels = session.client.channels
        with pytest.raises(OperationError) as missing:
            await channels.originate(endpoint="", app="hotline")
        assert str(missing.value) == "Endpoint must be specified"
        with pytest.raises(OperationError) as no_resource:
            await channels.originate(endpoint="PJSIP", app="hotline")
        assert str(no_resource.value) == "Invalid endpoint specified"
        with pytest.raises(OperationError) as nowhere:
            await channels.originate(endpoint="PJSIP/agent01")
        assert str(nowhere.value) == "Application or extension must be specified"
        with pytest.raises(OperationError) as unknown_tech:
            await channels.originate(endpoint="FOO/bar", app="hotline")
        cause = unknown_tech.value.__cause__
        assert isinstance(cause, HTTPStatusError) and cause.response.status_code == 500
        assert cause.response.json() == {"error": "Allocation failed"}

        peer.set_phone("PJSIP/agent05", answer_after=None)
        await channels.originateWithId(channelId="dup-1", endpoint="PJSIP/agent05", app="hotline")
        with pytest.raises(OperationError) as duplicate:
            await channels.originateWithId(
                channelId="dup-1", endpoint="PJSIP/agent05", app="hotline"
            )
        cause = duplicate.value.__cause__
        assert isinstance(cause, HTTPStatusError) and cause.response.status_code == 409
        assert session.of_type("StasisStart") == []


async def test_a_ringing_phone_that_hangs_up_declines_the_call(peer: Peer) -> None:
    peer.set_phone("PJSIP/agent06", answer_after=None)
    async with ari(peer) as session:
        channel = await session.client.channels.originate(endpoint="PJSIP/agent06", app="hotline")
        await session.wait_for("DialState")
        peer.hang_up(channel.id)
        destroyed = await session.wait_for("ChannelDestroyed")
        assert (destroyed.cause, destroyed.cause_txt) == (21, "Call Rejected")
        assert [e.dialstatus for e in session.of_type("DialResult")] == ["NOANSWER"]
