"""The bridge's scenario fixtures: the live web app (session), a fresh ARI peer per test, and
`start_bridge()` (the bridge on its own thread with the bridge account's token)."""

from __future__ import annotations

import time

import pytest
from bridge_harness import (
    APP,
    ARI_PASSWORD,
    ARI_USER,
    LiveWeb,
    RunningBridge,
    bridge_settings,
    bridge_token,
    eventually,
)

from ari_peer.testing import Peer


@pytest.fixture(scope="session")
def web(app):
    live = LiveWeb(app)
    yield live
    live.close()


@pytest.fixture
def peer():
    with Peer(user=ARI_USER, password=ARI_PASSWORD, app=APP) as running:
        running.sound_seconds = 0.02
        yield running


@pytest.fixture
def telephony(app):
    """Quick settings for tests: short rings, no wrap-up wait."""
    app.config.update(TELEPHONY_RING_SECONDS=2, TELEPHONY_WRAP_UP_SECONDS=0)


@pytest.fixture
def start_bridge(app, peer, web, tmp_path, telephony):
    token = bridge_token(app)
    running: list[RunningBridge] = []

    def start(spool=None, web_url: str | None = None) -> RunningBridge:
        settings = bridge_settings(peer.url, web_url or web.url, token,
                                   spool or tmp_path / "spool.sqlite")  # fmt: skip
        bridge = RunningBridge(settings)
        running.append(bridge)
        bridge.wait_connected()
        service = bridge.service
        assert service is not None
        eventually(lambda: bridge.call(lambda: service.keeper.current is not None))
        return bridge

    yield start
    for bridge in running:
        bridge.stop()
    web.up()
    # A poll of GET /commands still being served would take the next test's command.
    time.sleep(0.3)
