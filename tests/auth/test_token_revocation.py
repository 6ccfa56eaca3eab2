"""A new password revokes the user's API tokens, as it ends their page sessions, whoever sets
it (the user at the command line here; the administrator's page in
tests/pages/test_admin_users.py); a token issued after it works."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User
from tests.auth.helpers import temporary_user
from tests.conftest import snapshot
from tests.helpers import INTAKE

READ = "/api/v1/reference/departments"  # any token may read it


def token(client, username: str, password: str) -> dict:
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}


def assert_revoked(resp) -> None:
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["code"] == "token_revoked" and body["message"]["zh"] and body["message"]["en"]


def test_a_password_set_at_the_command_line_revokes_the_users_tokens(app, client):
    with temporary_user("old-password") as u:
        old = token(client, u.username, "old-password")
        also_old = token(client, u.username, "old-password")
        assert client.get(READ, headers=old).status_code == 200
        result = app.test_cli_runner().invoke(
            args=["users", "set-password", u.username, "--password", "n3w-password"]
        )
        assert result.exit_code == 0, result.output
        before = snapshot()
        for headers in (old, also_old):
            assert_revoked(client.get(READ, headers=headers))
            assert_revoked(client.post("/api/v1/cases", json=INTAKE, headers=headers))
        assert snapshot() == before
        new = token(client, u.username, "n3w-password")
        assert client.get(READ, headers=new).status_code == 200
        assert_revoked(client.get(READ, headers=old))  # the new token did not revive the old


def test_another_users_new_password_leaves_a_token_alone(app, client):
    with temporary_user("mine-password") as me, temporary_user("their-password") as them:
        mine = token(client, me.username, "mine-password")
        app.test_cli_runner().invoke(
            args=["users", "set-password", them.username, "--password", "changed-password"]
        )
        assert client.get(READ, headers=mine).status_code == 200


def test_a_signed_token_without_the_password_stamp_is_refused(app, client):
    """A token of the kind issued before tokens carried the stamp (or one forged by anyone who
    had the key) names a user and nothing else: refused, as a revoked one."""
    with temporary_user("some-password") as u:
        bare = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="api-token").dumps(
            {"uid": u.id}
        )
        assert_revoked(client.get(READ, headers={"Authorization": f"Bearer {bare}"}))


def test_the_token_of_a_login_that_upgrades_an_old_hash_works(client):
    """The login replaces an old-scheme hash before it issues the token: the token carries the
    new hash's stamp."""
    old = generate_password_hash("legacy-pass", method="pbkdf2:sha256:100000")
    with temporary_user(password_hash=old) as u:
        headers = token(client, u.username, "legacy-pass")
        db.session.expire_all()
        assert db.session.get(User, u.id).password_hash != old
        assert client.get(READ, headers=headers).status_code == 200
