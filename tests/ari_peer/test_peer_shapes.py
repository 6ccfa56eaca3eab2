"""The peer's events have the shapes of a real Asterisk 22.10.1 call's events, key for key."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari
from tests.ari_peer.real_call_shapes import REAL_SHAPES, REAL_TIMESTAMP

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def shape(event: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    nested: dict[str, list[str]] = {}
    for key, value in event.items():
        if isinstance(value, dict):
            nested[key] = sorted(value)
            for inner, inner_value in value.items():
                if isinstance(inner_value, dict):
                    nested[f"{key}.{inner}"] = sorted(inner_value)
    return sorted(event), nested


def real_variants(kind: str) -> list[tuple[list[str], dict[str, list[str]]]]:
    return [s for name, s in REAL_SHAPES.items() if name.split("#")[0] == kind]


async def test_a_call_like_the_real_one_sends_events_of_the_real_shapes(peer: Peer) -> None:
    peer.set_phone("Local/s@local-test", answer_after=0)
    async with ari(peer) as session:
        caller_id = peer.place_call(caller="13800000000", called="12345")
        caller = (await session.wait_for("StasisStart")).channel
        await caller.answer()
        await caller.play(media="sound:hotline-welcome", playbackId="shape-pb-1")
        await session.wait_for("PlaybackFinished")
        peer.press(caller_id, "12")
        await caller.record(name="shape-rec-1", format="wav", terminateOn="#")
        await session.wait_for("RecordingStarted")
        peer.press(caller_id, "#")
        await session.wait_for("RecordingFinished")
        local = await session.client.channels.originate(
            endpoint="Local/s@local-test", app="hotline", appArgs="agent"
        )
        await session.wait_for("StasisStart", lambda e: e.channel is local)
        bridge = await session.client.bridges.create(type="mixing", name="smoke")
        await bridge.addChannel(channel=[caller.id, local.id])
        await session.wait_for("ChannelEnteredBridge", lambda e: e.channel is local)
        await local.hangup()
        await session.wait_for("ChannelDestroyed", lambda e: e.channel is local)
        await caller.hangup()
        await session.wait_for("ChannelDestroyed", lambda e: e.channel is caller)
        await bridge.destroy()
        await session.wait_for("BridgeDestroyed")

    events = peer.events
    covered = set()
    for event in events:
        assert TIMESTAMP.match(event["timestamp"]), event
        assert event["application"] == "hotline"
        variants = real_variants(event["type"])
        if variants:
            assert shape(event) in variants, event
            covered.add(event["type"])
    assert covered >= {
        "StasisStart",
        "ChannelStateChange",
        "PlaybackStarted",
        "PlaybackFinished",
        "ChannelDtmfReceived",
        "RecordingStarted",
        "RecordingFinished",
        "Dial",
        "ChannelVarset",
        "ChannelEnteredBridge",
        "ChannelConnectedLine",
        "ChannelDialplan",
        "ChannelHangupRequest",
        "ChannelLeftBridge",
        "StasisEnd",
        "ChannelDestroyed",
    }
    assert TIMESTAMP.match(REAL_TIMESTAMP)
    start = events[0]
    assert re.fullmatch(r"\d{10}\.\d+", start["channel"]["id"])
    assert re.fullmatch(r"PJSIP/13800000000-[0-9a-f]{8}", start["channel"]["name"])
    assert start["channel"]["creationtime"] == start["timestamp"]
    local_start = next(e for e in events if e["type"] == "StasisStart" and e["args"] == ["agent"])
    assert local_start["channel"]["name"].startswith("Local/s@local-test-")
    assert local_start["channel"]["name"].endswith(";1")
    assert local_start["channel"]["dialplan"]["app_data"] == "hotline,agent"
    half = next(e for e in events if e["type"] == "ChannelDialplan")
    assert half["channel"]["name"] == local_start["channel"]["name"][:-1] + "2"
    assert half["dialplan_app"] == "Answer"
    halves_gone = [e["channel"]["name"][-2:] for e in events if e["type"] == "ChannelDestroyed"]
    assert halves_gone[:2] == [";1", ";2"]
    # The noise a real call brings is there too.
    variables = {e["variable"] for e in events if e["type"] == "ChannelVarset"}
    assert {"STASISSTATUS", "BRIDGEPEER", "RTPAUDIOQOS"} <= variables
