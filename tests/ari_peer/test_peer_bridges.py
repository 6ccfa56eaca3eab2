"""Mixing bridges: a caller and an agent talk, hear the bridge's prompts, are recorded."""

from __future__ import annotations

import io
import wave

import pytest
from asyncari.model import Bridge

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari, rest

pytestmark = pytest.mark.anyio


async def test_caller_and_agent_in_a_bridge(peer: Peer) -> None:
    peer.set_phone("PJSIP/agent01", answer_after=0)
    async with ari(peer) as session:
        caller_id = peer.place_call()
        caller = (await session.wait_for("StasisStart")).channel
        await caller.answer()
        agent = await session.client.channels.originate(
            endpoint="PJSIP/agent01", app="hotline", appArgs=f"agent,{caller_id}"
        )
        await session.wait_for("StasisStart", lambda e: e.channel is agent)

        bridge = await session.client.bridges.create(type="mixing", name="call-1")
        assert isinstance(bridge, Bridge)
        assert bridge.json["bridge_type"] == "mixing" and bridge.json["channels"] == []
        await bridge.addChannel(channel=[caller.id, agent.id])
        await session.wait_for("ChannelEnteredBridge", lambda e: e.channel is agent)
        await session.wait_for("ChannelVarset", lambda e: e.variable == "BRIDGEPVTCALLID")
        entered = session.of_type("ChannelEnteredBridge")
        assert [e.channel.id for e in entered] == [caller.id, agent.id]
        assert entered[-1]["bridge"]["channels"] == [caller.id, agent.id]
        peers = {
            e.channel.id: e.value
            for e in session.of_type("ChannelVarset")
            if e.variable == "BRIDGEPEER"
        }
        assert peers[caller.id] == agent.json["name"]
        assert peer.channel(caller_id)["bridge"] == bridge.id  # type: ignore[index]

        await bridge.play(media="sound:minqing/connected", playbackId="bridge-pb-1")
        finished = await session.wait_for("PlaybackFinished")
        assert finished["playback"]["target_uri"] == f"bridge:{bridge.id}"
        assert "sound:minqing/connected" in peer.heard(caller_id)
        assert "sound:minqing/connected" in peer.heard(agent.id)

        await bridge.record(name="bridge-rec-1", format="wav", maxDurationSeconds=1)
        await session.wait_for("RecordingStarted")
        peer.talk(caller_id, 0.5)
        done = await session.wait_for("RecordingFinished", timeout=3)
        assert done["recording"]["target_uri"] == f"bridge:{bridge.id}"
        assert done["recording"]["duration"] == 1

        await bridge.removeChannel(channel=agent.id)
        left = await session.wait_for("ChannelLeftBridge")
        assert left.channel is agent and left["bridge"]["channels"] == [caller.id]

        await bridge.destroy()
        destroyed = await session.wait_for("BridgeDestroyed")
        assert destroyed.bridge is bridge
        assert destroyed["bridge"]["channels"] == []
        assert peer.channel(caller_id)["bridge"] is None  # type: ignore[index]
        assert await session.client.bridges.list() == []

    wav = rest(peer, "GET", "/recordings/stored/bridge-rec-1/file")
    assert wav.status_code == 200
    with wave.open(io.BytesIO(wav.content)) as audio:
        assert audio.getnframes() == 8000


async def test_a_bridged_caller_hanging_up_leaves_the_bridge_first(peer: Peer) -> None:
    async with ari(peer) as session:
        caller_id = peer.place_call()
        caller = (await session.wait_for("StasisStart")).channel
        bridge = await session.client.bridges.create(type="mixing")
        await bridge.addChannel(channel=caller.id)
        await session.wait_for("ChannelEnteredBridge")
        peer.hang_up(caller_id)
        await session.wait_for("ChannelDestroyed")
        kinds = [e.type for e in session.received if e.type != "ChannelVarset"]
        assert kinds[-4:] == [
            "ChannelHangupRequest",
            "ChannelLeftBridge",
            "StasisEnd",
            "ChannelDestroyed",
        ]
        fetched = await session.client.bridges.get(bridgeId=bridge.id)
        assert fetched.json["channels"] == []


async def test_bridge_refusals(peer: Peer) -> None:
    async with ari(peer) as session:
        caller_id = peer.place_call()
        await session.wait_for("StasisStart")
        bridge = await session.client.bridges.create(bridgeId="b-refusals")
        assert rest(peer, "POST", "/bridges/b-refusals").status_code == 409
        missing = rest(peer, "POST", "/bridges/b-refusals/addChannel")
        assert missing.status_code == 400
        assert missing.json() == {"message": "Missing parameter channel"}
        unknown = rest(peer, "POST", "/bridges/b-refusals/addChannel", params={"channel": "1.99"})
        assert unknown.status_code == 400
        assert unknown.json() == {"message": "Channel not found"}
        not_in = rest(
            peer, "POST", "/bridges/b-refusals/removeChannel", params={"channel": caller_id}
        )
        assert not_in.status_code == 422
        assert rest(peer, "DELETE", "/bridges/nope").status_code == 404
        assert rest(peer, "POST", "/bridges", params={"type": "wobbly"}).status_code == 400
        await bridge.destroy()


async def test_a_three_way_call_mixes_in_softmix_and_a_leaving_leader_keeps_the_others(
    peer: Peer,
) -> None:
    peer.set_phone("PJSIP/agent07", answer_after=0)
    peer.set_phone("PJSIP/12319@hotline-trunk", answer_after=0)
    async with ari(peer) as session:
        caller_id = peer.place_call()
        caller = (await session.wait_for("StasisStart")).channel
        agent = await session.client.channels.originate(endpoint="PJSIP/agent07", app="hotline")
        leader = await session.client.channels.originate(
            endpoint="PJSIP/12319@hotline-trunk", app="hotline", appArgs="conference,5"
        )
        for channel in (agent, leader):
            await session.wait_for("StasisStart", lambda e, c=channel: e.channel is c)
        bridge = await session.client.bridges.create(type="mixing")
        await bridge.addChannel(channel=[caller.id, agent.id])
        await bridge.addChannel(channel=leader.id)
        entered = await session.wait_for("ChannelEnteredBridge", lambda e: e.channel is leader)
        assert entered["bridge"]["technology"] == "softmix"
        assert len(entered["bridge"]["channels"]) == 3
        await session.wait_for(
            "ChannelVarset",
            lambda e: e.variable == "BRIDGEPEER" and e.channel is caller and "," in e.value,
        )

        peer.hang_up(leader.id)
        left = await session.wait_for("ChannelLeftBridge", lambda e: e.channel is leader)
        assert left["bridge"]["channels"] == [caller.id, agent.id]
        assert peer.channel(caller_id)["bridge"] == bridge.id  # type: ignore[index]
        assert peer.channel(agent.id)["bridge"] == bridge.id  # type: ignore[index]
