"""Schemas of the telephony bridge's API (app/api/telephony.py). Inputs use the bounded fields
of app/fields.py; unknown fields are refused (422), as everywhere in the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app import fields as f
from app.api.schemas import Out
from app.models.telephony import COMMAND_OUTCOMES, DIRECTIONS, SATISFACTION_KEYS
from app.telephony.calls import CHANNEL_PATTERN

IVR_PATH = r"^([0-9*#](/[0-9*#]){0,120})?$"
CALLER = r"^[A-Za-z0-9+*#._-]{0,40}$"


def channel_field(**kwargs) -> f.Line:
    return f.Line(
        150,
        validate=validate.Regexp(CHANNEL_PATTERN, error="not a channel id"),
        metadata={"description": "the Asterisk channel id of the caller's leg"},
        **kwargs,
    )


def caller_field(**kwargs) -> f.Line:
    return f.Line(40, validate=validate.Regexp(CALLER, error="not a calling number"), **kwargs)


class CallInSchema(Schema):
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))
    caller = caller_field()
    called = caller_field()
    started_at = f.DateTime(metadata={"description": "required for a call not recorded yet"})
    queued_at = f.DateTime()
    answered_at = f.DateTime()
    ended_at = f.DateTime()
    skill_group = f.Line(40, min_length=1, metadata={"description": "an active group's code"})
    agent = f.Line(64, min_length=1, metadata={"description": "the answering agent's username"})
    hangup_cause = f.Integer(minimum=0, maximum=255, metadata={"description": "Q.850 cause"})
    satisfaction = f.Integer(
        minimum=1,
        maximum=3,
        validate=validate.OneOf(SATISFACTION_KEYS),
        metadata={"description": "1 satisfied, 2 basically satisfied, 3 unsatisfied"},
    )
    ivr_path = f.Line(
        255,
        validate=validate.Regexp(IVR_PATH, error="keys joined by /"),
        metadata={"description": "the menu keys pressed, joined by / (e.g. 1/3)"},
    )
    case_id = f.Id()
    recording = f.Line(255, metadata={"description": "the recording's name in Asterisk"})


class CallOutSchema(Out):
    id = fields.Integer()
    channel_id = fields.String()
    case_id = fields.Integer(allow_none=True)
    created = fields.Boolean()


class ConfigSchema(Out):
    version = fields.String()
    utc_offset_minutes = fields.Integer()
    menu = fields.Dict(metadata={"description": "the IVR menu tree (app/telephony/ivr.py)"})
    schedule = fields.Dict(metadata={"description": "service hours by kind of day"})
    calendar = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "day -> kind"}
    )
    blacklist = fields.List(fields.Dict())
    max_invalid = fields.Integer()
    operator_group = fields.String()
    ring_seconds = fields.Integer()
    position_every_seconds = fields.Integer()
    dial_template = fields.String()
    survey = fields.Boolean()


class OfferInSchema(Schema):
    channel_id = channel_field(required=True)
    caller = caller_field(load_default="")
    exclude = fields.List(  # type: ignore[assignment]  # a field named like Schema's option
        f.Line(64, min_length=1),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "usernames not to offer the call to (rang unanswered)"},
    )


class OfferOutSchema(Out):
    agent = fields.String()
    endpoint = fields.String(metadata={"description": "the agent's phone, e.g. PJSIP/agent01"})
    ring_seconds = fields.Integer()


class NoAnswerInSchema(Schema):
    channel_id = channel_field(required=True)


class AgentStateOutSchema(Out):
    agent = fields.String()
    state = fields.String()


class StatusQueryInSchema(Schema):
    number = f.Line(
        20,
        required=True,
        validate=validate.Regexp(r"^[0-9]{8}-?[0-9]{1,10}$", error="not a case number"),
        metadata={"description": "the case number's digits (the dash optional)"},
    )
    password = f.Line(
        12, required=True, validate=validate.Regexp(r"^[0-9]{1,12}$", error="digits only")
    )
    caller = caller_field(load_default="")


class KeypadStatusWordsSchema(Out):
    zh = fields.String()
    en = fields.String()


class StatusQueryOutSchema(Out):
    number = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    words = fields.Nested(KeypadStatusWordsSchema)


class VoicemailFormSchema(Schema):
    channel_id = channel_field(required=True)
    caller = caller_field(load_default="")
    recorded_at = f.DateTime(required=True)
    duration_seconds = f.Integer(minimum=0, maximum=24 * 3600, required=True)


class VoicemailOutSchema(Out):
    case_id = fields.Integer()
    number = fields.String()
    created = fields.Boolean()
    query_password = fields.String(
        allow_none=True, metadata={"description": "the case's query password; null on a repeat"}
    )


class RecordingOutSchema(Out):
    channel_id = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    case_id = fields.Integer(allow_none=True)
    attachment_id = fields.Integer(allow_none=True)
    created = fields.Boolean()


class CommandArgsSchema(Schema):
    wait = f.Integer(
        minimum=0, maximum=25, load_default=0, metadata={"description": "seconds to wait"}
    )


class CommandSchema(Out):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "callback, conference or transfer"})
    case_id = fields.Integer()


class CommandListSchema(Out):
    commands = fields.List(fields.Nested(CommandSchema))


class CommandResultInSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(COMMAND_OUTCOMES))
    talk_seconds = f.Integer(minimum=0, maximum=24 * 3600)
    channel_id = channel_field()


class CommandResultOutSchema(Out):
    id = fields.Integer()
    outcome = fields.String()
    recorded = fields.Boolean(metadata={"description": "false: a repeat, nothing changed"})


class BridgeTokenSchema(Out):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds"})
