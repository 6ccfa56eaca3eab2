"""`flask processes validate|deploy`: versions, refusals, and cases pinned to their version.

Deploying stores a new process_version only when the files changed; a case started on version
N finishes on version N. A file that is not well-formed, uses an unsupported construct, has a
script the restricted engine would not run, or a user task without a form is refused with the
file name, the element id and the reason, and nothing is deployed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app import engine
from app.extensions import db
from app.models import ProcessVersion, WorkflowInstance
from app.processes import service as processes
from tests.conftest import CASE_TABLES

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAIN = "hotline_case.bpmn"


def version_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ProcessVersion))


@pytest.fixture
def keep_versions():
    """Remove the versions a test deploys (and the cases on them), so others start on v1."""
    db.session.commit()
    before = set(db.session.scalars(select(ProcessVersion.id)))
    yield
    db.session.rollback()
    for model in CASE_TABLES:
        db.session.execute(delete(model))
    new = set(db.session.scalars(select(ProcessVersion.id))) - before
    if new:
        db.session.execute(delete(ProcessVersion).where(ProcessVersion.id.in_(new)))
    db.session.commit()
    for version_id in new:
        processes._compiled.pop(version_id, None)


@pytest.fixture
def cli(app, keep_versions):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=["processes", *args])
        db.session.rollback()  # see what the command committed
        return result

    return invoke


def process_dir(tmp_path: Path, edit=None, extra: list[Path] | tuple = ()) -> str:
    """A copy of processes/ (optionally edited), plus extra files."""
    target = tmp_path / "processes"
    shutil.copytree(PROCESSES, target)
    if edit is not None:
        main = target / MAIN
        main.write_text(edit(main.read_text(encoding="utf-8")), encoding="utf-8")
    for path in extra:
        shutil.copy(path, target / path.name)
    return str(target)


def v2_titles(xml: str) -> str:
    """An observable change: the sign-for task gets a new title."""
    changed = xml.replace('name="签收 sign for"', 'name="签收 sign for (v2)"')
    assert changed != xml
    return changed


# -- validate and deploy ---------------------------------------------------------------------------


def test_validate_the_shipped_processes(cli):
    before = version_count()
    result = cli("validate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 1 file(s), ")
    assert "user tasks" in result.output
    assert version_count() == before


def test_deploy_unchanged_files_stores_nothing(cli):
    before = version_count()
    latest = processes.latest_version()
    result = cli("deploy")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"unchanged: hotline_case version {latest.version} ")
    assert latest.content_hash[:12] in result.output
    assert version_count() == before
    result = cli("deploy", "--dir", str(PROCESSES))
    assert result.exit_code == 0 and result.output.startswith("unchanged:")
    assert version_count() == before


def test_whitespace_change_is_a_new_version(cli, tmp_path):
    """Versions are keyed by the exact file content."""
    before = version_count()
    result = cli("deploy", "--dir", process_dir(tmp_path, edit=lambda xml: xml + "\n"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("deployed: hotline_case version ")
    assert version_count() == before + 1


def test_changed_file_is_a_new_version_and_cases_stay_on_theirs(api, dept, cli, tmp_path):
    old = processes.latest_version()
    running = api.create()["id"]
    api.act(running, "transfer", "dispatcher", target_department_id=dept("urban"))

    before = version_count()
    directory = process_dir(tmp_path, edit=v2_titles)
    result = cli("deploy", "--dir", directory, "--by", "designer")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"deployed: hotline_case version {old.version + 1} ")
    assert version_count() == before + 1
    new = processes.latest_version()
    assert new.version == old.version + 1 and new.deployed_by == "designer"
    assert new.files[MAIN] == Path(directory, MAIN).read_text(encoding="utf-8")

    # Deploying the same change again stores nothing.
    result = cli("deploy", "--dir", directory)
    assert result.exit_code == 0 and result.output.startswith("unchanged:")
    assert version_count() == before + 1

    # New cases start on the newest version.
    fresh = api.create()["id"]
    api.act(fresh, "transfer", "dispatcher", target_department_id=dept("urban"))
    assert pinned(fresh) == new.id
    assert sign_title(api, fresh) == "签收 sign for (v2)"

    # The running case finishes on its old version, parsed again from the stored files.
    processes._compiled.clear()
    assert sign_title(api, running) == "签收 sign for"
    api.act(running, "sign", "urban_handler")
    api.act(running, "reply", "urban_handler", text="已修复", result_code="resolved")
    api.act(running, "revisit", "revisit", result="satisfied")
    assert api.get(running)["status"]["status"] == "closed"
    assert pinned(running) == old.id

    api.act(fresh, "sign", "urban_handler")
    assert pinned(fresh) == new.id


def pinned(case_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(WorkflowInstance.process_version_id).where(WorkflowInstance.case_id == case_id)
    )


def sign_title(api, case_id: int) -> str:
    tasks = api.get(case_id)["open_tasks"]
    assert [t["task_name"] for t in tasks] == ["sign"]
    return tasks[0]["title"]


def test_deploying_older_files_again_makes_them_current(cli, tmp_path):
    original = processes.latest_version()
    assert cli("deploy", "--dir", process_dir(tmp_path, edit=v2_titles)).exit_code == 0
    result = cli("deploy", "--dir", str(PROCESSES))
    assert result.exit_code == 0
    assert processes.latest_version().content_hash == original.content_hash
    assert processes.latest_version().id != original.id


# -- refusals --------------------------------------------------------------------------------------


def refused(cli, directory: str, *expected: str) -> str:
    before = version_count()
    for command in ("validate", "deploy"):
        result = cli(command, "--dir", directory)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: refused"), result.output
        for text in expected:
            assert text in result.output, (text, result.output)
    assert "nothing deployed" in result.output
    assert version_count() == before
    return result.output


def test_not_well_formed_xml_is_refused(cli, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text(
        '<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
        '20100524/MODEL">\n  <bpmn:process id="x">\n</bpmn:definitions>\n',
        encoding="utf-8",
    )
    refused(cli, process_dir(tmp_path, extra=[broken]), "broken.bpmn:4", "not well-formed XML")


def test_broken_main_file_is_refused(cli, tmp_path):
    directory = process_dir(tmp_path, edit=lambda xml: xml.replace("</bpmn:process>", "", 1))
    refused(cli, directory, MAIN, "not well-formed XML")


@pytest.mark.parametrize(
    ("fixture", "element", "construct"),
    [
        ("complex_gateway.bpmn", "gw_complex", "bpmn:complexGateway is not supported"),
        ("timer_event.bpmn", "wait_a_day", "bpmn:intermediateCatchEvent is not supported"),
    ],
)
def test_unsupported_construct_is_refused(cli, tmp_path, fixture, element, construct):
    output = refused(
        cli, process_dir(tmp_path, extra=[FIXTURES / fixture]), fixture, f"[{element}]", construct
    )
    assert "supported: " in output


def test_unsupported_construct_in_the_main_process_is_refused(cli, tmp_path):
    def add_timer(xml: str) -> str:
        return xml.replace(
            '<bpmn:userTask id="revisit"',
            '<bpmn:boundaryEvent id="revisit_timeout" attachedToRef="revisit">'
            "<bpmn:timerEventDefinition/></bpmn:boundaryEvent>\n"
            '    <bpmn:userTask id="revisit"',
        )

    refused(
        cli,
        process_dir(tmp_path, edit=add_timer),
        MAIN,
        "[revisit_timeout]",
        "bpmn:boundaryEvent is not supported",
    )


def script_diagram(script: str, process_id: str = "script_demo") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="d_{process_id}" targetNamespace="http://minqing.example/bpmn/tests">
  <bpmn:process id="{process_id}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sneaky"/>
    <bpmn:scriptTask id="sneaky" name="a script">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="sneaky" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("import os\nos.system('id')", "imports are not allowed"),
        ("from os import system", "imports are not allowed"),
        ("x = __import__('os')", "the name '__import__' is not allowed"),
        ("x = ().__class__", "access to '__class__' is not allowed"),
        ("x = (lambda: 1)()", "Lambda is not allowed"),
        ("x = = 1", "syntax error"),
    ],
)
def test_script_refused_at_deploy(cli, tmp_path, script, reason):
    extra = tmp_path / "scripted.bpmn"
    extra.write_text(script_diagram(script), encoding="utf-8")
    refused(cli, process_dir(tmp_path, extra=[extra]), "scripted.bpmn", "[sneaky]", reason)


def test_script_in_the_main_process_refused_at_deploy(cli, tmp_path):
    def sneak(xml: str) -> str:
        return xml.replace(
            "<bpmn:script>revisit_tries = 0</bpmn:script>",
            "<bpmn:script>import os\nrevisit_tries = 0</bpmn:script>",
        )

    refused(cli, process_dir(tmp_path, edit=sneak), MAIN, "[reopen]", "imports are not allowed")


def test_condition_refused_at_deploy(cli, tmp_path):
    def sneak(xml: str) -> str:
        return xml.replace(
            "<bpmn:conditionExpression>answered</bpmn:conditionExpression>",
            "<bpmn:conditionExpression>__import__('os') and answered</bpmn:conditionExpression>",
        )

    refused(cli, process_dir(tmp_path, edit=sneak), MAIN, "[f_answered]", "__import__")


def test_user_task_without_a_form_is_refused(cli, tmp_path):
    def rename(xml: str) -> str:
        for attr in ("id", "sourceRef", "targetRef"):
            xml = xml.replace(f'{attr}="forward"', f'{attr}="site_visit"')
        return xml

    refused(
        cli,
        process_dir(tmp_path, edit=rename),
        MAIN,
        "[site_visit]",
        "user task has no form: add forms/site_visit.json",
    )


def test_user_task_without_inbox_properties_is_refused(cli, tmp_path):
    def drop(xml: str) -> str:
        return xml.replace('<spiffworkflow:property name="clock" value="revisit"/>', "", 1)

    refused(
        cli, process_dir(tmp_path, edit=drop), MAIN, "[revisit]", "spiffworkflow property 'clock'"
    )


def test_empty_directory_is_refused(cli, tmp_path):
    before = version_count()
    result = cli("deploy", "--dir", str(tmp_path))
    assert result.exit_code == 1 and "no .bpmn files found" in result.output
    assert version_count() == before


def test_refused_deploy_does_not_change_running_cases(api, dept, cli, tmp_path):
    case_id = api.create()["id"]
    version = pinned(case_id)
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions", encoding="utf-8")
    refused(cli, process_dir(tmp_path, edit=v2_titles, extra=[broken]), "broken.bpmn")
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    assert pinned(case_id) == version
    assert sign_title(api, case_id) == "签收 sign for"


# -- the restricted engine ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "name"),
    [
        ("data = open('/etc/passwd').read()", "open"),
        ("x = eval('1 + 1')", "eval"),
        ("exec('x = 1')", "exec"),
        ("x = getattr(len, 'x')", "getattr"),
        ("x = globals()", "globals"),
        ("x = compile('1', 'f', 'eval')", "compile"),
        ("x = vars()", "vars"),
    ],
)
def test_builtins_outside_the_sandbox_are_refused_at_validate(script, name):
    """A name the sandbox does not define is a deploy error, not a failure at intake."""
    with pytest.raises(engine.ProcessError) as err:
        engine.compile_process({"runtime.bpmn": script_diagram(script)}, "script_demo")
    assert (err.value.file, err.value.element_id, err.value.line) == ("runtime.bpmn", "sneaky", 10)
    assert f"'{name}' is not available in scripts" in err.value.reason


def test_restricted_engine_runs_harmless_scripts():
    compiled = engine.compile_process(
        {"runtime.bpmn": script_diagram("total = sum(sorted([3, 1, 2])) + len(str(max(1, 2)))")},
        "script_demo",
    )
    workflow = engine.start(compiled, {})
    assert engine.is_completed(workflow)
    assert workflow.last_task.data["total"] == 7


def test_joint_handling_continues_after_a_restart(api, dept, keep_versions):
    """Another worker (or a restart) loads the case against its own freshly compiled spec."""
    from app.cases import workflow_cache

    case_id = api.create()["id"]
    co = [dept("housing"), dept("transport")]
    api.act(
        case_id, "transfer", "dispatcher", target_department_id=dept("urban"), co_department_ids=co
    )
    api.act(case_id, "sign", "urban_handler")
    for handler in ("housing_handler", "transport_handler"):
        processes._compiled.clear()  # as in a new process: nothing compiled, nothing cached
        workflow_cache.clear()
        api.act(case_id, "co_reply", handler, text="协办意见")
    assert [t["task_name"] for t in api.get(case_id)["open_tasks"]] == ["handle"]
    api.act(case_id, "reply", "urban_handler", text="已修复", result_code="resolved")
    assert api.get(case_id)["status"]["status"] == "replied"
