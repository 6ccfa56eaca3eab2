"""A new step is a diagram change plus a form: the fixture adds a supervisor review after the
department's reply (status `replied`, clock `decision`, at the city centre, dispatchers act),
deployed from its own processes and forms folders, and a case runs through it over the HTTP
API with no Python written for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.processes import service as processes
from tests.processes.test_deploy import keep_versions  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "supervisor_review"


@pytest.fixture
def review_process(app, tmp_path, keep_versions):  # noqa: F811
    procs, forms = tmp_path / "processes", tmp_path / "forms"
    procs.mkdir()
    shutil.copy(FIXTURE / "hotline_case.bpmn", procs)
    shutil.copytree(ROOT / "forms", forms)
    shutil.copy(FIXTURE / "supervisor_review.json", forms)
    app.config.update(PROCESSES_DIR=str(procs), FORMS_DIR=str(forms))  # restored after the test
    version, created = processes.deploy(processes.read_files(), by="tests")
    assert created
    return version


def open_tasks(api, case_id: int) -> list[tuple[str, str]]:
    detail = api.get(case_id)
    return [(t["task_name"], detail["status"]["status"]) for t in detail["open_tasks"]]


def test_a_case_runs_through_the_supervisor_review(api, dept, review_process):
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case_id, "sign", "urban_handler")
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    assert open_tasks(api, case_id) == [("supervisor_review", "replied")]

    # The form's actions are offered and taken like any other: the department may not.
    offered = {a["action"] for a in api.get(case_id)["allowed_actions"]}
    assert {"approve_review", "send_back"} <= offered
    api.act(case_id, "send_back", "urban_handler", expect=403, reason="不够")

    # Sent back: the department handles it again (a reopened round), then replies again.
    api.act(case_id, "send_back", "dispatcher", reason="答复不完整")
    assert open_tasks(api, case_id) == [("handle", "handling")]
    api.act(case_id, "reply", "urban_handler", text="已全部修复", result_code="resolved")
    assert open_tasks(api, case_id) == [("supervisor_review", "replied")]

    api.act(case_id, "approve_review", "dispatcher")
    assert open_tasks(api, case_id) == [("revisit", "replied")]
    api.act(case_id, "revisit", "revisit", result="satisfied")
    detail = api.get(case_id)
    assert detail["status"]["status"] == "closed" and detail["open_tasks"] == []
    actions = [e["action"] for e in detail["timeline"]]
    assert actions.count("supervisor_review") == 0
    assert actions.count("send_back") == 1 and actions.count("approve_review") == 1
