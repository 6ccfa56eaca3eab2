"""ARI's bad paths as Asterisk answers them: credentials, unknown objects, missing parameters."""

from __future__ import annotations

import base64

import httpx

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import PASSWORD, USER, rest


def test_no_or_wrong_credentials_are_401(peer: Peer) -> None:
    for params in ({}, {"api_key": f"{USER}:wrong"}, {"api_key": "nonsense"}):
        response = httpx.get(peer.url + "ari/channels", params=params)
        assert response.status_code == 401
        assert response.json() == {"message": "Authentication required"}
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    docs = httpx.get(peer.url + "ari/api-docs/resources.json")
    assert docs.status_code == 401
    garbled = httpx.get(peer.url + "ari/channels", headers={"Authorization": "Basic %%%"})
    assert garbled.status_code == 401


def test_http_basic_works_as_well_as_the_api_key(peer: Peer) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    response = httpx.get(peer.url + "ari/channels", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 200
    assert response.json() == []
    assert rest(peer, "GET", "/channels").json() == []


def test_unknown_objects_are_404(peer: Peer) -> None:
    for method, path in [
        ("GET", "/channels/1.1"),
        ("DELETE", "/channels/1.1"),
        ("POST", "/channels/1.1/answer"),
        ("POST", "/channels/1.1/play"),
        ("GET", "/bridges/none"),
        ("DELETE", "/playbacks/none"),
        ("GET", "/playbacks/none"),
    ]:
        response = rest(peer, method, path, params={"media": "sound:x"})
        assert response.status_code == 404, (method, path)
        assert set(response.json()) == {"message"}
    assert rest(peer, "GET", "/channels/1.1").json() == {"message": "Channel not found"}
    assert rest(peer, "GET", "/nothing/here").json() == {"message": "Resource not found"}
    assert rest(peer, "GET", "/api-docs/nothing.json").status_code == 404
    assert rest(peer, "PUT", "/channels").json() == {"message": "Invalid method"}


def test_missing_and_bad_parameters(peer: Peer) -> None:
    channel_id = peer.place_call()  # no app connected: the call never reaches Stasis
    assert rest(peer, "GET", f"/channels/{channel_id}").status_code == 404
    peer.set_phone("PJSIP/agent09", answer_after=None)
    ringing = rest(peer, "POST", "/channels", params={"endpoint": "PJSIP/agent09", "app": "x"})
    assert ringing.status_code == 200
    ringing_id = ringing.json()["id"]
    # A channel that is not (yet) in Stasis cannot be commanded.
    not_in_stasis = rest(peer, "POST", f"/channels/{ringing_id}/answer")
    assert not_in_stasis.status_code == 409
    assert not_in_stasis.json() == {"message": "Channel not in Stasis application"}
    assert rest(peer, "POST", "/channels").json() == {"message": "Endpoint must be specified"}
    bad_reason = rest(peer, "DELETE", f"/channels/{ringing_id}", params={"reason": "bored"})
    assert bad_reason.status_code == 400
    both = rest(
        peer, "DELETE", f"/channels/{ringing_id}", params={"reason": "busy", "reason_code": "17"}
    )
    assert both.status_code == 400
    malformed = rest(
        peer,
        "POST",
        "/channels",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert rest(peer, "DELETE", f"/channels/{ringing_id}").status_code == 204
    assert rest(peer, "GET", f"/channels/{ringing_id}").status_code == 404


def test_the_api_description_names_asterisks_operations(peer: Peer) -> None:
    listing = rest(peer, "GET", "/api-docs/resources.json").json()
    assert listing["swaggerVersion"] == "1.1"
    assert listing["basePath"] == peer.url + "ari"
    names = [api["path"] for api in listing["apis"]]
    assert "/api-docs/channels.{format}" in names and "/api-docs/events.{format}" in names
    channels = rest(peer, "GET", "/api-docs/channels.json").json()
    nicknames = {
        op["nickname"]: (api["path"], op["httpMethod"])
        for api in channels["apis"]
        for op in api["operations"]
    }
    assert nicknames["originate"] == ("/channels", "POST")
    assert nicknames["play"] == ("/channels/{channelId}/play", "POST")
    assert nicknames["record"] == ("/channels/{channelId}/record", "POST")
    events = rest(peer, "GET", "/api-docs/events.json").json()
    assert events["apis"][0]["operations"][0]["upgrade"] == "websocket"
    assert events["models"]["StasisStart"]["properties"]["channel"]["type"] == "Channel"
