"""The events WebSocket itself: credentials, the app parameter, one connection per app."""

from __future__ import annotations

import json

import aiohttp
import pytest

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import APP, PASSWORD, USER

pytestmark = pytest.mark.anyio


def events_url(peer: Peer, query: str) -> str:
    return peer.url.replace("http://", "ws://") + "ari/events?" + query


async def test_the_socket_needs_credentials_and_an_app(peer: Peer) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as no_key:
            await http.ws_connect(events_url(peer, f"app={APP}"))
        assert no_key.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as no_app:
            await http.ws_connect(events_url(peer, f"api_key={USER}:{PASSWORD}"))
        assert no_app.value.status == 400


async def test_a_second_connection_replaces_the_first(peer: Peer) -> None:
    query = f"app={APP}&api_key={USER}:{PASSWORD}"
    async with aiohttp.ClientSession() as http:
        first = await http.ws_connect(events_url(peer, query))
        peer.wait_until(lambda: peer.connected)
        second = await http.ws_connect(events_url(peer, query))
        replaced = json.loads((await first.receive(timeout=2)).data)
        assert replaced["type"] == "ApplicationReplaced"
        assert replaced["application"] == APP
        channel_id = peer.place_call()
        start = json.loads((await second.receive(timeout=2)).data)
        assert start["type"] == "StasisStart" and start["channel"]["id"] == channel_id
        await first.close()
        # The first one closing does not unregister the app from the second.
        assert peer.connected
        await second.close()
        peer.wait_until(lambda: not peer.connected)
