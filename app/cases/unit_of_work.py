"""The unit of work of one intake or step: its reads, its writes and its one transaction.

    with UnitOfWork() as uow:
        loaded = uow.load_for_step(case_id)
        ...                      # the story queues its writes: uow.claim, uow.log, ...
        uow.commit()             # everything, in one round trip on PostgreSQL
    # left without commit() (an error, a refusal): rolled back, nothing written

What it owns, so that the stories (app/cases/step.py, app/cases/intake.py) need not know it:
- the statements, built once at import: building and cache-keying them per step costs more
  than running them on SQLite;
- the WriteBatch that sends them with the COMMIT (app/write_batch.py), and the guarded claim
  whose failure means someone else moved the case;
- commit and rollback: it rolls back unless committed, and a step's lost race (StaleRows, or
  SQLite's "database is locked" when the other writer held the lock too long) leaves as 409
  concurrent_update;
- what the caller gets back: after commit the case's `open_tasks` are the rows the step wrote
  (ids included, from the INSERT's RETURNING), not the ones it read.

Autoflush is off inside: nothing reaches the database before commit() except what a story
flushes on purpose (an intake's new case row, for its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Executable

from app.bounded_cache import BoundedCache
from app.cases import workflow_cache
from app.engine import Workflow
from app.errors import concurrent_update
from app.extensions import db
from app.models import Case, CaseEvent, OpenTask, User, WorkflowInstance
from app.write_batch import StaleRows, WriteBatch

_instances = WorkflowInstance.__table__
_open_tasks = OpenTask.__table__
_cases = Case.__table__

_LOAD_FOR_STEP = (
    select(Case, WorkflowInstance.version, WorkflowInstance.process_version_id)
    .join(WorkflowInstance, WorkflowInstance.case_id == Case.id)
    .where(Case.id == bindparam("case_id"))
    .options(joinedload(Case.open_tasks))
    .execution_options(populate_existing=True)
)
_LOAD_STATE = select(WorkflowInstance.state).where(WorkflowInstance.case_id == bindparam("case"))
_TASK_COMPLETED = (
    select(CaseEvent.id)
    .where(
        CaseEvent.case_id == bindparam("case_id"),
        CaseEvent.data["task_id"].as_string() == bindparam("task_uuid"),
    )
    .limit(1)
)
_CLAIM = (
    update(_instances)
    .where(
        _instances.c.case_id == bindparam("b_case"),
        _instances.c.version == bindparam("b_version"),
    )
    .values(version=bindparam("b_new"), state=bindparam("b_state"), updated_at=bindparam("b_at"))
)
_INSERT_INSTANCE = insert(_instances)
_INSERT_EVENT = insert(CaseEvent.__table__)
# Every dispatch of the case to the department so far (a sign answers each dispatch before it).
_SIGNED_ON_TIME = (
    update(CaseEvent.__table__)
    .where(
        CaseEvent.case_id == bindparam("b_case"),
        CaseEvent.action == "transfer",
        CaseEvent.to_department_id == bindparam("b_department"),
        CaseEvent.signed_on_time.is_(False),
    )
    .values(signed_on_time=True)
)
_DELETE_TASK = delete(_open_tasks).where(_open_tasks.c.id == bindparam("b_id"))
# The new rows' ids come back with the other answers: the caller's case gets its rows as stored.
_INSERT_TASKS = insert(_open_tasks).returning(_open_tasks.c.id, sort_by_parameter_order=True)
_REUSE_TASK_ROW = (
    update(_open_tasks)
    .where(_open_tasks.c.id == bindparam("b_id"))
    .values({c.name: bindparam(f"b_{c.name}") for c in _open_tasks.c if c.name != "id"})
)
# ORM attribute name -> column name, for the case columns a step writes itself.
_CASE_COLUMNS = {attr.key: attr.columns[0].name for attr in inspect(Case).column_attrs}
# One UPDATE per set of changed case columns. The sets are the handlers' and the projection's
# (a few dozen in the whole flow); the bound keeps a new kind of change from ever growing it.
CASE_UPDATE_CACHE_SIZE = 128
_update_case: BoundedCache[frozenset[str], Executable] = BoundedCache(CASE_UPDATE_CACHE_SIZE)


@dataclass(frozen=True)
class Loaded:
    """What a step reads, in one query: the case with its open tasks, and the engine-state
    version and process version it builds on."""

    case: Case
    version: int
    process_version_id: int


@dataclass(frozen=True)
class Event:
    """One line of the case's event log."""

    case_id: int
    action: str
    user: User | None
    at: datetime
    client_ip: str
    to_department_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _TaskRows:
    """The open-task rows a step leaves, to hand back once they are written."""

    case: Case
    kept: list[OpenTask]
    reused: list[tuple[int, dict[str, Any]]]  # (the closed task's row id, the opened task)
    inserted: list[dict[str, Any]]
    insert_index: int | None


