"""Every BPMN construct processes/hotline_case.bpmn uses, run on a real instance through
app.engine only (no database, no HTTP): exclusive gateways with defaults, script tasks, user tasks
with their inbox properties, the parallel multi-instance co_reply over a dict collection
(re-entered after the reopen loop-back), and dump -> load mid-flow without the definition."""

from __future__ import annotations

import zlib
from pathlib import Path

import orjson
import pytest
from SpiffWorkflow.util.task import TaskState

from app import engine
from app.engine.parsing import SUPPORTED_TAGS

BPMN = Path(__file__).resolve().parents[2] / "processes" / "hotline_case.bpmn"
CITY, URBAN, HOUSING, EAST, EAST_URBAN = 1, 10, 11, 20, 21
CO_A, CO_B, CO_C, CO_D = 31, 32, 33, 34


@pytest.fixture(scope="module")
def compiled():
    return engine.compile_process({BPMN.name: BPMN.read_text(encoding="utf-8")}, "hotline_case")


def begin(compiled, answered=False, max_tries=3):
    return engine.start(
        compiled,
        {
            "case_id": 1,
            "city_dept": CITY,
            "answered": answered,
            "revisit_tries": 0,
            "max_revisit_tries": max_tries,
        },
    )


def ready(compiled, wf) -> list[engine.ReadyTask]:
    return sorted(engine.ready_tasks(compiled, wf), key=lambda t: (t.name, t.department_id))


def names(compiled, wf) -> list[str]:
    return [t.name for t in ready(compiled, wf)]


def step(compiled, wf, name: str, dept: int | None = None, reload: bool = True, **data):
    """Complete the one ready task `name` (of `dept`), then round-trip the state."""
    tasks = [
        t
        for t in ready(compiled, wf)
        if t.name == name and (dept is None or t.department_id == dept)
    ]
    assert len(tasks) == 1, (name, dept, ready(compiled, wf))
    engine.complete(wf, tasks[0].uuid, data)
    return engine.load(compiled, engine.dump(wf)) if reload else wf


def data(wf) -> dict:
    return wf.last_task.data if wf.is_completed() else wf.get_tasks()[-1].data


def task_data(compiled, wf, name):
    (task,) = [t for t in ready(compiled, wf) if t.name == name]
    return engine.task_data(wf, task.uuid)


def transfer(target, centre=False, co=None):
    return {
        "outcome": "transferred",
        "target_dept": target,
        "target_is_centre": centre,
        "co_depts": co or {},
    }


# -- gateways with defaults, script tasks, user-task properties ----------------------------------


def test_answered_at_intake_takes_the_conditional_flow_to_the_end(compiled):
    wf = begin(compiled, answered=True)
    assert engine.is_completed(wf)
    assert engine.ready_tasks(compiled, wf) == []
    ended = [t.task_spec.bpmn_id for t in wf.get_tasks() if t.task_spec.bpmn_id]
    assert "end_answered" in ended and "to_city" not in ended


def test_default_flow_and_script_task_open_the_dispatch_task(compiled):
    wf = begin(compiled)
    assert not engine.is_completed(wf)
    (task,) = engine.ready_tasks(compiled, wf)
    assert task.name == "dispatch"
    assert task.title == "派单 dispatch"
    assert (task.department_id, task.from_department_id) == (CITY, None)
    assert (task.status, task.clock) == ("accepted", "none")
    # The script task ran in the restricted engine and set the routing variables.
    vars_ = engine.task_data(wf, task.uuid)
    assert vars_["dispatching_dept"] == CITY and vars_["co_depts"] == {}


