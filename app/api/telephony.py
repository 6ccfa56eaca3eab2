"""The telephony bridge's API (/api/v1/telephony): what the ARI bridge (ari_bridge/) reads and
writes with its service account (role `telephony`). Everyone else is refused on the role
(403 `role_not_allowed`); administrators may read the config. Each call is one transaction;
the rules are the services' (app/telephony).
"""

from __future__ import annotations

import re

from flask import Response, current_app, request
from flask.blueprints import BlueprintSetupState
from flask.views import MethodView
from marshmallow import ValidationError

from app.api.blueprint import Blueprint
from app.api.telephony_schemas import (
    AgentStateOutSchema,
    BridgeTokenSchema,
    CallInSchema,
    CallOutSchema,
    CommandArgsSchema,
    CommandListSchema,
    CommandResultInSchema,
    CommandResultOutSchema,
    ConfigSchema,
    NoAnswerInSchema,
    OfferInSchema,
    OfferOutSchema,
    RecordingOutSchema,
    StatusQueryInSchema,
    StatusQueryOutSchema,
    VoicemailFormSchema,
    VoicemailOutSchema,
)
from app.auth import policy
from app.auth.tokens import current_user, issue_token
from app.errors import DomainError, Invalid
from app.telephony import agents, calls, commands, recordings, settings, status_query, voicemail
from app.telephony import config as telephony_config

blp = Blueprint(
    "telephony",
    __name__,
    url_prefix="/api/v1/telephony",
    description="Telephony: the ARI bridge's calls, queues, voicemail and commands",
)
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
_CHANNEL = re.compile(calls.CHANNEL_PATTERN)
CHANNEL_PARAMETER = {
    "in": "path",
    "name": "channel_id",
    "required": True,
    "schema": {"type": "string", "pattern": calls.CHANNEL_PATTERN, "maxLength": 150},
    "description": "the Asterisk channel id of the caller's leg (e.g. 1795381636.0)",
}


# The views that take a recording: their body may be TELEPHONY_RECORDING_MAX_BYTES (plus a
# voicemail's form fields), where every other request stops at MAX_CONTENT_LENGTH.
RECORDING_VIEWS = frozenset({"telephony.Voicemails", "telephony.Recording"})
FORM_FIELDS_BYTES = 64 * 1024


def _raise_the_limit() -> None:
    if request.endpoint in RECORDING_VIEWS:
        request.max_content_length = settings.recording_max_bytes() + FORM_FIELDS_BYTES


@blp.record_once
def _first_of_all(state: BlueprintSetupState) -> None:
    # Ahead of the request guard, which refuses a body over the request's limit.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_the_limit)


def _channel(channel_id: str) -> str:
    if not _CHANNEL.fullmatch(channel_id):
        raise Invalid(
            "invalid_channel_id",
            "通道编号格式不正确",
            "A channel id is 1 to 150 letters, digits, '.', '_' or '-'",
            field="channel_id",
        )
    return channel_id


def _bridge():
    user = current_user()
    policy.check_bridge(user)
    return user


@blp.route("/token")
class BridgeToken(MethodView):
    @blp.response(200, BridgeTokenSchema)
    @blp.doc(security=SECURITY)
    def post(self):
        """A fresh token for the bridge, for the one it sends (tokens expire after
        TOKEN_MAX_AGE_SECONDS; the bridge renews its own before then). The bridge only: a
        password set on its account (`flask users set-password ari_bridge`) revokes every
        token, renewed ones too."""
        user = _bridge()
        return {
            "access_token": issue_token(user),
            "token_type": "Bearer",
            "expires_in": current_app.config["TOKEN_MAX_AGE_SECONDS"],
        }


@blp.route("/config")
class Config(MethodView):
    @blp.response(200, ConfigSchema)
    @blp.alt_response(304, description="not modified: the version sent in If-None-Match")
    @blp.doc(
        security=SECURITY,
        parameters=[
            {
                "in": "header",
                "name": "If-None-Match",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "the ETag of the config the bridge has",
            }
        ],
    )
    def get(self):
        """What the bridge runs on: the IVR menu, the service hours, the next 14 days' kinds
        (working or rest), the blacklist and the settings. `ETag: "<version>"`; the same
        version in `If-None-Match` answers 304 with no body. The bridge and administrators."""
        policy.check_read_telephony_config(current_user())
        version = telephony_config.version()
        etag = f'"{version}"'
        sent = request.headers.get("If-None-Match", "")
        if etag in {tag.strip() for tag in sent.split(",")}:
            response = Response(status=304)
            response.headers["ETag"] = etag
            return response
        body = telephony_config.document()
        return body, 200, {"ETag": f'"{body["version"]}"', "Cache-Control": "no-cache"}


