"""schemathesis against /api/v1/openapi.json, in process: no operation answers 500, and every
answer — success or refusal — matches what the document declares (status, content type, body).

Bounded so that it finishes in a minute or two per database: derandomized (a fixed seed, so a
run finds what the last one found) and `EXAMPLES` examples per operation and mode, valid and
invalid (schemathesis' positive and negative modes), and for operations on one case, valid
examples on a real case too (random ids name none). Each example is sent as an agent (who may
accept cases) and as a department handler (who may act on them).

The operations are driven with their Hypothesis strategies rather than `schema.parametrize()`:
schemathesis 4.32's pytest integration reads `Node._nodeid`, which pytest 9 no longer has.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from tests.helpers import INTAKE

# About 30-40 s per database on a 2-core machine; raise it for a deeper run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
USERS = ("agent", "urban_handler")
SETTINGS = settings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def real_case(client, auth, dept) -> int:
    """A case sent to the handler's department, not yet signed for."""
    resp = client.post("/api/v1/cases", json=INTAKE, headers=auth("agent"))
    case_id = resp.get_json()["id"]
    resp = client.post(
        f"/api/v1/cases/{case_id}/transfer",
        json={"data": {"target_department_id": dept("urban")}},
        headers=auth("dispatcher"),
    )
    assert resp.status_code == 200, resp.get_json()
    db.session.commit()
    return case_id


def _strategies(api_schema, case_id: int):
    """(label, strategy) for each operation: valid and invalid examples, and valid ones on
    `case_id` where the path names a case."""
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            yield f"{operation.label} ({mode.value})", operation.as_strategy(generation_mode=mode)
        names = {p.name for p in operation.path_parameters}
        fixed = {name: case_id if name == "case_id" else str(case_id) for name in names}
        if fixed.keys() & {"case_id", "ref"}:
            yield (
                f"{operation.label} (on case {case_id})",
                operation.as_strategy(path_parameters=fixed),
            )


def test_api_conforms_to_its_openapi_document(app, auth, real_case):
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {username: auth(username) for username in USERS}
    failures: dict[str, str] = {}
    for label, strategy in _strategies(api_schema, real_case):

        @SETTINGS
        @given(case=strategy)
        def check(case):
            for username in USERS:
                case.call_and_validate(headers=headers[username], checks=CHECKS)
                db.session.rollback()  # hold nothing a request left in the test's session

        try:
            check()
        except Exception as exc:  # report every operation's failure, not the first only
            failures[label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
