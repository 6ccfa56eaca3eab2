"""Where we replace SpiffWorkflow's general code with faster code of our own, the results are
SpiffWorkflow's own: the task-tree walks (HotlineWorkflow.get_tasks, walk) and the stored state
(its dictionaries, less the process definition, and a load -> dump round trip), at every step
of every path of the flow. And the replacements were checked against one SpiffWorkflow
release: another one installed fails here until they are checked again."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskIterator, TaskState

from app.clock import clock
from app.engine import runner, state
from app.engine.workflow import CHECKED_AGAINST_SPIFFWORKFLOW, HotlineWorkflow, walk
from tests.cases.test_paths import CO_DEPTS, MON, Hotline

ROOT = Path(__file__).resolve().parents[2]
STOCK = BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG))
STOCK.typenames[HotlineWorkflow] = STOCK.typenames[BpmnWorkflow]
# Every single state and every mask: the engine asks for READY and WAITING, SpiffWorkflow's own
# code for the masks; the walk must agree on all of them.
STATES = [
    *TaskState._values,
    TaskState.FINISHED_MASK,
    TaskState.DEFINITE_MASK,
    TaskState.PREDICTED_MASK,
    TaskState.NOT_FINISHED_MASK,
    TaskState.ANY_MASK,
    TaskState.READY | TaskState.WAITING,
]


# -- the paths: each a list of steps, one action each, as the people at the hotline take them

Step = Callable[[Hotline, int], dict]


def transfer(to: str, by: str = "dispatcher", co: tuple[str, ...] = ()) -> Step:
    return lambda hl, case: hl.transfer(case, to, by=by, co=co)


def sign(by: str) -> Step:
    return lambda hl, case: hl.sign(case, by)


def act(action: str, by: str, **data) -> Step:
    return lambda hl, case: hl.act(case, action, by, **data)


def joint_request(co: tuple[str, ...], lead: str = "urban") -> Step:
    # The co-departments' ids are known only once the city is seeded.
    return lambda hl, case: hl.act(
        case,
        "joint_request",
        f"{lead}_handler",
        co_department_ids=[hl.dept(c) for c in co],
        reason="涉及多个单位",
    )


def co_replies(co: tuple[str, ...] = CO_DEPTS) -> list[Step]:
    return [act("co_reply", f"{c}_handler", text=f"{c} 已配合处理") for c in co]


def reply(dept: str = "urban") -> Step:
    return lambda hl, case: hl.reply(case, dept)


def revisit(result: str, **data) -> Step:
    return lambda hl, case: hl.revisit(case, result, **data)


def handling(dept: str = "urban", co: tuple[str, ...] = ()) -> list[Step]:
    return [transfer(dept, co=co), sign(f"{dept}_handler")]


SATISFIED = [reply(), revisit("satisfied")]

PATHS = [
    pytest.param({"answered": True, "answer": "已告知市民报修电话"}, [], id="answered-at-intake"),
    pytest.param({}, [*handling(), *SATISFIED], id="dispatch-sign-reply-revisit-close"),
    pytest.param(
        {},
        [transfer("urban"), act("recall", "dispatcher", reason="派错单位"), *handling("housing")]
        + [reply("housing"), revisit("satisfied")],
        id="recall",
    ),
    pytest.param(
        {},
        [transfer("east"), sign("east_dispatcher"), transfer("east_urban", by="east_dispatcher")]
        + [sign("east_urban_handler"), reply("east_urban"), revisit("satisfied")],
        id="district-forwarding",
    ),
    pytest.param(
        {},
        [transfer("east"), sign("east_dispatcher"), transfer("east_urban", by="east_dispatcher")]
        + [act("recall", "east_dispatcher", reason="应由街道办理")]
        + [transfer("east_street", by="east_dispatcher"), sign("east_street_handler")]
        + [reply("east_street"), revisit("satisfied")],
        id="district-recall",
    ),
    pytest.param(
        {},
        [*handling(), act("return_request", "urban_handler", reason_code="not_our_remit")]
        + [act("approve_return", "dispatcher"), *handling("housing")]
        + [reply("housing"), revisit("satisfied")],
        id="return-approved",
    ),
    pytest.param(
        {},
        [transfer("east"), sign("east_dispatcher"), transfer("east_urban", by="east_dispatcher")]
        + [sign("east_urban_handler")]
        + [act("return_request", "east_urban_handler", reason_code="other", reason_text="属街道")]
        + [act("approve_return", "east_dispatcher")]
        + [transfer("east_street", by="east_dispatcher"), sign("east_street_handler")]
        + [reply("east_street"), revisit("satisfied")],
        id="return-approved-at-district",
    ),
    pytest.param(
        {},
        [*handling(), act("return_request", "urban_handler", reason_code="insufficient_info")]
        + [act("reject_return", "dispatcher", comment="地址已写明，请办理"), *SATISFIED],
        id="return-rejected",
    ),
    pytest.param(
        {},
        [*handling(), act("extension_request", "urban_handler", days=2, reason="需协调施工队")]
        + [act("approve_extension", "dispatcher"), *SATISFIED],
        id="extension-approved",
    ),
    pytest.param(
        {},
        [*handling(), act("extension_request", "urban_handler", days=2, reason="需协调施工队")]
        + [act("deny_extension", "dispatcher", comment="请按期办结"), *SATISFIED],
        id="extension-denied",
    ),
    pytest.param(
        {},
        [*handling(), joint_request(("housing", "transport")), act("approve_joint", "dispatcher")]
        + [*co_replies(("housing", "transport")), *SATISFIED],
        id="joint-request-approved",
    ),
    pytest.param(
        {},
        [*handling(), joint_request(("housing",))]
        + [act("reject_joint", "dispatcher", comment="本单位职责，请自行办理"), *SATISFIED],
        id="joint-request-rejected",
    ),
    pytest.param({}, [*handling(co=CO_DEPTS), *co_replies(), *SATISFIED], id="joint-handling"),
    pytest.param(
        {},
        [*handling(co=CO_DEPTS), *co_replies(), reply()]
        + [revisit("unsatisfied", reason="路灯仍不亮")]
        + [*handling(co=CO_DEPTS), *co_replies(), *SATISFIED],
        id="reopen-second-joint-round",
    ),
    pytest.param(
        {},
        [*handling(), reply(), *(revisit("unreachable") for _ in range(3))],  # 3 tries (default)
        id="revisit-unreachable-closes",
    ),
]


# -- the checks


def stock_dict(workflow) -> dict:
    dct = STOCK.convert(workflow)
    del dct["spec"], dct["subprocess_specs"]  # the definition is kept per version, not per case
    return dct


def check_walks(workflow) -> None:
    starts = list(workflow.tasks.values())[::7]  # the root and tasks down the tree
    for wanted in STATES:
        spiff = [t.id for t in TaskIterator(workflow.task_tree, state=wanted)]
        assert [t.id for t in workflow.get_tasks(state=wanted)] == spiff, wanted
        for start in starts:
            spiff = [t.id for t in TaskIterator(start, state=wanted)]
            assert [t.id for t in walk(start, wanted)] == spiff, (wanted, start)


@pytest.mark.parametrize(("intake", "steps"), PATHS)
def test_dump_and_walk_match_spiffworkflow_at_every_step(api, dept, monkeypatch, intake, steps):
    clock.freeze(MON)  # the deadlines the steps check (extension, return) are those of a Monday
    reused, sizes = [], []
    to_bytes = runner.to_bytes

    def checked(workflow):
        # Completed tasks' dictionaries a step can reuse: kept from the previous steps' dumps.
        reused.append(len(workflow.dumped_tasks))
        ours = state._REGISTRY.convert(workflow)
        assert ours == stock_dict(workflow)
        reloaded = state.from_bytes(to_bytes(workflow), workflow.spec, {})
        assert isinstance(reloaded, HotlineWorkflow)
        assert state._REGISTRY.convert(reloaded) == ours
        check_walks(workflow)
        check_walks(reloaded)  # a cold step (cache miss) walks a freshly loaded tree
        sizes.append(len(ours["tasks"]))
        return to_bytes(workflow)

    monkeypatch.setattr(runner, "to_bytes", checked)
    hl = Hotline(api, dept)
    case = hl.new(**intake)
    for step in steps:
        step(hl, case)
    assert hl.words(hl.get(case)) == "办结"
    assert len(sizes) == 1 + len(steps)  # accept, then every action, each checked once
    if steps:
        assert sizes[-1] > sizes[0]  # on a growing task tree
        assert max(reused) > 0  # the same workflow object went on from step to step


def test_spiffworkflow_is_the_release_the_replacements_were_checked_against():
    recheck = (
        "HotlineWorkflow's task-tree walks (app/engine/workflow.py: get_tasks, "
        "update_waiting_tasks, walk) and the state dump (app/engine/state.py: "
        "SpeclessWorkflowConverter, _task_to_dict, SERIALIZER_VERSION) copy the behaviour of "
        f"SpiffWorkflow {CHECKED_AGAINST_SPIFFWORKFLOW}. Re-check them against the new release's "
        "SpiffWorkflow/util/task.py (TaskIterator), workflow.py (get_tasks, "
        "update_waiting_tasks), bpmn/serializer/default/workflow.py (TaskConverter, "
        "BpmnWorkflowConverter) and bpmn/serializer/workflow.py (VERSION), and the joint "
        "handling's dict output collection (README, 'Joint handling'); run "
        "tests/engine/test_state.py; then set CHECKED_AGAINST_SPIFFWORKFLOW and the pin in "
        "requirements.txt to the new release together."
    )
    installed = importlib.metadata.version("SpiffWorkflow")
    assert installed == CHECKED_AGAINST_SPIFFWORKFLOW, (
        f"SpiffWorkflow {installed} is installed. {recheck}"
    )
    pins = re.findall(
        r"^\s*SpiffWorkflow\s*==\s*([^\s;#]+)",
        (ROOT / "requirements.txt").read_text(),
        re.MULTILINE | re.IGNORECASE,
    )
    assert pins == [CHECKED_AGAINST_SPIFFWORKFLOW], (
        f"requirements.txt pins SpiffWorkflow {pins or 'nowhere'}. {recheck}"
    )
