"""`flask telephony token`: a working token for the bridge's account, made when missing."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import User


def test_the_token_is_the_bridges(app, client, now):
    result = app.test_cli_runner().invoke(args=["telephony", "token"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/telephony/config", headers=headers).status_code == 200
    # The bridge reads no case and registers only through its own endpoints' rules.
    assert client.get("/api/v1/cases", headers=headers).get_json()["total"] == 0
    second = app.test_cli_runner().invoke(args=["telephony", "token"]).output.strip()
    assert client.get("/api/v1/telephony/config", headers={"Authorization": f"Bearer {second}"})
    assert db.session.scalar(select(User.id).where(User.username == "ari_bridge"))


def test_the_bridge_may_not_log_in_with_a_password(client, now):
    from app.telephony.account import service_account

    service_account()
    db.session.commit()
    resp = client.post("/api/v1/auth/token", json={"username": "ari_bridge", "password": "!"})
    assert resp.status_code == 401


def test_the_bridge_may_register_but_not_read_a_case(client, bridge, now):
    from tests.helpers import INTAKE

    made = client.post("/api/v1/cases", json={**INTAKE, "channel": "voicemail"}, headers=bridge)
    assert made.status_code == 201, made.get_json()
    case_id = made.get_json()["id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=bridge).status_code == 404
    resp = client.post(
        f"/api/v1/cases/{case_id}/contacts",
        json={"channel": "phone", "content": "又来电", "citizen_phone": "13800001111"},
        headers=bridge,
    )
    assert resp.status_code in (403, 404, 422)


def test_the_bridge_renews_its_token_people_do_not(client, bridge, auth, now):
    resp = client.post("/api/v1/telephony/token", headers=bridge)
    assert resp.status_code == 200 and resp.get_json()["expires_in"] > 0
    fresh = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    assert client.get("/api/v1/telephony/config", headers=fresh).status_code == 200
    assert client.post("/api/v1/telephony/token", headers=auth("agent")).status_code == 403
