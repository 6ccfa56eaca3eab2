"""schemathesis against the telephony operations as the bridge itself (tests/api fuzzes them
as people, who are refused on the role): no input makes a 500, and every answer matches the
OpenAPI document. The long poll's wait is cut to nothing here (its waiting is tested in
test_commands_api.py)."""

from __future__ import annotations

import schemathesis
from hypothesis import given
from schemathesis import GenerationMode

from app.extensions import db
from app.telephony import commands
from tests.api.test_schemathesis import CHECKS, SETTINGS


def test_the_bridge_api_conforms_as_the_bridge(app, bridge, now, groups, monkeypatch):
    monkeypatch.setattr(commands, "MAX_WAIT_SECONDS", 0)
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if "/telephony/" not in operation.path:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                case.call_and_validate(headers=bridge, checks=CHECKS)
                db.session.rollback()

            try:
                check()
            except Exception as exc:  # every operation's failure, not the first only
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