@blp.route("/calls/<channel_id>")
class Call(MethodView):
    @blp.arguments(CallInSchema)
    @blp.response(200, CallOutSchema)
    @blp.alt_response(201, schema=CallOutSchema, description="the call's first record")
    @blp.doc(security=SECURITY, parameters=[CHANNEL_PARAMETER])
    def put(self, body, channel_id: str):
        """Record a call (idempotent upsert keyed by the channel id). A moment or field once
        set is never changed by a later PUT; `ivr_path` only grows. Moments out of order
        (started ≤ queued ≤ answered ≤ ended): 422 `moments_out_of_order`, nothing changed.
        An unknown skill group, agent or case: 422. Answered with an agent → the agent is
        busy; ended → wrap-up; satisfaction → also on the call's case's timeline."""
        user = _bridge()
        update = calls.CallUpdate(**body)
        done = calls.record(_channel(channel_id), update, user)
        call = done.call
        out = {
            "id": call.id,
            "channel_id": call.channel_id,
            "case_id": call.case_id,
            "created": done.created,
        }
        return out, 201 if done.created else 200


@blp.route("/queues/<code>/offer")
class Offer(MethodView):
    @blp.arguments(OfferInSchema)
    @blp.response(200, OfferOutSchema)
    @blp.alt_response(409, description="`no_agent_ready`: nobody of the group may take it now")
    @blp.alt_response(404, description="`unknown_skill_group`")
    @blp.doc(security=SECURITY)
    def post(self, body, code: str):
        """Offer a queued call to the skill group's next agent: signed in, ready (or past
        wrap-up), not in `exclude`; the highest level first, then the longest idle. The agent
        is made busy on the call and gets the screen pop (`incoming_call`). Repeated while
        that agent's phone rings, it answers with the same agent."""
        user = _bridge()
        channel_id = _channel(body["channel_id"])
        found = agents.offer(code, channel_id, body["caller"], body["exclude"], user)
        return {
            "agent": found.agent,
            "endpoint": found.endpoint,
            "ring_seconds": found.ring_seconds,
        }


@blp.route("/agents/<username>/no-answer")
class NoAnswer(MethodView):
    @blp.arguments(NoAnswerInSchema)
    @blp.response(200, AgentStateOutSchema)
    @blp.alt_response(404, description="`unknown_agent`")
    @blp.doc(security=SECURITY)
    def post(self, body, username: str):
        """The agent's phone rang for the call and was not answered: the agent goes away
        (offered nothing until they say ready again)."""
        user = _bridge()
        view = agents.no_answer(username, _channel(body["channel_id"]), user)
        return {"agent": view.username, "state": view.state}


@blp.route("/status-query")
class StatusQuery(MethodView):
    @blp.arguments(StatusQueryInSchema)
    @blp.response(200, StatusQueryOutSchema)
    @blp.alt_response(404, description="`case_not_found`: a wrong number or password alike")
    @blp.alt_response(429, description="`too_many_attempts`: 5 failures per caller per hour")
    @blp.doc(security=SECURITY)
    def post(self, body):
        """A case's status by keypad: the case number's digits (the dash optional) and its
        query password. A wrong number and a wrong password answer alike (404); five
        failures from one calling number within an hour refuse every query from it (429)."""
        user = _bridge()
        found = status_query.query(body["number"], body["password"], body["caller"], user)
        return {
            "number": found.number,
            "status": found.status,
            "overdue": found.overdue,
            "words": {"zh": found.zh, "en": found.en},
        }


VOICEMAIL_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["channel_id", "recorded_at", "duration_seconds", "recording"],
                "properties": {
                    "channel_id": {"type": "string", "pattern": calls.CHANNEL_PATTERN},
                    "caller": {"type": "string", "maxLength": 40},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "duration_seconds": {"type": "integer", "minimum": 0, "maximum": 86400},
                    "recording": {
                        "type": "string",
                        "format": "binary",
                        "description": "the recording, WAV (audio/wav)",
                    },
                },
            }
        }
    },
}


def _form_invalid(exc: ValidationError) -> Invalid:
    return Invalid(
        "invalid_request",
        "请求数据不符合要求",
        "The request data is not valid",
        errors={"form": exc.messages},
    )


def _read_limited(stream) -> bytes:
    limit = settings.recording_max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise recordings.too_large()
    return data


