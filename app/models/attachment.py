"""Files attached to a case or to one of its replies; the bytes live on disk (app/attachments)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Attachment(Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_case.id"), index=True)
    # The reply (or co-department reply) event it came with; NULL: attached to the case.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    # The file's name on disk: random, never derived from what the uploader sent.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The uploader's file name, cleaned (app/attachments/names.py), shown and offered on download.
    display_name: Mapped[str] = mapped_column(String(255))
    # Detected from the bytes (app/attachments/types.py), not the declared type or the extension.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    uploaded_at: Mapped[datetime] = mapped_column()