def test_user_task_properties_name_the_inbox_and_the_sender(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    (sign,) = engine.ready_tasks(compiled, wf)
    assert (sign.name, sign.department_id, sign.from_department_id) == ("sign", URBAN, CITY)
    assert (sign.status, sign.clock) == ("transferred", "sign")
    wf = step(compiled, wf, "sign", outcome="signed")
    (handle,) = engine.ready_tasks(compiled, wf)
    assert (handle.name, handle.department_id, handle.from_department_id) == (
        "handle",
        URBAN,
        CITY,
    )
    assert (handle.status, handle.clock) == ("handling", "handle")
    wf = step(compiled, wf, "handle", outcome="replied")
    (revisit,) = engine.ready_tasks(compiled, wf)
    assert (revisit.name, revisit.department_id, revisit.from_department_id) == (
        "revisit",
        CITY,
        URBAN,
    )
    assert (revisit.status, revisit.clock) == ("replied", "revisit")
    wf = step(compiled, wf, "revisit", outcome="satisfied")
    assert engine.is_completed(wf) and engine.ready_tasks(compiled, wf) == []


def test_compiled_user_tasks_match_the_diagram(compiled):
    assert set(compiled.user_tasks) == {
        "dispatch",
        "forward",
        "sign",
        "co_reply",
        "handle",
        "approve_return",
        "approve_extension",
        "approve_joint",
        "revisit",
    }
    assert compiled.user_tasks["approve_return"].dept == "return_to"
    assert compiled.user_tasks["approve_return"].clock == "decision"
    assert compiled.user_tasks["co_reply"].dept == "co_dept"


def test_recall_loops_back_through_the_gateway(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="recalled")
    assert names(compiled, wf) == ["dispatch"]
    wf = step(compiled, wf, "dispatch", **transfer(HOUSING))
    (sign,) = engine.ready_tasks(compiled, wf)
    assert sign.department_id == HOUSING


def test_district_centre_signs_and_becomes_the_dispatcher(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(EAST, centre=True))
    wf = step(compiled, wf, "sign", outcome="signed")
    # centre_takes_over (script) then gw_dispatcher's default flow: the forward task.
    (forward,) = engine.ready_tasks(compiled, wf)
    assert (forward.name, forward.department_id, forward.status) == ("forward", EAST, "handling")
    wf = step(compiled, wf, "forward", **transfer(EAST_URBAN))
    (sign,) = engine.ready_tasks(compiled, wf)
    assert (sign.department_id, sign.from_department_id) == (EAST_URBAN, EAST)
    wf = step(compiled, wf, "sign", outcome="signed")
    (handle,) = engine.ready_tasks(compiled, wf)
    assert (handle.department_id, handle.from_department_id) == (EAST_URBAN, EAST)
    # An approved return goes back to whoever dispatched last: the district centre.
    wf = step(compiled, wf, "handle", outcome="return_requested")
    (decide,) = engine.ready_tasks(compiled, wf)
    assert (decide.name, decide.department_id, decide.from_department_id) == (
        "approve_return",
        EAST,
        EAST_URBAN,
    )
    wf = step(compiled, wf, "approve_return", outcome="approved")
    (forward,) = engine.ready_tasks(compiled, wf)
    assert (forward.name, forward.department_id) == ("forward", EAST)


@pytest.mark.parametrize(
    ("request_outcome", "decision_task", "decision"),
    [
        ("return_requested", "approve_return", "rejected"),
        ("extension_requested", "approve_extension", "approved"),
        ("extension_requested", "approve_extension", "denied"),
        ("joint_requested", "approve_joint", "rejected"),
    ],
)
def test_requests_that_come_back_to_handle(compiled, request_outcome, decision_task, decision):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")
    wf = step(compiled, wf, "handle", outcome=request_outcome, requested_co_depts={"32": 32})
    (decide,) = engine.ready_tasks(compiled, wf)
    assert (decide.name, decide.department_id, decide.from_department_id) == (
        decision_task,
        CITY,
        URBAN,
    )
    assert (decide.status, decide.clock) == ("handling", "decision")
    wf = step(compiled, wf, decision_task, outcome=decision)
    (handle,) = engine.ready_tasks(compiled, wf)
    assert (handle.name, handle.department_id) == ("handle", URBAN)


def test_unreachable_citizen_is_tried_again_then_given_up(compiled):
    wf = begin(compiled, max_tries=2)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")
    wf = step(compiled, wf, "handle", outcome="replied")
    wf = step(compiled, wf, "revisit", outcome="unreachable")
    assert names(compiled, wf) == ["revisit"]
    assert task_data(compiled, wf, "revisit")["revisit_tries"] == 1
    wf = step(compiled, wf, "revisit", outcome="unreachable")
    assert engine.is_completed(wf)
    assert data(wf)["revisit_tries"] == 2


# -- the parallel multi-instance co_reply over a dict, re-entered after reopen ---------------------


def co_reply_tasks(compiled, wf):
    return [t for t in ready(compiled, wf) if t.name == "co_reply"]


def test_joint_handling_and_reopen_reenter_the_multi_instance(compiled):
    wf = begin(compiled)
    # Round 1: dispatched with two co-departments; both co_reply instances are ready at once.
    wf = step(compiled, wf, "dispatch", **transfer(URBAN, co={"31": CO_A, "32": CO_B}))
    wf = step(compiled, wf, "sign", outcome="signed")
    co = co_reply_tasks(compiled, wf)
    assert [(t.department_id, t.from_department_id) for t in co] == [(CO_A, URBAN), (CO_B, URBAN)]
    assert all((t.status, t.clock) == ("handling", "handle") for t in co)
    assert names(compiled, wf) == ["co_reply", "co_reply"]  # handle waits for both
    # In either order: complete B first.
    wf = step(compiled, wf, "co_reply", dept=CO_B, co_reply_data={"text": "B", "dept": CO_B})
    assert [t.department_id for t in co_reply_tasks(compiled, wf)] == [CO_A]
    wf = step(compiled, wf, "co_reply", dept=CO_A, co_reply_data={"text": "A", "dept": CO_A})
    assert names(compiled, wf) == ["handle"]
    assert task_data(compiled, wf, "handle")["co_replies"] == {
        "31": {"text": "A", "dept": CO_A},
        "32": {"text": "B", "dept": CO_B},
    }

    # A joint request approved mid-handling: take_co_depts + start_joint, a new round of one.
    wf = step(compiled, wf, "handle", outcome="joint_requested", requested_co_depts={"33": CO_C})
    wf = step(compiled, wf, "approve_joint", outcome="approved")
    co = co_reply_tasks(compiled, wf)
    assert [(t.department_id, t.from_department_id) for t in co] == [(CO_C, URBAN)]
    wf = step(compiled, wf, "co_reply", dept=CO_C, co_reply_data={"text": "C"})
    assert task_data(compiled, wf, "handle")["co_replies"] == {"33": {"text": "C"}}

    # Reply, the citizen is unsatisfied: reopen loops back to to_city, which clears co_depts.
    wf = step(compiled, wf, "handle", outcome="replied")
    wf = step(compiled, wf, "revisit", outcome="unsatisfied")
    (dispatch,) = engine.ready_tasks(compiled, wf)
    assert dispatch.name == "dispatch"
    assert engine.task_data(wf, dispatch.uuid)["co_depts"] == {}
    assert engine.task_data(wf, dispatch.uuid)["revisit_tries"] == 0

    # Round 2 re-enters the same multi-instance task with another collection.
    wf = step(compiled, wf, "dispatch", **transfer(HOUSING, co={"31": CO_A, "34": CO_D}))
    wf = step(compiled, wf, "sign", outcome="signed")
    co = co_reply_tasks(compiled, wf)
    assert [(t.department_id, t.from_department_id) for t in co] == [
        (CO_A, HOUSING),
        (CO_D, HOUSING),
    ]
    uuids_round2 = {t.uuid for t in co}
    wf = step(compiled, wf, "co_reply", dept=CO_A, co_reply_data={"text": "A2"})
    wf = step(compiled, wf, "co_reply", dept=CO_D, co_reply_data={"text": "D2"})
    handle_data = task_data(compiled, wf, "handle")
    assert handle_data["co_replies"] == {"31": {"text": "A2"}, "34": {"text": "D2"}}
    assert handle_data["handling_dept"] == HOUSING
    assert not uuids_round2 & {t.uuid for t in engine.ready_tasks(compiled, wf)}

    wf = step(compiled, wf, "handle", outcome="replied")
    wf = step(compiled, wf, "revisit", outcome="satisfied")
    assert engine.is_completed(wf)


def test_dispatch_without_co_departments_skips_the_multi_instance(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")
    assert names(compiled, wf) == ["handle"]
    assert task_data(compiled, wf, "handle")["co_replies"] == {}


# -- dump / load ----------------------------------------------------------------------------------


def test_dump_load_round_trip_mid_flow_without_the_definition(compiled):
    wf = begin(compiled)
    wf = step(
        compiled, wf, "dispatch", reload=False, **transfer(URBAN, co={"31": CO_A, "32": CO_B})
    )
    wf = step(compiled, wf, "sign", reload=False, outcome="signed")
    wf = step(compiled, wf, "co_reply", dept=CO_A, reload=False, co_reply_data={"text": "A"})
    before = ready(compiled, wf)

    blob = engine.dump(wf)
    bpmn = BPMN.read_bytes()
    assert isinstance(blob, bytes)
    assert len(blob) * 3 < len(bpmn), (len(blob), len(bpmn))
    state = orjson.loads(zlib.decompress(blob))
    assert "spec" not in state and "subprocess_specs" not in state
    raw = zlib.decompress(blob)
    for definition_text in (b"dispatching_dept == city_dept", b"co_replies = {}", b"ready_tasks"):
        assert definition_text not in raw
    assert b"<bpmn:" not in raw

    # Loaded against a freshly compiled spec (as after a restart), the flow continues.
    fresh = engine.compile_process({BPMN.name: BPMN.read_text(encoding="utf-8")}, "hotline_case")
    loaded = engine.load(fresh, blob)
    assert ready(fresh, loaded) == before
    # A load -> dump is lossless.
    assert orjson.loads(zlib.decompress(engine.dump(loaded))) == state
    loaded = step(fresh, loaded, "co_reply", dept=CO_B, reload=False, co_reply_data={"text": "B"})
    assert task_data(fresh, loaded, "handle")["co_replies"] == {
        "31": {"text": "A"},
        "32": {"text": "B"},
    }
    loaded = step(fresh, loaded, "handle", outcome="replied")
    loaded = step(fresh, loaded, "revisit", outcome="satisfied")
    assert engine.is_completed(loaded)
    # The original object is untouched by what happened to the loaded copy.
    assert ready(compiled, wf) == before


def test_loaded_workflow_still_runs_scripts_in_the_restricted_engine(compiled):
    wf = begin(compiled)
    wf = engine.load(compiled, engine.dump(wf))
    assert wf.script_engine is not None
    from app.engine.scripting import script_engine

    assert wf.script_engine is script_engine
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")  # runs start_handling and start_joint
    assert task_data(compiled, wf, "handle")["return_to"] == CITY


def test_complete_refuses_a_task_that_is_not_ready(compiled):
    wf = begin(compiled)
    (dispatch,) = engine.ready_tasks(compiled, wf)
    engine.complete(wf, dispatch.uuid, transfer(URBAN))
    with pytest.raises(engine.TaskNotReady):
        engine.complete(wf, dispatch.uuid, transfer(URBAN))  # already done
    with pytest.raises(engine.TaskNotReady):
        engine.complete(wf, "00000000-0000-0000-0000-000000000000", {})
    with pytest.raises(engine.TaskNotReady):
        engine.complete(wf, "not-a-uuid", {})
    script_task = next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == "to_city")
    with pytest.raises(engine.TaskNotReady):
        engine.complete(wf, str(script_task.id), {})


def test_every_construct_in_the_diagram_is_supported_and_covered():
    from lxml import etree

    used = {
        etree.QName(el).localname
        for el in etree.parse(str(BPMN)).getroot().iter()
        if isinstance(el.tag, str) and etree.QName(el).namespace == engine.parsing.BPMN_NS
    }
    assert used <= SUPPORTED_TAGS
    covered = {
        "definitions",
        "process",
        "startEvent",
        "endEvent",
        "userTask",
        "scriptTask",
        "exclusiveGateway",
        "sequenceFlow",
        "conditionExpression",
        "script",
        "incoming",
        "outgoing",
        "extensionElements",
        "multiInstanceLoopCharacteristics",
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
    }
    assert used <= covered, used - covered


# -- a diagram drawn in lanes: collaboration, participant, lanes, plain task, annotations ---------

LANES = Path(__file__).resolve().parents[1] / "processes" / "fixtures" / "lanes.bpmn"


@pytest.mark.parametrize("name", ["lanes_demo", "hotline_pool", "collab"])
def test_a_diagram_in_lanes_runs_by_its_process_pool_or_collaboration_id(name):
    compiled = engine.compile_process({LANES.name: LANES.read_text(encoding="utf-8")}, name)
    wf = engine.start(compiled, {"city_dept": CITY})
    # The plain task ran through like a no-op; the user task waits in its inbox.
    (task,) = engine.ready_tasks(compiled, wf)
    assert (task.name, task.department_id, task.status) == ("dispatch", CITY, "accepted")
    ran = {t.task_spec.bpmn_id for t in wf.get_tasks() if t.state == TaskState.COMPLETED}
    assert {"start", "note_it"} <= ran
    wf = engine.load(compiled, engine.dump(wf))
    engine.complete(wf, task.uuid, {})
    assert engine.is_completed(wf)


def test_a_diagram_in_lanes_validates_with_its_forms(app, tmp_path):
    from app.processes import service as processes

    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "dispatch.json").write_bytes(
        (BPMN.parents[1] / "forms" / "dispatch.json").read_bytes()
    )
    app.config["FORMS_DIR"] = str(forms)
    compiled = processes.validate({LANES.name: LANES.read_text(encoding="utf-8")}, "hotline_pool")
    assert set(compiled.user_tasks) == {"dispatch"}


def test_every_construct_of_the_lanes_diagram_is_supported():
    from lxml import etree

    used = {
        etree.QName(el).localname
        for el in etree.parse(str(LANES)).getroot().iter()
        if isinstance(el.tag, str) and etree.QName(el).namespace == engine.parsing.BPMN_NS
    }
    lanes = {"collaboration", "participant", "laneSet", "lane", "flowNodeRef", "childLaneSet"}
    assert lanes | {"task", "textAnnotation", "text", "association"} <= used <= SUPPORTED_TAGS
