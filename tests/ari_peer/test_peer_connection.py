"""The events WebSocket drops (calls go on, events are lost) and Asterisk restarts (calls gone)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari, rest

pytestmark = pytest.mark.anyio


async def test_a_dropped_websocket_loses_events_but_not_calls(peer: Peer) -> None:
    async with ari(peer) as first:
        channel_id = peer.place_call()
        channel = (await first.wait_for("StasisStart")).channel
        await channel.answer()
        peer.drop_websocket()
        peer.wait_until(lambda: not peer.connected)
        sent_before = len(peer.events)
        peer.press(channel_id, "5")  # nobody listens: lost, as on a real Asterisk
        gone_id = peer.place_call()  # Stasis() fails while the app is away
        assert len(peer.events) == sent_before
        assert peer.channel(channel_id)["state"] == "Up"  # type: ignore[index]
        assert peer.channel(gone_id) is None

    async with ari(peer) as second:
        listed = await second.client.channels.list()
        assert [c.id for c in listed] == [channel_id]
        peer.press(channel_id, "7")
        dtmf = await second.wait_for("ChannelDtmfReceived")
        assert dtmf.digit == "7"
        assert [e.digit for e in second.of_type("ChannelDtmfReceived")] == ["7"]
        peer.clear_events()
        assert peer.events == []


async def test_a_restart_drops_everything_and_comes_back_on_the_same_port(peer: Peer) -> None:
    peer.restart_seconds = 0.6
    async with ari(peer) as session:
        channel_id = peer.place_call()
        await session.wait_for("StasisStart")
        before = (await session.client.asterisk.getInfo())["status"]["startup_time"]

        restarting = threading.Thread(target=peer.restart)
        restarting.start()
        time.sleep(0.2)
        with pytest.raises(httpx.ConnectError):
            httpx.get(peer.url + "ari/asterisk/info", timeout=1)
        restarting.join()
        assert not peer.connected  # the client's socket went with the old boot

    assert rest(peer, "GET", "/channels").json() == []
    assert rest(peer, "GET", f"/channels/{channel_id}").status_code == 404
    after = rest(peer, "GET", "/asterisk/info").json()["status"]["startup_time"]
    assert after != before
    async with ari(peer) as again:
        new_id = peer.place_call()
        start = await again.wait_for("StasisStart")
        assert start.channel.id == new_id != channel_id