class UnitOfWork:
    def __init__(self) -> None:
        # The scoped session (the request's), as every other reader of the app goes through.
        self.session = db.session
        self.writes = WriteBatch()
        self._committed = False
        self._claimed = False
        self._task_rows: _TaskRows | None = None
        self._no_autoflush = self.session.no_autoflush

    def __enter__(self) -> Self:
        self._no_autoflush.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._no_autoflush.__exit__(exc_type, exc, tb)
        if not self._committed:
            self.rollback()
        if isinstance(exc, StaleRows) or (self._claimed and _locked(exc)):
            raise concurrent_update() from exc

    def commit(self) -> None:
        """Send the queued writes with the COMMIT, then close the session's transaction."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            # The batch may commit on its own: an ORM change left for the flush would miss it.
            raise RuntimeError("a step left ORM changes outside its write batch")
        self.writes.run(session.connection(), commit=True)
        session.commit()
        self._committed = True
        if self._task_rows is not None:
            self._hand_back(self._task_rows)

    def rollback(self) -> None:
        self.session.rollback()

    # --- Reads ------------------------------------------------------------------------------

    def load_for_step(self, case_id: int) -> Loaded | None:
        found = self.session.execute(_LOAD_FOR_STEP, {"case_id": case_id}).unique().one_or_none()
        if found is None:
            return None
        case, version, process_version_id = found
        return Loaded(case, version, process_version_id)

    def stored_state(self, case_id: int) -> bytes:
        state: bytes = self.session.scalars(_LOAD_STATE, {"case": case_id}).one()
        return state

    def task_completed(self, case_id: int, task_uuid: str) -> bool:
        """Whether a step of the case completed this task (read from the event log)."""
        params = {"case_id": case_id, "task_uuid": task_uuid}
        return self.session.scalar(_TASK_COMPLETED, params) is not None

    # --- Writes, queued until commit() -----------------------------------------------------

    def claim(self, case_id: int, version: int, state: bytes, at: datetime) -> None:
        """The new engine state, written only over the version the step read. Of two
        concurrent steps exactly one matches; the other's UPDATE waits for the winner's row
        lock, then matches nothing, and leaves as 409 with nothing written."""
        params = {"b_case": case_id, "b_version": version, "b_new": version + 1}
        self.writes.add(_CLAIM, {**params, "b_state": state, "b_at": at}, expect_rows=1)
        self._claimed = True

    def add_instance(
        self, case_id: int, process_version_id: int, serializer: str, state: bytes, at: datetime
    ) -> None:
        """A new case's engine state, at version 1."""
        self.writes.add(
            _INSERT_INSTANCE,
            {
                "case_id": case_id,
                "process_version_id": process_version_id,
                "serializer_version": serializer,
                "state": state,
                "version": 1,
                "updated_at": at,
            },
        )

    def log(self, event: Event) -> None:
        user, data = event.user, event.data
        self.writes.add(
            _INSERT_EVENT,
            {
                "case_id": event.case_id,
                "at": event.at,
                "user_id": user.id if user else None,
                "action": event.action,
                "from_department_id": user.department_id if user else None,
                "to_department_id": event.to_department_id,
                "comment": comment_of(data),
                "data": data,
                "client_ip": event.client_ip,
                # Every column named: the batch's compiled insert fills no Python defaults.
                "signed_on_time": False,
                "measured_department_id": measured_department(
                    event.action, user.department_id if user else None, event.to_department_id, data
                ),
                **outcome_columns(event.action, data),
            },
        )

    def mark_signed_on_time(self, case_id: int, department_id: int) -> None:
        """The department signed for the case on time: its dispatches so far were."""
        self.writes.add(_SIGNED_ON_TIME, {"b_case": case_id, "b_department": department_id})

    def replace_open_tasks(
        self, case: Case, old: list[OpenTask], gone: list[OpenTask], opened: list[dict[str, Any]]
    ) -> None:
        """Delete the closed tasks' rows and insert the opened ones'. A closed task's row is
        rewritten as an opened task's where it can: one statement instead of two."""
        pairs = list(zip(gone, opened, strict=False))
        if pairs:
            self.writes.add(
                _REUSE_TASK_ROW,
                [{"b_id": row.id, **{f"b_{k}": v for k, v in new.items()}} for row, new in pairs],
            )
        if len(gone) > len(pairs):
            self.writes.add(_DELETE_TASK, [{"b_id": r.id} for r in gone[len(pairs) :]])
        inserted = opened[len(pairs) :]
        index = self.writes.add(_INSERT_TASKS, inserted) if inserted else None
        for row in gone:
            self.session.expunge(row)
        gone_ids = {r.id for r in gone}
        self._task_rows = _TaskRows(
            case=case,
            kept=[r for r in old if r.id not in gone_ids],
            reused=[(row.id, new) for row, new in pairs],
            inserted=inserted,
            insert_index=index,
        )

    def update_case(self, case: Case) -> None:
        """Write the case columns the step changed with the step's other statements.

        The case object then leaves the session: the step has written it, and left in the
        session it would cost a unit-of-work pass at commit that finds nothing to do. Its
        loaded columns stay readable (sessions do not expire on commit)."""
        committed: dict[str, Any] = inspect(case).committed_state
        changed = {k: getattr(case, k) for k in committed if k in _CASE_COLUMNS}
        self.session.expunge(case)
        if not changed:
            return
        statement = _update_case.get(frozenset(changed), lambda: _case_update(changed))
        self.writes.add(statement, {"b_id": case.id, **{f"b_{k}": v for k, v in changed.items()}})

    def keep_workflow(self, case_id: int, version: int, workflow: Workflow) -> None:
        """Cache the advanced workflow for the case's next step, once (and if) this commits."""
        workflow_cache.remember(self.session(), case_id, version, workflow)

    def _hand_back(self, rows: _TaskRows) -> None:
        """The case's open tasks as now stored, as if read back (detached, like the case)."""
        index = rows.insert_index
        ids = [] if index is None else [row[0] for row in self.writes.returned[index]]
        fresh = [*rows.kept]
        for row_id, values in [*rows.reused, *zip(ids, rows.inserted, strict=True)]:
            task = OpenTask(id=row_id, **values)
            make_transient_to_detached(task)
            fresh.append(task)
        set_committed_value(rows.case, "open_tasks", fresh)


