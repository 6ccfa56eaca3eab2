"""The peer for tests: a simulated Asterisk on a free port, in its own thread and event loop.

    with Peer(user="minqing", password="secret", app="hotline") as peer:
        ch = peer.place_call(caller="13800000000", called="12345")
        peer.press(ch, "1")

Every method is synchronous and thread-safe: it runs on the peer's loop and waits for it.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from ari_peer.pbx import Pbx, Phone
from ari_peer.server import PeerServer

T = TypeVar("T")


class Peer:
    """A simulated Asterisk 22 for one test (or a whole test module)."""

    def __init__(
        self,
        user: str = "minqing",
        password: str = "secret",
        app: str = "hotline",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_answer_after: float | None = None,
        restart_seconds: float = 0.3,
    ) -> None:
        self.user = user
        self.password = password
        self.app = app
        self.restart_seconds = restart_seconds
        self._dir = Path(tempfile.mkdtemp(prefix="ari-peer-"))
        self._server = PeerServer(
            host=host,
            port=port,
            user=user,
            password=password,
            app=app,
            recordings_dir=self._dir / "recordings",
            default_answer_after=default_answer_after,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- life --------------------------------------------------------------------------

    def start(self) -> Peer:
        ready: Future[None] = Future()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._server.start())
            except BaseException as exc:
                ready.set_exception(exc)
                return
            ready.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self._server.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="ari-peer", daemon=True)
        self._thread.start()
        ready.result(timeout=10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Peer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(self, fn: Callable[[Pbx], T]) -> T:
        async def on_loop() -> T:
            return fn(self._pbx)

        return self._run(on_loop())

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        assert self._loop is not None, "the peer is not running"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def _pbx(self) -> Pbx:
        assert self._server.pbx is not None
        return self._server.pbx

    # --- what a test reads -------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}/"

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event sent to a connected WebSocket, oldest first (copies)."""
        return self._call(lambda pbx: [dict(e) for e in pbx.events])

    def clear_events(self) -> None:
        """Forget the events sent so far (for a peer shared by several tests)."""
        self._call(lambda pbx: pbx.events.clear())

    @property
    def connected(self) -> bool:
        """Whether the Stasis application's events WebSocket is connected now."""
        return self._call(lambda pbx: self.app in pbx.sockets)

    def channel(self, channel_id: str) -> dict[str, Any] | None:
        """The live channel (state, bridge, playing, recording, ...) or None once it is gone."""
        return self._call(lambda pbx: pbx.describe(channel_id))

    def channels(self) -> list[str]:
        return self._call(lambda pbx: list(pbx.channels))

    def heard(self, channel_id: str) -> list[str]:
        """The media URIs played to this channel so far, bridge playbacks included."""
        return self._call(lambda pbx: list(pbx.heard.get(channel_id, [])))

    def recording(self, name: str) -> bytes | None:
        """A stored recording's file, or None."""

        def read(pbx: Pbx) -> bytes | None:
            fmt = pbx.stored.get(name)
            if fmt is None:
                return None
            path = pbx.recording_path(name, fmt)
            return path.read_bytes() if path.exists() else None

        return self._call(read)

    def wait_until(
        self, predicate: Callable[[], T], timeout: float = 5, interval: float = 0.01
    ) -> T:
        """Poll `predicate` until it is truthy; its value, or AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s: {predicate}")
            time.sleep(interval)

    # --- what a test does --------------------------------------------------------------

    def place_call(self, caller: str = "13800000000", called: str = "12345") -> str:
        """A call to the hotline: a new channel in Stasis (StasisStart sent). Its id."""
        return self._call(lambda pbx: pbx.place_call(caller, called))

    def press(self, channel_id: str, digits: str) -> None:
        self._call(lambda pbx: pbx.press(channel_id, digits))

    def talk(self, channel_id: str, seconds: float) -> None:
        self._call(lambda pbx: pbx.talk(channel_id, seconds))

    def hang_up(self, channel_id: str) -> None:
        """The far end hangs up (the caller, or an agent on an originated channel)."""
        self._call(lambda pbx: pbx.hangup_by_phone(channel_id))

    def set_phone(
        self,
        endpoint: str,
        answer_after: float | None = 0.0,
        hangup_after: float | None = None,
        busy: bool = False,
    ) -> None:
        """How the phone at `endpoint` answers an originate (None: it rings until timeout)."""
        phone = Phone(answer_after=answer_after, hangup_after=hangup_after, busy=busy)
        self._call(lambda pbx: pbx.phones.__setitem__(endpoint, phone))

    @property
    def sound_seconds(self) -> float:
        return self._call(lambda pbx: pbx.sound_seconds)

    @sound_seconds.setter
    def sound_seconds(self, seconds: float) -> None:
        def put(pbx: Pbx) -> None:
            pbx.sound_seconds = seconds

        self._call(put)

    def set_sound_seconds(self, media: str, seconds: float) -> None:
        """One sound's length ("sound:minqing/welcome" or "minqing/welcome")."""
        self._call(lambda pbx: pbx.sound_durations.__setitem__(media, seconds))

    def drop_websocket(self) -> None:
        """The events WebSocket drops; calls go on, their events meanwhile are lost."""
        self._call(lambda pbx: pbx.drop_websockets())

    def restart(self) -> None:
        """Asterisk restarts: the socket drops, every call is gone, back on the same port."""
        self._run(self._server.restart(self.restart_seconds), timeout=30)