@blp.route("/voicemails")
class Voicemails(MethodView):
    @blp.response(201, VoicemailOutSchema)
    @blp.alt_response(200, schema=VoicemailOutSchema, description="a repeat: the same case")
    @blp.alt_response(413, description="`recording_too_large`")
    @blp.doc(security=SECURITY, requestBody=VOICEMAIL_BODY)
    def post(self):
        """A voicemail (市长信箱) becomes a case: channel `voicemail`, the caller's number, the
        recording (WAV, at most TELEPHONY_RECORDING_MAX_BYTES) attached, the call linked. A
        repeat for the same channel id answers 200 with the same case (`created` false).
        `query_password` (the case's, to read out to the caller) only when created."""
        user = _bridge()
        try:
            form = VoicemailFormSchema().load(request.form.to_dict())
        except ValidationError as exc:
            raise _form_invalid(exc) from None
        part = request.files.get("recording")
        if part is None:
            raise Invalid(
                "recording_required",
                "请附上录音文件",
                "The recording file is missing",
                field="recording",
            )
        left = voicemail.leave(
            _channel(form["channel_id"]),
            form["caller"],
            form["recorded_at"],
            form["duration_seconds"],
            _read_limited(part.stream),
            user,
        )
        out = {
            "case_id": left.case.id,
            "number": left.case.number,
            "created": left.created,
            "query_password": left.query_password,
        }
        return out, 201 if left.created else 200


RECORDING_BODY = {
    "required": True,
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("audio/wav", "application/octet-stream")
    },
}


@blp.route("/calls/<channel_id>/recording")
class Recording(MethodView):
    @blp.response(200, RecordingOutSchema)
    @blp.alt_response(413, description="`payload_too_large` / `recording_too_large`")
    @blp.alt_response(415, description="`unsupported_media_type`: not audio/wav")
    @blp.doc(security=SECURITY, parameters=[CHANNEL_PARAMETER], requestBody=RECORDING_BODY)
    def put(self, channel_id: str):
        """The call's recording: the raw WAV as the body (`Content-Type: audio/wav`, or
        application/octet-stream: the bytes must be a WAV either way; at most
        TELEPHONY_RECORDING_MAX_BYTES, else 413). Attached to the call's case now, or when
        the call is linked to one. A repeat changes nothing and answers the stored one."""
        user = _bridge()
        channel_id = _channel(channel_id)
        if request.mimetype not in recordings.WAV_CONTENT_TYPES:
            raise DomainError(
                "unsupported_media_type",
                "录音须以 audio/wav 格式上传",
                "Send the recording as audio/wav",
                status=415,
            )
        call = calls.find(channel_id)
        data = _read_limited(request.stream)
        stored = recordings.keep_committed(call, data, user)
        row = stored.recording
        return {
            "channel_id": channel_id,
            "size": row.size,
            "sha256": row.sha256,
            "case_id": call.case_id,
            "attachment_id": row.attachment_id,
            "created": stored.created,
        }


@blp.route("/commands")
class Commands(MethodView):
    @blp.arguments(CommandArgsSchema, location="query")
    @blp.response(200, CommandListSchema)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Commands from the pages (long poll: waits up to `wait` seconds, at most 25, for
        one): each taken atomically; one not finished within 60 s is offered again.
        `{"id", "kind": "callback", "case_id", "clerk", "clerk_endpoint", "citizen_number"}`,
        `{"id", "kind": "conference", "case_id", "channel_id", "target_number", "leave"}`,
        `{"id", "kind": "transfer", "case_id", "channel_id", "group"}`."""
        user = _bridge()
        return {"commands": commands.take(args["wait"], user)}


@blp.route("/commands/<id:command_id>/result")
class CommandResult(MethodView):
    @blp.arguments(CommandResultInSchema)
    @blp.response(200, CommandResultOutSchema)
    @blp.alt_response(404, description="`command_not_found`")
    @blp.doc(security=SECURITY)
    def post(self, body, command_id: int):
        """The command's outcome, recorded on the case's timeline (回访电话：已接通，通话 3 分
        12 秒 / 三方通话：接入 12319). A repeat answers 200 and changes nothing."""
        user = _bridge()
        done = commands.finish(
            command_id,
            body["outcome"],
            user,
            talk_seconds=body.get("talk_seconds"),
            channel_id=body.get("channel_id"),
        )
        return {
            "id": done.command.id,
            "outcome": done.command.outcome,
            "recorded": done.recorded,
        }
