"""The telephony bridge's API (/api/v1/telephony): what the ARI bridge (ari_bridge/) reads and
writes with its service account (role `telephony`). Everyone else is refused on the role
(403 `role_not_allowed`); administrators may read the config. Each call is one transaction;
the rules are the services' (app/telephony).
"""

from __future__ import annotations

import re

from flask import Response, request
from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.api.telephony_schemas import (
    AgentStateOutSchema,
    CallInSchema,
    CallOutSchema,
    ConfigSchema,
    NoAnswerInSchema,
    OfferInSchema,
    OfferOutSchema,
)
from app.auth import policy
from app.auth.tokens import current_user
from app.errors import Invalid
from app.telephony import agents, calls
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
