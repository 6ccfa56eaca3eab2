"""The secret key: never a default, written per installation, refused when weak."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.auth import secret_key
from app.auth.secret_key import WELL_KNOWN, SecretKeyError
from app.cases import query_password
from app.extensions import ConfigurationError

OLD_DEFAULT = "dev-only-secret-change-me"


def make_app(tmp_path, **config):
    """An app of a fresh installation in tmp_path (no key given unless in `config`)."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": None}
    return create_app({**settings, **config}, instance_path=str(tmp_path))


@pytest.mark.parametrize("key", sorted(WELL_KNOWN))
def test_a_token_signed_with_a_well_known_key_is_refused(client, user, key):
    agent_id = user("agent").id
    forged = URLSafeTimedSerializer(key, salt="api-token").dumps({"uid": agent_id})
    resp = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "bad_token"


def test_an_installation_as_shipped_refuses_tokens_forged_with_the_old_default(app, tmp_path, user):
    """No key configured anywhere, as after a fresh checkout: the app makes its own."""
    installed = create_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": None},
        instance_path=str(tmp_path),
    )
    forged = URLSafeTimedSerializer(OLD_DEFAULT, salt="api-token").dumps({"uid": user("agent").id})
    resp = installed.test_client().get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {forged}"}
    )
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "bad_token"


def test_the_key_of_the_code_is_not_the_old_default(app):
    assert app.config["SECRET_KEY"] not in WELL_KNOWN
    assert secret_key.weakness(app.config["SECRET_KEY"]) is None


def test_first_start_writes_a_private_random_key_and_later_starts_read_it(tmp_path):
    first = make_app(tmp_path)
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert first.config["SECRET_KEY"] == key
    assert secret_key.weakness(key) is None
    # A restart, or the scheduler beside the web app, uses the same key.
    assert make_app(tmp_path).config["SECRET_KEY"] == key
    # Another installation has another key.
    other = tmp_path / "other"
    other.mkdir()
    assert make_app(other).config["SECRET_KEY"] != key
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_the_key_file_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        make_app(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_processes_starting_together_agree_on_one_key(tmp_path):
    barrier = threading.Barrier(8)
    keys = []

    def start():
        barrier.wait()
        keys.append(secret_key.resolve({}, str(tmp_path)))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert keys[0] == (tmp_path / "secret_key").read_text().strip()


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(SecretKeyError, match="MINQING_SECRET_KEY"):
        make_app(tmp_path, ENVIRONMENT="production", RATELIMIT_STORAGE_URI="redis://127.0.0.1")
    assert not (tmp_path / "secret_key").exists()


def test_production_starts_with_a_configured_secret(tmp_path):
    key = secret_key.new_secret()
    app = make_app(
        tmp_path,
        ENVIRONMENT="production",
        SECRET_KEY=key,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
    )
    assert app.config["SECRET_KEY"] == key


def test_production_refuses_a_key_file_others_can_read(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text(secret_key.new_secret())
    path.chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        make_app(tmp_path, ENVIRONMENT="production", RATELIMIT_STORAGE_URI="redis://127.0.0.1")
    path.chmod(0o600)
    app = make_app(tmp_path, ENVIRONMENT="production", RATELIMIT_STORAGE_URI="redis://127.0.0.1")
    assert app.config["SECRET_KEY"] == path.read_text().strip()


@pytest.mark.parametrize(
    "key",
    [OLD_DEFAULT, "test", "secret", "changeme", "dev", "x" * 31, "changeme" * 4, "CHANGEME"],
)
def test_a_weak_key_is_refused_in_development_and_production(tmp_path, key):
    with pytest.raises(SecretKeyError, match="refused"):
        make_app(tmp_path, SECRET_KEY=key)
    with pytest.raises(SecretKeyError, match="refused"):
        make_app(
            tmp_path,
            SECRET_KEY=key,
            ENVIRONMENT="production",
            RATELIMIT_STORAGE_URI="redis://127.0.0.1",
        )


def test_a_weak_key_in_the_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("changeme\n")
    with pytest.raises(SecretKeyError, match="secret_key is refused"):
        make_app(tmp_path)


def test_only_a_test_may_ask_for_a_weak_key(tmp_path):
    weak = {"SECRET_KEY": "test", "ALLOW_WEAK_SECRET_KEY": True}
    assert make_app(tmp_path, TESTING=True, **weak).config["SECRET_KEY"] == "test"
    with pytest.raises(SecretKeyError):
        make_app(tmp_path, TESTING=False, **weak)
    with pytest.raises(SecretKeyError):
        make_app(
            tmp_path,
            TESTING=True,
            ENVIRONMENT="production",
            RATELIMIT_STORAGE_URI="redis://127.0.0.1",
            **weak,
        )


def test_production_refuses_per_process_attempt_counts(tmp_path):
    with pytest.raises(ConfigurationError, match="redis://"):
        make_app(
            tmp_path,
            ENVIRONMENT="production",
            SECRET_KEY=secret_key.new_secret(),
            RATELIMIT_STORAGE_URI="memory://",
        )


def test_query_passwords_survive_a_restart_of_the_installation(tmp_path):
    """The citizens' query passwords are keyed with the secret: the file keeps them valid."""
    first = make_app(tmp_path)
    with first.app_context():
        stored = query_password.hash_password("20260302-000001", "123456")
    with make_app(tmp_path).app_context():
        assert query_password.check_password("20260302-000001", "123456", stored)
    other = tmp_path / "other"
    other.mkdir()
    with make_app(other).app_context():
        assert not query_password.check_password("20260302-000001", "123456", stored)
