"""Workflows of recently advanced cases, kept in this process to skip deserialisation.

An entry is the workflow object as committed at an instance version. A step takes the entry
out (it will mutate the object); only a commit puts a workflow back, so a rolled-back step
never leaves a half-advanced object behind. A version mismatch (another process moved the
case meanwhile) means the caller loads the stored state instead.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.engine import Workflow

SIZE = 2000
_entries: OrderedDict[int, tuple[int, Workflow]] = OrderedDict()


def take(case_id: int, version: int) -> Workflow | None:
    """The cached workflow of the case at `version`, or None."""
    hit = _entries.pop(case_id, None)
    return hit[1] if hit is not None and hit[0] == version else None


def remember(session: Session, case_id: int, version: int, workflow: Workflow) -> None:
    """Cache `workflow` as the case's state at `version` once the session commits."""
    session.info.setdefault("workflows", {})[case_id] = (version, workflow)


def clear() -> None:
    _entries.clear()


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    for case_id, entry in session.info.pop("workflows", {}).items():
        _entries[case_id] = entry
        _entries.move_to_end(case_id)
    while len(_entries) > SIZE:
        _entries.popitem(last=False)


@event.listens_for(Session, "after_rollback")
def _drop_uncommitted(session: Session) -> None:
    for case_id in session.info.pop("workflows", {}):
        _entries.pop(case_id, None)
