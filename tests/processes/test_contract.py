"""`flask processes validate` checks the diagram and the forms against each other, and says the
designer's common mistakes plainly: each refusal names the file, the element id and the reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.engine import ProcessError
from app.processes import service as processes

ROOT = Path(__file__).resolve().parents[2]
MAIN = "hotline_case.bpmn"
XML = (ROOT / "processes" / MAIN).read_text(encoding="utf-8")


@pytest.fixture
def forms_dir(app, tmp_path):
    """A copy of forms/ that the test may edit, used by validate (config restored after)."""
    target = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", target)
    app.config["FORMS_DIR"] = str(target)
    return target


def edit_form(forms_dir: Path, task: str, change) -> None:
    path = forms_dir / f"{task}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def replace(old: str, new: str, xml: str = XML) -> str:
    assert xml.count(old) == 1, old
    return xml.replace(old, new)


def refusal(xml: str = XML) -> ProcessError:
    with pytest.raises(ProcessError) as err:
        processes.validate({MAIN: xml})
    return err.value


def test_the_shipped_diagram_and_forms_agree(forms_dir):
    compiled = processes.validate({MAIN: XML})
    assert "revisit" in compiled.user_tasks


# -- the outcome contract ------------------------------------------------------------------------


def test_a_misspelt_outcome_in_a_form_is_refused(forms_dir):
    def misspell(doc):
        doc["actions"]["return_request"]["outcome"] = "return_requestd"

    edit_form(forms_dir, "handle", misspell)
    err = refusal()
    # Said at the condition the misspelling misses, naming both spellings.
    assert (err.file, err.element_id) == (MAIN, "f_return_requested")
    assert (
        "condition on gw_handled tests outcome 'return_requested', which no action of handle "
        "produces (they produce: 'extension_requested', 'joint_requested', 'replied', "
        "'return_requestd')"
    ) in err.reason


def test_an_outcome_value_in_an_enum_that_no_condition_reads_is_refused(forms_dir):
    def add_answer(doc):
        doc["actions"]["revisit"]["schema"]["properties"]["result"]["enum"].append("hung_up")

    edit_form(forms_dir, "revisit", add_answer)
    err = refusal()
    assert (err.file, err.element_id) == ("forms/revisit.json", "revisit")
    assert "outcome 'hung_up'" in err.reason and "default flow does not count" in err.reason


def test_a_condition_testing_an_outcome_no_action_produces_is_refused(forms_dir):
    err = refusal(replace("outcome == 'joint_requested'", "outcome == 'joint_request'"))
    assert (err.file, err.element_id) == (MAIN, "f_joint_requested")
    assert isinstance(err.line, int) and err.line > 0
    assert "condition on gw_handled tests outcome 'joint_request', which no action of handle " in (
        err.reason
    )


def test_an_outcome_a_form_sets_where_nothing_branches_on_it_is_refused(forms_dir):
    def add(doc):
        doc["actions"]["approve_extension"]["outcome"] = "approved"

    edit_form(forms_dir, "approve_extension", add)
    err = refusal()
    assert err.element_id == "approve_extension"
    assert "no condition after task 'approve_extension' reads an outcome" in err.reason


def test_an_action_without_an_outcome_where_the_gateway_reads_one_is_refused(forms_dir):
    def add_action(doc):
        quiet = {k: v for k, v in doc["actions"]["sign"].items() if k != "outcome"}
        doc["actions"]["sign_quietly"] = quiet

    edit_form(forms_dir, "sign", add_action)
    err = refusal()
    assert (err.file, err.element_id) == ("forms/sign.json", "sign")
    assert "action 'sign_quietly' sets no outcome, but conditions after task 'sign' read one (" in (
        err.reason
    )


def test_a_condition_reading_the_outcome_in_a_way_validate_cannot_check_is_refused(forms_dir):
    err = refusal(replace("outcome == 'unreachable'", "outcome.startswith('unreach')"))
    assert err.element_id == "f_unreachable"
    assert "other than by comparing it with strings" in err.reason


def test_a_script_that_sets_the_outcome_takes_over_the_routing(forms_dir):
    """After a script that assigns `outcome`, the conditions read the script's value."""
    xml = replace(
        "<bpmn:script>revisit_tries = revisit_tries + 1</bpmn:script>",
        "<bpmn:script>revisit_tries = revisit_tries + 1\noutcome = 'counted'</bpmn:script>",
    )
    xml = replace(
        "revisit_tries &gt;= max_revisit_tries",
        "outcome == 'counted' and revisit_tries &gt;= max_revisit_tries",
        xml,
    )
    assert processes.validate({MAIN: xml})


# -- roles, statuses, clocks, forms and tasks, the drawing ---------------------------------------


def test_an_unknown_role_in_a_form_is_refused(forms_dir):
    edit_form(forms_dir, "sign", lambda doc: doc["actions"]["sign"]["roles"].append("handlr"))
    err = refusal()
    assert (err.file, err.element_id) == ("forms/sign.json", "sign")
    assert "action 'sign': role 'handlr' is not a role the system knows" in err.reason


@pytest.mark.parametrize(
    ("prop", "old", "new"),
    [("status", "replied", "answered"), ("clock", "revisit", "callback")],
)
def test_an_unknown_status_or_clock_on_a_task_is_refused(forms_dir, prop, old, new):
    xml = replace(
        f'<spiffworkflow:property name="{prop}" value="{old}"/>',
        f'<spiffworkflow:property name="{prop}" value="{new}"/>',
    )
    err = refusal(xml)
    assert (err.file, err.element_id) == (MAIN, "revisit")
    assert f"unknown {prop} '{new}'" in err.reason


