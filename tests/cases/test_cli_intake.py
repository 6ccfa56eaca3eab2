"""`flask cases create` and `POST /api/v1/cases` take and refuse the same intakes, for the same
reasons (one schema: app/cases/intake_schema.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Case
from tests.helpers import INTAKE

GOOD = {"phone": "13800001111", "name": "张伟", "content": "小区门口路灯不亮已经一周"}
FIELD_OF_OPTION = {"phone": "citizen_phone", "name": "citizen_name", "content": "content"}


def cli_create(app, **options):
    args = ["cases", "create", "--as", "agent"]
    for option, value in {**GOOD, **options}.items():
        args += [f"--{option}", value]
    return app.test_cli_runner().invoke(args=args)


def api_create(client, auth, **options):
    body = {**INTAKE, **{FIELD_OF_OPTION[k]: v for k, v in options.items()}}
    return client.post("/api/v1/cases", json=body, headers=auth("agent"))


def case_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize(
    "bad, reasons",
    [
        ({"phone": "1", "content": "y"}, {"citizen_phone", "content"}),
        ({"phone": "138 0000 1111"}, {"citizen_phone"}),
        ({"name": "张\n伟"}, {"citizen_name"}),
        ({"name": ""}, {"citizen_name"}),
        ({"content": "x" * 10001}, {"content"}),
    ],
)
def test_cli_and_api_refuse_the_same_intake_for_the_same_fields(app, client, auth, bad, reasons):
    result = cli_create(app, **bad)
    assert result.exit_code != 0
    assert "invalid_request" in result.output
    named = {line.split()[0] for line in result.output.splitlines()[1:]}
    assert named == reasons, result.output

    resp = api_create(client, auth, **bad)
    assert resp.status_code == 422
    assert set(resp.get_json()["details"]["errors"]["json"]) == reasons
    assert case_count() == 0


def test_cli_names_the_option_and_the_reason(app):
    result = cli_create(app, phone="1", content="y")
    assert "citizen_phone (--phone): not a phone number" in result.output
    assert "content (--content): Length must be between 2 and 10000." in result.output


def test_cli_refuses_control_characters_the_api_guard_refuses(app, client, auth):
    result = cli_create(app, content="路灯不亮\x00")
    assert result.exit_code != 0
    assert "content (--content): Must not hold control characters." in result.output
    assert api_create(client, auth, content="路灯不亮\x00").status_code == 400
    assert case_count() == 0


def test_cli_accepts_what_the_api_accepts(app, client, auth):
    result = cli_create(app)
    assert result.exit_code == 0, result.output
    assert " status accepted" in result.output
    assert api_create(client, auth).status_code == 201
    assert case_count() == 2


def test_cli_external_id_makes_a_repeat_a_replay(app):
    first = cli_create(app, **{"external-id": "ivr-0001"})
    again = cli_create(app, **{"external-id": "ivr-0001"})
    assert first.exit_code == 0 and again.exit_code == 0, again.output
    assert "replayed" in again.output
    assert first.output.split()[0] == again.output.split()[0]
    assert case_count() == 1
