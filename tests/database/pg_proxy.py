"""A TCP proxy in front of PostgreSQL that a test can break, to play a database outage.

    proxy = PgProxy(("127.0.0.1", 5432))   # listens on 127.0.0.1:<free port>
    proxy.cut()      # the server is gone: open connections drop, new ones are refused
    proxy.freeze()   # the server hangs: connections are accepted, nothing is forwarded
    proxy.restore()  # the server is back: held bytes are delivered, new connections served

A frozen proxy behaves like a stopped (SIGSTOP) server: the kernel still accepts connections
and acknowledges data, but no answer comes. `freeze(when_sent=b"...")` and `cut(when_sent=...)`
break it at the moment the client sends bytes containing a pattern (a statement's SQL), so a
test can stop the database in the middle of a request.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

_CHUNK = 65536


class _Pair:
    """A client connection and the server connection it is forwarded to."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.client, self.server = client, server
        self.closed = False

    def close(self) -> None:
        self.closed = True
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv()
            sock.close()


class PgProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self._trigger: tuple[bytes, str] | None = None
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    # --- what a test does -------------------------------------------------------------

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def cut(self, when_sent: bytes | None = None) -> None:
        if when_sent is not None:
            self._trigger = (when_sent, "cut")
            return
        with self._lock:
            listener, self._listener = self._listener, None
            pairs, self._pairs = self._pairs, set()
        if listener is not None:
            # Stops listening at once (a close waits for the accept loop's poll to return):
            # from now on a connect is refused.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for pair in pairs:
            pair.close()
        self._flowing.set()  # release pumps held by a freeze: their pairs are closed

    def freeze(self, when_sent: bytes | None = None) -> None:
        if when_sent is not None:
            self._trigger = (when_sent, "freeze")
            return
        self._flowing.clear()

    def restore(self) -> None:
        self._trigger = None
        if self._listener is None:
            self._listen()
        self._flowing.set()

    def close(self) -> None:
        self.cut()

    # --- the forwarding ---------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for attempt in range(40):  # the port of a listener just cut may take a moment
            try:
                listener.bind(("127.0.0.1", self.port))  # 0 the first time: a free port
                break
            except OSError:
                if attempt == 39:
                    raise
                time.sleep(0.025)
        listener.listen(64)
        listener.settimeout(0.05)  # the accept loop looks up whether it is still wanted
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            pair = _Pair(client, server)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    pair.close()
                    return
                self._pairs.add(pair)
            for src, dst, from_client in ((client, server, True), (server, client, False)):
                threading.Thread(
                    target=self._pump, args=(pair, src, dst, from_client), daemon=True
                ).start()

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket, from_client: bool):
        try:
            while True:
                data = src.recv(_CHUNK)
                if not data:
                    break
                if from_client:
                    self._fire(data)
                self._flowing.wait()  # frozen: hold the bytes, as a hung server would
                if pair.closed:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._pairs.discard(pair)
            pair.close()

    def _fire(self, data: bytes) -> None:
        trigger = self._trigger
        if trigger is None or trigger[0] not in data:
            return
        self._trigger = None
        if trigger[1] == "freeze":
            self._flowing.clear()
        else:
            self.cut()
