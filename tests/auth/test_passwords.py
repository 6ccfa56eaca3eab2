"""Login passwords: scrypt with a salt per user, one path for the seed, the CLI and login."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app.auth import passwords
from app.clock import clock
from app.extensions import db
from app.models import User
from tests.auth.helpers import temporary_user
from tests.conftest import PASSWORD


def login(client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_seeded_users_each_have_their_own_salt():
    hashes = list(db.session.scalars(select(User.password_hash)))
    assert len(hashes) > 30
    assert all(h.startswith(passwords.METHOD + "$") for h in hashes)
    salts = [h.split("$")[1] for h in hashes]
    assert len(set(salts)) == len(salts)
    assert len(set(hashes)) == len(hashes)


def test_same_password_hashes_differently_and_verifies():
    a, b = passwords.hash_password("same-password"), passwords.hash_password("same-password")
    assert a != b
    assert passwords.check_password(a, "same-password")
    assert not passwords.check_password(a, "other-password")


def test_set_password_from_the_command_line(app, client):
    with temporary_user("old-password") as u:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["users", "set-password", u.username, "--password", "n3w-pass"])
        assert result.exit_code == 0, result.output
        assert login(client, u.username, "n3w-pass").status_code == 200
        assert login(client, u.username, "old-password").status_code == 401
        db.session.expire_all()
        stored = db.session.get(User, u.id).password_hash
        assert stored.startswith(passwords.METHOD + "$")


def test_set_password_prompts_without_echo(app, client):
    with temporary_user("old-password") as u:
        runner = app.test_cli_runner()
        result = runner.invoke(
            args=["users", "set-password", u.username], input="prompted-1\nprompted-1\n"
        )
        assert result.exit_code == 0, result.output
        assert "prompted-1" not in result.output
        assert login(client, u.username, "prompted-1").status_code == 200


def test_set_password_refuses_unknown_users_and_short_passwords(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-password", "nobody", "--password", "long-enough"])
    assert result.exit_code != 0 and "no user 'nobody'" in result.output
    with temporary_user("old-password") as u:
        result = runner.invoke(args=["users", "set-password", u.username, "--password", "short"])
        assert result.exit_code != 0 and "weak_password" in result.output
        db.session.expire_all()
        assert passwords.check_password(db.session.get(User, u.id).password_hash, "old-password")


def test_seed_demo_with_a_password_sets_it_for_existing_demo_logins(app, client):
    """`flask seed demo --password X` on an existing database: X logs in, the old one not."""
    clock.freeze(datetime(2026, 3, 2, 9, 0))  # the seed reads the year from the clock
    saved = dict(db.session.execute(select(User.id, User.password_hash)).all())
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["seed", "demo", "--password", "other-pass", "--cases", "0"])
        assert result.exit_code == 0, result.output
        assert "password 'other-pass'" in result.output
        for username in ("agent", "east_dispatcher", "east_urban_handler"):
            assert login(client, username, "other-pass").status_code == 200
            assert login(client, username, PASSWORD).status_code == 401
    finally:
        clock.unfreeze()
        _restore(saved)


def test_seed_demo_without_a_password_keeps_existing_logins_passwords(app, client):
    """A plain rerun (`make run` again) neither resets a changed password nor re-hashes."""
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    saved = dict(db.session.execute(select(User.id, User.password_hash)).all())
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["users", "set-password", "agent", "--password", "changed-pw"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["seed", "demo", "--cases", "0"])
        assert result.exit_code == 0, result.output
        assert login(client, "agent", "changed-pw").status_code == 200
        assert login(client, "east_dispatcher", PASSWORD).status_code == 200
        db.session.expire_all()
        after = dict(db.session.execute(select(User.id, User.password_hash)).all())
        unchanged = [uid for uid, h in after.items() if h == saved[uid]]
        assert len(unchanged) == len(saved) - 1  # only the agent's, by set-password
    finally:
        clock.unfreeze()
        _restore(saved)


def test_seed_demo_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--password", "x", "--cases", "0"])
    assert result.exit_code != 0 and "weak_password" in result.output


def test_an_old_hash_still_logs_in_and_is_upgraded(client):
    old = generate_password_hash("legacy-pass", method="pbkdf2:sha256:100000")
    with temporary_user(password_hash=old) as u:
        assert login(client, u.username, "legacy-pass").status_code == 200
        db.session.expire_all()
        stored = db.session.get(User, u.id).password_hash
        assert stored.startswith(passwords.METHOD + "$")
        assert login(client, u.username, "legacy-pass").status_code == 200


def test_an_inactive_user_cannot_log_in(client):
    with temporary_user("right-password") as u:
        u.active = False
        db.session.commit()
        resp = login(client, u.username, "right-password")
        assert resp.status_code == 401
        assert resp.get_json()["code"] == "bad_credentials"


def test_an_unknown_username_is_checked_against_a_hash_of_the_same_scheme(client, monkeypatch):
    """The unknown-user answer costs one password check of the same scheme as a wrong one."""
    checked: list[str] = []
    original = passwords.check_password

    def spy(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return original(stored_hash, password)

    monkeypatch.setattr(passwords, "check_password", spy)
    unknown = login(client, "no-such-user", "whatever-1")
    wrong = login(client, "revisit", "whatever-1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    assert len(checked) == 2
    dummy, real = checked
    assert dummy == passwords.dummy_hash()
    assert dummy.split("$")[0] == real.split("$")[0] == passwords.METHOD


def test_an_unknown_username_takes_as_long_as_a_wrong_password(app, client):
    """Measured: the fastest of a few tries each, interleaved, within a factor of two."""
    app.config.update(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_IP="100 per minute")
    passwords.dummy_hash()  # made once per process, like the first request of a worker

    def took(username: str) -> float:
        started = time.perf_counter()
        assert login(client, username, "wrong-password").status_code == 401
        return time.perf_counter() - started

    unknown, wrong = [], []
    for n in range(4):
        unknown.append(took(f"ghost-{n}"))
        wrong.append(took("oversight"))
    ratio = min(unknown) / min(wrong)
    assert 0.5 < ratio < 2.0, (unknown, wrong)


def _restore(hashes: dict[int, str]) -> None:
    """The hashes as they were (hashing the demo password again would cost a seed's time)."""
    db.session.rollback()
    for user_id, stored in hashes.items():
        db.session.execute(update(User).where(User.id == user_id).values(password_hash=stored))
    db.session.commit()
