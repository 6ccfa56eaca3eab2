"""Deployed process versions and each case's engine state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class ProcessVersion(Model):
    """One deployed set of BPMN files, keyed by the hash of their content."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    files: Mapped[dict] = mapped_column(JSON)  # file name -> BPMN XML
    deployed_at: Mapped[datetime] = mapped_column()
    deployed_by: Mapped[str] = mapped_column(String(64), default="")


class WorkflowInstance(Model):
    """The engine state of one case, without its process definition (that lives per version).

    `version` is the optimistic lock: every step bumps it with a guarded UPDATE, so of two
    concurrent steps on a case exactly one commits.
    """

    __tablename__ = "workflow_instance"

    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    serializer_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column()
