"""What the bridge's scenario tests run: the ARI peer (a simulated Asterisk on the wire), the
session's web app served over HTTP (behind a switch that can refuse connections, as a web app
that is down does), and the bridge itself (`ari_bridge.service.Service`) in its own thread
with its own event loop, exactly as `python -m ari_bridge` runs it.

This directory has no __init__.py on purpose: as a package it would be named `ari_bridge`
(tests/ has no __init__.py) and shadow the bridge itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from ari_bridge.service import Service
from ari_bridge.settings import Settings

ARI_USER = "minqing"
ARI_PASSWORD = "secret"
APP = "hotline"


class LiveWeb:
    """The Flask app over HTTP in a thread (as tests/pages serves it), reached through a TCP
    switch: `down()` closes the listening port (connections are refused, like a stopped
    server) and drops the open ones; `up()` listens on the same port again."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.backend = self.server.server_port
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:
                client.close()
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.backend))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)

    def close(self) -> None:
        self.down()
        self.server.shutdown()


class RunningBridge:
    """The bridge service in its own thread and event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service: Service | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._task: asyncio.Task[Any] | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.thread.start()
        assert self._ready.wait(10), "the bridge did not start"

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        self.service = Service(self.settings)
        self._task = loop.create_task(self.service.run())
        loop.call_soon(self._ready.set)
        try:
            loop.run_until_complete(self._task)
        except (asyncio.CancelledError, Exception):
            pass
        finally:
            loop.close()

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run fn() on the bridge's loop (to read its state safely)."""
        assert self.loop is not None
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            box["value"] = fn()
            done.set()

        self.loop.call_soon_threadsafe(run)
        assert done.wait(5)
        return box["value"]

    @property
    def connected(self) -> bool:
        assert self.service is not None
        return self.call(lambda: self.service.ari.connected.is_set())  # type: ignore[union-attr]

    def wait_connected(self, connections: int = 1, timeout: float = 15) -> None:
        assert self.service is not None
        service = self.service
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.call(lambda: service.ari.connected.is_set() and
                         service.ari.connections >= connections):  # fmt: skip
                return
            time.sleep(0.05)
        raise AssertionError("the bridge did not connect to the peer")

    def stop(self) -> None:
        if self.loop is not None and self._task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._task.cancel)
        self.thread.join(10)


def bridge_settings(peer_url: str, web_url: str, token: str, spool: Path) -> Settings:
    return Settings(
        ari_url=peer_url, ari_user=ARI_USER, ari_password=ARI_PASSWORD, app=APP,
        web_url=web_url, api_token=token, spool=spool, config_every=0.3,
        voicemail_wait=3.0, backoff_min=0.1, backoff_max=1.0, command_wait=0,
    )  # fmt: skip


def eventually(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.05) -> Any:
    """Poll until check() is truthy; its value. Fails with the last value seen."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s (last: {value!r})")


# -- the web app's side of a scenario (through its services, as the pages would) ----------


def bridge_token(app: Any) -> str:
    """A fresh token of the bridge's account, exactly as `flask telephony token` prints it."""
    result = app.test_cli_runner().invoke(args=["telephony", "token"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def user_named(username: str, roles: tuple[str, ...] = ("agent",)) -> Any:
    from sqlalchemy import select

    from app.auth import passwords
    from app.extensions import db
    from app.models import Department, User
    from app.seed.org import add_user
    from tests.conftest import PASSWORD

    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        city = db.session.scalars(select(Department).filter_by(code="city")).one()
        user = add_user(username, city, list(roles))
        # A login like the seeded ones (the users stay for the rest of the session).
        user.password_hash = passwords.hash_password(PASSWORD)
        db.session.commit()
    return user


def skill_group(code: str, name: str = "") -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import SkillGroup

    if db.session.scalar(select(SkillGroup).filter_by(code=code)) is None:
        db.session.add(SkillGroup(code=code, name=name or code, name_en=code))
        db.session.commit()


def seat(username: str, endpoint: str, groups: dict[str, int]) -> Any:
    """An agent with a phone, a member of these groups (code -> level), signed in, ready."""
    from app.extensions import db
    from app.models import SkillGroup, SkillGroupMember
    from app.telephony import agents

    user = user_named(username)
    for code, level in groups.items():
        skill_group(code)
        group = db.session.query(SkillGroup).filter_by(code=code).one()
        if db.session.get(SkillGroupMember, (group.id, user.id)) is None:
            db.session.add(SkillGroupMember(skill_group_id=group.id, user_id=user.id, level=level))
    db.session.commit()
    agents.set_extension(user, endpoint, user)
    agents.sign_in_groups(user, list(groups))
    agents.set_state(user, "ready", user)
    return user


def save_menu(menus: dict[str, Any], schedule: dict[str, Any] | None = None,
              root: str = "main") -> None:  # fmt: skip
    from app.errors import DomainError
    from app.telephony import ivr

    for menu in menus.values():
        for option in menu.get("options", {}).values():
            if option.get("action") == "queue":
                skill_group(option["group"])
    document = {"root": root, "menus": menus}
    try:
        ivr.save(document, schedule or OPEN_ALL_DAY, user_named("admin", ("admin",)), note="t")
    except DomainError as exc:
        raise AssertionError(f"menu refused: {exc.details}") from exc


OPEN_ALL_DAY = {
    "working_days": [["00:00", "24:00"]],
    "rest_days": [["00:00", "24:00"]],
    "closed_prompt": "minqing/closed",
    "closed_action": "voicemail",
}


def call_record(channel_id: str) -> Any:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CallRecord

    db.session.expire_all()
    db.session.rollback()
    return db.session.scalar(select(CallRecord).filter_by(channel_id=channel_id))