def test_a_form_without_a_task_is_refused(forms_dir):
    doc = json.loads((forms_dir / "sign.json").read_text(encoding="utf-8"))
    doc["task"] = "site_visit"
    (forms_dir / "site_visit.json").write_text(json.dumps(doc), encoding="utf-8")
    err = refusal()
    assert (err.file, err.element_id) == ("forms/site_visit.json", "site_visit")
    assert "not a user task of process 'hotline_case'" in err.reason


def test_two_forms_for_one_task_are_refused(forms_dir):
    shutil.copy(forms_dir / "sign.json", forms_dir / "sign_copy.json")
    err = refusal()
    assert (err.file, err.element_id) == ("forms/sign_copy.json", "sign")
    assert "a second form for task 'sign'" in err.reason


def test_a_user_task_without_a_shape_is_refused(forms_dir):
    start = XML.index('<bpmndi:BPMNShape id="revisit_di"')
    end = XML.index("</bpmndi:BPMNShape>", start) + len("</bpmndi:BPMNShape>")
    err = refusal(XML[:start] + XML[end:])
    assert (err.file, err.element_id) == (MAIN, "revisit")
    assert "user task has no shape in the diagram (BPMN DI)" in err.reason


# -- SpiffWorkflow's messages, said plainly ------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "element", "reason"),
    [
        (
            'id="f_start" sourceRef="start" targetRef="gw_answered"',
            'id="f_start" sourceRef="start" targetRef="gw_answerd"',
            "f_start",
            "sequence flow 'f_start' points at 'gw_answerd', which is not an element of "
            "process 'hotline_case' (targetRef)",
        ),
        (
            'id="f_start" sourceRef="start" targetRef="gw_answered"',
            'id="f_start" sourceRef="begin" targetRef="gw_answered"',
            "f_start",
            "sequence flow 'f_start' comes from 'begin'",
        ),
        (
            '<bpmn:scriptTask id="reopen"',
            '<bpmn:scriptTask id="count_try"',
            "count_try",
            "the id 'count_try' is used twice (lines ",
        ),
        (
            '<bpmn:sequenceFlow id="f_dispatch" sourceRef="gw_dispatcher" targetRef="dispatch">',
            '<bpmn:sequenceFlow id="f_dispatch" sourceRef="gw_dispatcher" targetRef="forward">',
            "dispatch",
            "user task 'dispatch' has no incoming sequence flow: no case can reach it",
        ),
        (
            '<bpmn:sequenceFlow id="f_counted" sourceRef="count_try" targetRef="gw_tries"/>',
            '<bpmn:sequenceFlow id="f_counted" sourceRef="count_try" targetRef="end_closed"/>',
            "gw_tries",
            "gateway 'gw_tries' has no incoming sequence flow",
        ),
        (
            'id="f_try_again" sourceRef="gw_tries" targetRef="revisit"/>\n',
            'id="f_try_again" sourceRef="gw_tries" targetRef="revisit"/>\n'
            '    <bpmn:exclusiveGateway id="gw_stray"><bpmn:incoming>f_stray</bpmn:incoming>'
            "</bpmn:exclusiveGateway>\n"
            '    <bpmn:sequenceFlow id="f_stray" sourceRef="count_try" targetRef="gw_stray"/>\n',
            "count_try",
            "script task 'count_try' has 2 outgoing sequence flows (f_counted, f_stray); only a "
            "gateway may branch",
        ),
    ],
)
def test_designer_mistakes_are_said_plainly(forms_dir, old, new, element, reason):
    err = refusal(replace(old, new))
    assert (err.file, err.element_id) == (MAIN, element)
    assert isinstance(err.line, int) and err.line > 0
    assert reason in err.reason
    assert "perhaps a form has the same ID" not in str(err)


def test_a_gateway_without_an_outgoing_flow_is_said_plainly(forms_dir):
    xml = replace(
        'id="f_try_again" sourceRef="gw_tries" targetRef="revisit"/>\n',
        'id="f_try_again" sourceRef="gw_tries" targetRef="revisit"/>\n'
        '    <bpmn:exclusiveGateway id="gw_dead_end"><bpmn:incoming>f_dead</bpmn:incoming>'
        "</bpmn:exclusiveGateway>\n"
        '    <bpmn:sequenceFlow id="f_dead" sourceRef="gw_tries" targetRef="gw_dead_end">'
        "<bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>\n",
    )
    err = refusal(xml)
    assert (err.file, err.element_id) == (MAIN, "gw_dead_end")
    assert "gateway 'gw_dead_end' has no outgoing sequence flow" in err.reason


def test_the_cli_prints_file_line_element_and_reason(app, forms_dir, tmp_path):
    procs = tmp_path / "processes"
    procs.mkdir()
    flow = 'id="f_return_approved" sourceRef="gw_return" targetRef="gw_dispatcher">'
    cond = "\n      <bpmn:conditionExpression>outcome == 'approved'"
    (procs / MAIN).write_text(replace(flow + cond, flow + cond.replace("approved", "aproved")))
    result = app.test_cli_runner().invoke(args=["processes", "validate", "--dir", str(procs)])
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(XML.splitlines(), 1) if 'id="f_return_approved"' in text)
    assert (
        f"refused: {MAIN}:{line} [f_return_approved]: condition on gw_return tests outcome "
        "'aproved', which no action of approve_return produces" in result.output
    )
