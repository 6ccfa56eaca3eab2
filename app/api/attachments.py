"""Attachments over the API: list a case's files, upload (multipart), download one.

Who may upload, the limits and the audit are the attachments service's (app/attachments);
a case outside the caller's scope answers as a missing one, and an attachment of such a case
as a missing attachment (404 `attachment_not_found`).
"""

from __future__ import annotations

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from app import fields as f
from app.api.blueprint import Blueprint, file_responses
from app.api.schemas import Out
from app.attachments import service
from app.attachments.uploads import accepts_upload
from app.auth.tokens import current_user
from app.errors import Invalid
from app.ids import MAX_ID

blp = Blueprint("attachments", __name__, url_prefix="/api/v1/cases", description="Case attachments")
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class AttachmentSchema(Out):
    id = fields.Integer()
    name = fields.String(metadata={"description": "the uploader's file name, cleaned"})
    content_type = fields.String(metadata={"description": "read from the file's bytes"})
    size = fields.Integer()
    image = fields.Boolean(metadata={"description": "may be shown inline (?inline=1)"})
    uploaded_at = f.DateTime()
    uploaded_by = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    event_id = fields.Integer(
        allow_none=True, metadata={"description": "the reply it came with; null: the case's"}
    )


class UploadFormSchema(Schema):
    """The upload's fields beside its files."""

    reply_event_id = f.Id(load_default=None)


# Written out: flask-smorest describes a body of files and fields together as two bodies.
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "one or more files (ATTACHMENTS_PER_UPLOAD at most)",
                    },
                    "reply_event_id": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_ID,
                        "description": "attach to this reply of mine (shortly after replying)",
                    },
                },
            }
        }
    },
}


class DownloadArgsSchema(Schema):
    inline = f.QueryBoolean(load_default=False, metadata={"description": "images only"})


@blp.route("/<id:case_id>/attachments", methods=["GET"], endpoint="list")
@blp.response(200, AttachmentSchema(many=True))
@blp.doc(security=SECURITY)
def list_attachments(case_id: int):
    """The case's attachments (the case's own and its replies'), oldest first."""
    _case, items = service.list_visible(current_user(), str(case_id))
    return items


@blp.route("/<id:case_id>/attachments", methods=["POST"], endpoint="upload")
@blp.response(201, AttachmentSchema(many=True))
@blp.doc(security=SECURITY, requestBody=UPLOAD_BODY)
@accepts_upload
def upload(case_id: int):
    """Attach files to the case (multipart/form-data, field `files`), or to my reply.

    Whoever may act on the case now may attach to it. Each file is at most
    ATTACHMENT_MAX_BYTES (413 `attachment_too_large`) and of an allowed type, read from its
    bytes (422 `attachment_type_not_allowed`); a case holds ATTACHMENTS_MAX_PER_CASE files.
    """
    try:
        form = UploadFormSchema().load(request.form.to_dict(), unknown=EXCLUDE)
    except ValidationError as exc:
        raise Invalid(
            "invalid_request",
            "请求数据不符合要求",
            "The request data is not valid",
            errors={"form": exc.messages},
        ) from None
    user = current_user()
    ip = request.remote_addr or ""
    files = request.files.getlist("files")
    reply = form["reply_event_id"]
    if reply is None:
        rows = service.add_to_case(user, str(case_id), files, client_ip=ip)
    else:
        rows = service.add_to_reply(user, str(case_id), reply, files, client_ip=ip)
    _case, items = service.list_visible(user, str(case_id))
    ids = {r.id for r in rows}
    return [a for a in items if a["id"] in ids], 201


@blp.route("/<id:case_id>/attachments/<id:attachment_id>", methods=["GET"], endpoint="download")
@blp.arguments(DownloadArgsSchema, location="query")
@blp.doc(
    security=SECURITY,
    responses=file_responses("the file, with its type and its name (Content-Disposition)"),
)
def download(args, case_id: int, attachment_id: int):
    """One attachment's bytes. 404 `attachment_not_found` for a missing one and for one of a
    case outside my scope alike."""
    found = service.download(
        current_user(),
        str(case_id),
        attachment_id,
        client_ip=request.remote_addr or "",
        inline=args["inline"],
    )
    return service.file_response(found)
