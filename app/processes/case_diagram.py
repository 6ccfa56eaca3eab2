"""A case's diagram: the BPMN of the process version the case runs on (not the newest), and
the path its workflow has taken there, for the case detail's viewer.

The callers (the case pages) hand in a case they have already found in the user's scope
(app/cases/queries.get_visible_case). The path is read from the case's stored engine state:
the one read of a workflow outside a step, made only when the diagram asks for it (its own
request, not the case detail's), and never written back.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import engine
from app.extensions import db
from app.models import Case, ProcessVersion, WorkflowInstance
from app.processes import service


@dataclass(frozen=True)
class DiagramFile:
    version: ProcessVersion
    name: str  # the file of the version that holds the case's process
    xml: str
    etag: str  # changes only with the version's files


def _instance(case: Case) -> WorkflowInstance:
    return db.session.get_one(WorkflowInstance, case.id)


def diagram_of(case: Case) -> DiagramFile:
    """The file of the case's own process version that draws the process the case runs."""
    instance = _instance(case)
    version = db.session.get_one(ProcessVersion, instance.process_version_id)
    compiled = service.compiled(version.id)
    name = compiled.spec.file if compiled.spec.file in version.files else sorted(version.files)[0]
    return DiagramFile(version, name, version.files[name], f"{version.content_hash}-{name}")


def path_of(case: Case) -> engine.PathTaken:
    """The elements of the case's diagram on the path taken, and its current tasks."""
    instance = _instance(case)
    compiled = service.compiled(instance.process_version_id)
    return engine.path_taken(compiled, engine.load(compiled, instance.state))
