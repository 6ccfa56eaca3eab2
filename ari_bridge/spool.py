"""The durable spool: every write the bridge owes the web app, appended (and fsync'ed) before
it is sent, and the last config, for the time the web app is down.

SQLite in WAL mode with `synchronous=FULL`: a commit returns once the WAL is on disk, so an
op the call flow has appended survives a crash of the bridge or of the machine. Big bodies
(voicemail and call recordings) are files in the spool's folder, written and fsync'ed before
their op row names them. One thread owns the connection; the asyncio side awaits it, so a
slow disk never blocks the event loop that dispatches ARI events.

Ops carry a key (the call's channel id, or `command:<id>`): the sender sends each key's ops
in order. The seen table remembers every inbound channel id the bridge took, so a replayed
StasisStart (after a reconnect, or after the bridge itself restarted) makes no second call.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PENDING = "pending"
DONE = "done"
REFUSED = "refused"  # the web app answered 4xx: set aside with its error, never resent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS op (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT,            -- JSON body, or the form fields of a multipart op
    file TEXT,            -- a file in the spool folder: the raw body or the multipart file
    file_field TEXT,      -- multipart: the file's field name; NULL: the file is the raw body
    content_type TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    status INTEGER,
    error TEXT,
    response TEXT,
    created_at REAL NOT NULL,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS ix_op_pending ON op (seq) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS seen (channel_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS kept (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Op:
    """One write to the web app, as the spool holds it."""

    seq: int
    key: str
    method: str
    path: str
    body: Any  # the JSON body (dict) or the multipart fields (dict), or None
    file: Path | None
    file_field: str | None
    content_type: str | None
    attempts: int


class Spool:
    """The spool file. The async methods run the SQLite work on the spool's own thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.files = self.path.with_name(self.path.name + ".files")
        self.files.mkdir(exist_ok=True)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool")
        self._lock = threading.Lock()
        self._writes: list[tuple[Any, tuple[Any, ...], Future[Any]]] = []
        self._delivered_files: list[Path] = []
        self._db: sqlite3.Connection | None = None
        self._thread.submit(self._open).result()

    def _open(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # fsync the WAL on every commit
        db.executescript(_SCHEMA)
        self._db = db

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "the spool is closed"
        return self._db

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def _write(self, fn: Any, *args: Any) -> Any:
        """Run a write in the next group commit: writes that arrive together share one
        transaction and one fsync (20 calls a second make many small writes)."""
        fut: Future[Any] = Future()
        with self._lock:
            self._writes.append((fn, args, fut))
        self._thread.submit(self._commit_writes)
        return await asyncio.wrap_future(fut)

    def _commit_writes(self) -> None:
        with self._lock:
            batch, self._writes = self._writes, []
        if not batch:
            return
        done: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for fn, args, fut in batch:
                self.db.execute("SAVEPOINT one")
                try:
                    done.append((fut, fn(*args), None))
                    self.db.execute("RELEASE one")
                except Exception as exc:  # noqa: BLE001 — this write fails, not the batch
                    self.db.execute("ROLLBACK TO one")
                    self.db.execute("RELEASE one")
                    done.append((fut, None, exc))
            self.db.execute("COMMIT")  # durable from here (synchronous=FULL)
            for path in self._delivered_files:
                path.unlink(missing_ok=True)
            self._delivered_files.clear()
        except BaseException as exc:
            self._delivered_files.clear()
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            for _fn, _args, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for fut, value, error in done:
            if error is not None:
                fut.set_exception(error)
            else:
                fut.set_result(value)

    def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        self._thread.submit(shut).result()
        self._thread.shutdown(wait=True)

    # -- writes owed to the web app ------------------------------------------------------

    def _insert(self, key: str, method: str, path: str, body: Any, file: str | None,
                file_field: str | None, content_type: str | None) -> int:  # fmt: skip
        cur = self.db.execute(
            "INSERT INTO op (key, method, path, body, file, file_field, content_type,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, method, path, None if body is None else json.dumps(body), file,
             file_field, content_type, time.time()),
        )  # fmt: skip
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _append(self, key: str, method: str, path: str, body: Any = None,
                data: bytes | None = None, file_field: str | None = None,
                content_type: str | None = None) -> int:  # fmt: skip
        name = self._store_file(data) if data is not None else None
        return self._insert(key, method, path, body, name, file_field, content_type)

    def _store_file(self, data: bytes) -> str:
        name = f"{uuid.uuid4().hex}.bin"
        target = self.files / name
        with open(target, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        folder = os.open(self.files, os.O_RDONLY)
        try:
            os.fsync(folder)  # the file's name is durable too
        finally:
            os.close(folder)
        return name

    async def append(self, key: str, method: str, path: str, body: Any = None, *,
                     data: bytes | None = None, file_field: str | None = None,
                     content_type: str | None = None) -> int:  # fmt: skip
        """Append one op (durable when this returns); its sequence number."""
        seq: int = await self._write(
            self._append, key, method, path, body, data, file_field, content_type
        )
        return seq

    def _start_call(self, channel_id: str, method: str, path: str, body: Any) -> int | None:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO seen (channel_id, at) VALUES (?, ?)",
            (channel_id, time.time()),
        )
        if cur.rowcount == 0:
            return None
        return self._insert(channel_id, method, path, body, None, None, None)

    async def start_call(self, channel_id: str, method: str, path: str, body: Any) -> int | None:
        """Remember an inbound channel and append its first op, in one transaction; None
        when the channel was seen before (a replayed StasisStart: nothing appended)."""
        seq: int | None = await self._write(self._start_call, channel_id, method, path, body)
        return seq

    def _unfinished_calls(self) -> list[tuple[str, dict[str, Any]]]:
        rows = self.db.execute(
            """
            SELECT s.channel_id,
                   (SELECT o.body FROM op o WHERE o.key = s.channel_id
                     AND o.path = '/calls/' || s.channel_id ORDER BY o.seq LIMIT 1)
            FROM seen s
            WHERE NOT EXISTS (
                SELECT 1 FROM op o WHERE o.key = s.channel_id
                 AND o.path = '/calls/' || s.channel_id
                 AND json_extract(o.body, '$.ended_at') IS NOT NULL)
            """
        ).fetchall()
        return [(channel_id, json.loads(body)) for channel_id, body in rows if body]

    async def unfinished_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The inbound calls taken whose record was never closed (channel id, first body): a
        bridge that stopped mid-call leaves them so."""
        found: list[tuple[str, dict[str, Any]]] = await self._run(self._unfinished_calls)
        return found

    def _pending(self, limit: int, keys_busy: tuple[str, ...]) -> list[Op]:
        busy = ",".join("?" * len(keys_busy))
        rows = self.db.execute(
            "SELECT seq, key, method, path, body, file, file_field, content_type, attempts"
            " FROM op WHERE state = 'pending'"
            + (f" AND key NOT IN ({busy})" if keys_busy else "")
            + " ORDER BY seq LIMIT ?",
            (*keys_busy, limit),
        ).fetchall()
        return [
            Op(seq, key, method, path, None if body is None else json.loads(body),
               None if file is None else self.files / file, field, ctype, attempts)
            for seq, key, method, path, body, file, field, ctype, attempts in rows
        ]  # fmt: skip

    async def pending(self, limit: int = 200, keys_busy: tuple[str, ...] = ()) -> list[Op]:
        """The oldest ops not yet delivered, in order (but none of the keys in `keys_busy`:
        those being sent, whose later ops wait for them)."""
        ops: list[Op] = await self._run(self._pending, limit, keys_busy)
        return ops

    def _finish(self, seq: int, state: str, status: int | None, error: str | None,
                response: Any) -> None:  # fmt: skip
        row = self.db.execute("SELECT file FROM op WHERE seq = ?", (seq,)).fetchone()
        self.db.execute(
            "UPDATE op SET state = ?, status = ?, error = ?, response = ?, sent_at = ?,"
            " attempts = attempts + 1 WHERE seq = ?",
            (state, status, error, None if response is None else json.dumps(response),
             time.time(), seq),
        )  # fmt: skip
        if state == DONE and row and row[0]:
            # Delivered: the web app holds the bytes now (removed once this commits). A
            # refused op keeps its file: whoever looks at it can still hear the caller.
            self._delivered_files.append(self.files / row[0])

    async def done(self, seq: int, status: int, response: Any) -> None:
        await self._write(self._finish, seq, DONE, status, None, response)

    async def refuse(self, seq: int, status: int, error: str) -> None:
        await self._write(self._finish, seq, REFUSED, status, error, None)

    def _failed(self, seqs: list[int], error: str) -> None:
        self.db.executemany(
            "UPDATE op SET attempts = attempts + 1, error = ? WHERE seq = ?",
            [(error, seq) for seq in seqs],
        )

    async def failed(self, seqs: list[int], error: str) -> None:
        """Ops that could not be delivered this time (kept pending, in order)."""
        await self._write(self._failed, seqs, error)

    def _refused(self) -> list[tuple[int, str, str, int, str]]:
        rows = self.db.execute(
            "SELECT seq, method, path, status, error FROM op WHERE state = 'refused' ORDER BY seq"
        ).fetchall()
        return [tuple(r) for r in rows]

    async def refused(self) -> list[tuple[int, str, str, int, str]]:
        """The ops the web app refused: (seq, method, path, status, error)."""
        rows: list[tuple[int, str, str, int, str]] = await self._run(self._refused)
        return rows

    def _count(self, state: str) -> int:
        return int(
            self.db.execute("SELECT count(*) FROM op WHERE state = ?", (state,)).fetchone()[0]
        )

    async def count(self, state: str = PENDING) -> int:
        n: int = await self._run(self._count, state)
        return n

    def _prune(self, done_before: float, seen_before: float) -> int:
        cur = self.db.execute("DELETE FROM op WHERE state = 'done' AND sent_at < ?", (done_before,))
        self.db.execute("DELETE FROM seen WHERE at < ?", (seen_before,))
        return cur.rowcount

    async def prune(self, keep_done_days: float = 7, keep_seen_days: float = 2) -> int:
        """Forget delivered ops after a week and taken channels after two days (no call
        lasts that long; a replay is minutes old at most): the spool stays small. Refused
        ops are kept until someone looks at them. The number of ops removed."""
        now = time.time()
        removed: int = await self._write(
            self._prune, now - keep_done_days * 86400, now - keep_seen_days * 86400
        )
        return removed

    # -- what the bridge keeps for itself --------------------------------------------------

    def _keep(self, name: str, value: Any) -> None:
        self.db.execute(
            "INSERT INTO kept (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value)),
        )

    async def keep(self, name: str, value: Any) -> None:
        """Keep a value (the last config and its ETag) across restarts."""
        await self._write(self._keep, name, value)

    def _kept(self, name: str) -> Any:
        row = self.db.execute("SELECT value FROM kept WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    async def kept(self, name: str) -> Any:
        return await self._run(self._kept, name)
