"""Attachments: adding files to a case or to a reply, listing them, handing one out.

Who may attach (the one rule, pages and API alike):
- to the case: whoever may act on the case now (the actions its detail offers them, exactly
  the API's `allowed_actions`): the department working it, the dispatcher deciding a request,
  the revisit clerk calling back. Readers (leaders, oversight, a department the case has left)
  see the files and add none; a closed case takes no more.
- to a reply: its author, with the reply itself (the reply form, app/pages/actions.py) or, over
  the API, within ATTACHMENT_REPLY_WINDOW_MINUTES of replying.
Whoever sees the case sees and downloads its files; to anyone else an attachment is missing
(404 `attachment_not_found`, the same answer as for a file that does not exist).

Limits: ATTACHMENT_MAX_BYTES per file, ATTACHMENTS_PER_UPLOAD per upload, ATTACHMENTS_MAX_PER_CASE
per case, the types of ATTACHMENT_TYPES read from the bytes. A refused upload stores nothing.
Every upload and every download is written to the case's event log with who, their
department, when and the client's address (`attachment_added`, `attachment_downloaded`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from flask import Response, current_app, send_file
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.attachments import names, storage, types
from app.cases import queries
from app.cases import service as cases
from app.clock import clock
from app.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import Attachment, Case, CaseEvent, Department, User

# Actions whose form carries files (the reply and a co-department's reply).
REPLY_ACTIONS = frozenset({"reply", "co_reply"})
ADDED = "attachment_added"
DOWNLOADED = "attachment_downloaded"


class AttachmentRefused(DomainError):
    """An upload refused; `details.errors` names the field (`files`) for forms."""

    status = 422


def _refused(code: str, zh: str, en: str, status: int = 422, **details: Any) -> AttachmentRefused:
    return AttachmentRefused(
        code, zh, en, status=status, errors=[{"field": "files", "message": en}], **details
    )


def attachment_not_found() -> NotFound:
    return NotFound("attachment_not_found", "附件不存在", "No such attachment")


@dataclass(frozen=True)
class Upload:
    """A file as read from the request and checked: nothing of it stored yet."""

    name: str
    content_type: str
    data: bytes
    sha256: str


class AttachmentItem(TypedDict):
    id: int
    name: str
    content_type: str
    size: int
    image: bool  # may be shown inline
    uploaded_at: datetime
    uploaded_by: str | None
    department: str | None
    event_id: int | None


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f}".rstrip("0").rstrip(".") + " MB"


def read_uploads(files: Iterable[FileStorage]) -> list[Upload]:
    """The request's files, checked against the limits and the allowed types. An empty file
    part (a form sent with no file chosen) is no file."""
    config = current_app.config
    max_bytes = int(config["ATTACHMENT_MAX_BYTES"])
    allowed = frozenset(config["ATTACHMENT_TYPES"])
    parts = [f for f in files if f.filename or f.content_length]
    per_upload = int(config["ATTACHMENTS_PER_UPLOAD"])
    if len(parts) > per_upload:
        raise _refused(
            "too_many_files",
            f"一次最多上传 {per_upload} 个文件",
            f"At most {per_upload} files in one upload",
            max_files=per_upload,
        )
    out = []
    for part in parts:
        name = names.clean(part.filename)
        data = part.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _refused(
                "attachment_too_large",
                f"文件“{name}”超过 {_mb(max_bytes)} 的上限",
                f"The file '{name}' is larger than the limit of {_mb(max_bytes)}",
                status=413,
                name=name,
                max_bytes=max_bytes,
            )
        if not data:
            raise _refused("empty_file", f"文件“{name}”是空的", f"The file '{name}' is empty")
        found = types.detect(data)
        if found.mime not in allowed:
            raise _refused(
                "attachment_type_not_allowed",
                f"文件“{name}”的类型不允许上传（允许：图片、PDF、办公文档、录音）",
                f"The file '{name}' is not of a type that may be attached "
                "(allowed: photos, PDF, office documents, recordings)",
                name=name,
                detected=found.mime or "unknown",
            )
        extensions = types.extensions_of(found.mime, found.extension)
        name = names.with_extension(name, extensions[0], frozenset(extensions))
        out.append(Upload(name, found.mime, data, hashlib.sha256(data).hexdigest()))
    return out


def _no_file() -> AttachmentRefused:
    return _refused("no_file", "请选择要上传的文件", "Choose a file to upload")


def _check_room(case: Case, adding: int) -> None:
    limit = int(current_app.config["ATTACHMENTS_MAX_PER_CASE"])
    count = db.session.scalar(select(func.count()).where(Attachment.case_id == case.id)) or 0
    if count + adding > limit:
        raise _refused(
            "too_many_attachments",
            f"每个工单最多 {limit} 个附件（已有 {count} 个）",
            f"A case holds at most {limit} attachments (it has {count})",
            max_per_case=limit,
        )


def may_attach(offered: Sequence[object]) -> bool:
    """Whether a user offered these actions on a case (its detail's `allowed_actions`) may
    attach files to it: whoever works on the case now."""
    return bool(offered)


def _may_attach(user: User, case: Case) -> None:
    if not may_attach(queries.offered_actions(user, case)):
        raise Forbidden(
            "attachments_not_allowed",
            "只有当前办理此工单的人员可以上传附件",
            "Only those working on the case now may attach files to it",
        )


def _reply_of(user: User, case: Case, event_id: int) -> CaseEvent:
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.case_id != case.id or event.action not in REPLY_ACTIONS:
        raise NotFound("reply_not_found", "该工单没有这条答复", "The case has no such reply")
    window = timedelta(minutes=int(current_app.config["ATTACHMENT_REPLY_WINDOW_MINUTES"]))
    if event.user_id != user.id or clock.now() - event.at > window:
        raise Forbidden(
            "reply_not_attachable",
            "只能由答复人在答复后不久为答复补充附件",
            "Files are added to a reply by its author, shortly after replying",
        )
    return event


def add_to_case(
    user: User, case_ref: str, files: Iterable[FileStorage], client_ip: str = ""
) -> list[Attachment]:
    case = queries.get_visible_case(user, case_ref)
    _may_attach(user, case)
    uploads = read_uploads(files)
    if not uploads:
        raise _no_file()
    _check_room(case, len(uploads))
    return _store(case, user, uploads, None, client_ip)


def add_to_reply(
    user: User, case_ref: str, event_id: int, files: Iterable[FileStorage], client_ip: str = ""
) -> list[Attachment]:
    case = queries.get_visible_case(user, case_ref)
    event = _reply_of(user, case, event_id)
    uploads = read_uploads(files)
    if not uploads:
        raise _no_file()
    _check_room(case, len(uploads))
    return _store(case, user, uploads, event, client_ip)


def act_with_files(
    case_id: int,
    action: str,
    data: dict[str, Any],
    user: User,
    files: Iterable[FileStorage],
    task_uuid: str | None = None,
    client_ip: str = "",
) -> Case:
    """A reply with its files: the files are checked before the reply is sent (a refused file
    sends nothing), written to disk, the reply is taken (one transaction, app/cases/step.py),
    then the files are recorded against the reply's event. A refused reply leaves no file."""
    uploads = read_uploads(files)
    if not uploads:
        return cases.act(case_id, action, data, user, task_uuid=task_uuid, client_ip=client_ip)
    if action not in REPLY_ACTIONS:
        raise _refused(
            "attachments_not_allowed",
            "此操作不能附带文件",
            f"'{action}' carries no files",
        )
    case = queries.get_visible_case(user, str(case_id))
    _check_room(case, len(uploads))
    keys = _write(uploads)
    try:
        case = cases.act(case_id, action, data, user, task_uuid=task_uuid, client_ip=client_ip)
        event = db.session.scalar(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == case_id,
                CaseEvent.action == action,
                CaseEvent.user_id == user.id,
            )
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        _store(case, user, uploads, event, client_ip, keys)
    except BaseException:
        for key in keys:
            storage.remove(key)
        raise
    return case


def _write(uploads: Sequence[Upload]) -> list[str]:
    keys: list[str] = []
    try:
        for upload in uploads:
            key = storage.new_key()
            storage.write(key, upload.data)
            keys.append(key)
    except BaseException:
        for key in keys:
            storage.remove(key)
        raise
    return keys


def _store(
    case: Case,
    user: User,
    uploads: Sequence[Upload],
    event: CaseEvent | None,
    client_ip: str,
    keys: list[str] | None = None,
) -> list[Attachment]:
    """The files on disk (unless written already), their rows and the upload's event, in one
    commit; on failure the files written go too."""
    keys = keys if keys is not None else _write(uploads)
    now = clock.now()
    try:
        rows = [
            Attachment(
                case_id=case.id,
                event_id=event.id if event is not None else None,
                storage_key=key,
                display_name=upload.name,
                content_type=upload.content_type,
                size=len(upload.data),
                sha256=upload.sha256,
                uploaded_by_id=user.id,
                department_id=user.department_id,
                uploaded_at=now,
            )
            for key, upload in zip(keys, uploads, strict=True)
        ]
        db.session.add_all(rows)
        db.session.flush()
        described = [
            {"id": r.id, "name": r.display_name, "size": r.size, "content_type": r.content_type}
            for r in rows
        ]
        data: dict[str, Any] = {"attachments": described}
        if event is not None:
            data["reply_event_id"] = event.id
        db.session.add(_event(case, user, ADDED, now, client_ip, data))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for key in keys:
            storage.remove(key)
        raise
    return rows


def _event(
    case: Case, user: User, action: str, now: datetime, client_ip: str, data: dict[str, Any]
) -> CaseEvent:
    comment = "、".join(a["name"] for a in data.get("attachments", ())) or data.get("name", "")
    return CaseEvent(
        case_id=case.id,
        at=now,
        user_id=user.id,
        action=action,
        from_department_id=user.department_id,
        comment=comment,
        data=data,
        client_ip=client_ip[:45],
    )


def list_for(case: Case) -> list[AttachmentItem]:
    """The case's attachments, oldest first (the caller has found the case in scope)."""
    rows = db.session.execute(
        select(Attachment, User.display_name, Department.name)
        .join(User, User.id == Attachment.uploaded_by_id)
        .join(Department, Department.id == Attachment.department_id)
        .where(Attachment.case_id == case.id)
        .order_by(Attachment.id)
    ).all()
    return [
        {
            "id": a.id,
            "name": a.display_name,
            "content_type": a.content_type,
            "size": a.size,
            "image": a.content_type in types.INLINE_IMAGES,
            "uploaded_at": a.uploaded_at,
            "uploaded_by": uploader,
            "department": department,
            "event_id": a.event_id,
        }
        for a, uploader, department in rows
    ]


def list_visible(user: User, case_ref: str) -> tuple[Case, list[AttachmentItem]]:
    case = queries.get_visible_case(user, case_ref)
    return case, list_for(case)


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    path: Path
    inline: bool  # an image asked for inline (shown in the page)


def file_response(found: Download) -> Response:
    """The file's bytes as an answer (API and page alike): its type read at upload, its
    cleaned name, as an attachment unless an image was asked for inline; never cached."""
    return send_file(
        found.path,
        mimetype=found.attachment.content_type,
        as_attachment=not found.inline,
        download_name=found.attachment.display_name,
        conditional=False,
        etag=False,
        max_age=0,
    )


def download(
    user: User, case_ref: str, attachment_id: int, client_ip: str = "", inline: bool = False
) -> Download:
    """An attachment of a case the user sees, logged; else 404 as for a missing one."""
    try:
        case = queries.get_visible_case(user, case_ref)
    except NotFound:
        raise attachment_not_found() from None
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.case_id != case.id:
        raise attachment_not_found()
    if not storage.exists(found.storage_key):
        current_app.logger.warning("attachment %s: file %s missing", found.id, found.storage_key)
        raise attachment_not_found()
    data = {"attachment_id": found.id, "name": found.display_name}
    db.session.add(_event(case, user, DOWNLOADED, clock.now(), client_ip, data))
    db.session.commit()
    show = inline and found.content_type in types.INLINE_IMAGES
    return Download(found, storage.path_of(found.storage_key), show)
