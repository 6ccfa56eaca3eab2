"""The ARI peer's tests: a fresh peer per test (no web app, no database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import APP, PASSWORD, USER


@pytest.fixture(autouse=True)
def _clean() -> None:
    """The peer needs no web app nor database: the suite-wide cleanup is not wanted here."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def peer() -> Iterator[Peer]:
    with Peer(user=USER, password=PASSWORD, app=APP) as running:
        yield running