def measured_department(
    action: str, from_id: int | None, to_id: int | None, data: Mapping[str, Any]
) -> int | None:
    """The department the measures count a step for (app/reports/measures.py): a dispatch
    for the department it was sent to; a revisit, and the reopen it causes, for the department
    whose reply it judged (their data's `department_id`); any other step for the acting
    user's department."""
    if action == "transfer":
        return to_id
    if action in ("revisit", "reopen"):
        judged = data.get("department_id")
        return judged if isinstance(judged, int) and not isinstance(judged, bool) else None
    return from_id


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def outcome_columns(action: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event row's outcome columns (CaseEvent), copied from its data: `on_time` of a sign
    or reply, the answer and `resolved` of a revisit. A value of the wrong type is left out
    rather than stored (the handlers write booleans and the form's codes)."""
    revisit = action == "revisit"
    result = data.get("result") if revisit else None
    return {
        "on_time": _bool(data.get("on_time")) if action in ("sign", "reply") else None,
        "revisit_result": result if isinstance(result, str) and len(result) <= 32 else None,
        "resolved": _bool(data.get("resolved")) if revisit else None,
    }


def comment_of(data: Mapping[str, Any]) -> str:
    """What a step's person wrote with it (a comment, or a request's reason): the event's
    comment and the text of the notifications it causes."""
    return str(data.get("comment") or data.get("reason") or "")


def _locked(exc: BaseException | None) -> bool:
    """SQLite: another writer held the database past the busy timeout. For a step that claims
    a case, that writer is the concurrent step that won (an intake has no such answer)."""
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def _case_update(changed: dict[str, Any]) -> Executable:
    return (
        update(_cases)
        .where(_cases.c.id == bindparam("b_id"))
        .values({_CASE_COLUMNS[k]: bindparam(f"b_{k}") for k in sorted(changed)})
    )
