"""Where we replace SpiffWorkflow's general code with faster code of our own, the results are
SpiffWorkflow's own, at every step of a case that loops through joint handling: the stored
state (its dictionaries, less the process definition) and the task-tree walks."""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskIterator, TaskState

from app.engine import runner, state
from app.engine.workflow import HotlineWorkflow, walk
from tests.cases.test_paths import CO_DEPTS, Hotline, _joint_round

STOCK = BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG))
STOCK.typenames[HotlineWorkflow] = STOCK.typenames[BpmnWorkflow]
STATES = [
    *TaskState._values,
    TaskState.FINISHED_MASK,
    TaskState.DEFINITE_MASK,
    TaskState.PREDICTED_MASK,
    TaskState.NOT_FINISHED_MASK,
    TaskState.ANY_MASK,
    TaskState.READY | TaskState.WAITING,
]


def stock_dict(workflow) -> dict:
    dct = STOCK.convert(workflow)
    del dct["spec"], dct["subprocess_specs"]  # the definition is kept per version, not per case
    return dct


def test_dump_and_walk_match_spiffworkflow_at_every_step(api, dept, monkeypatch):
    dumps, kept = [], []
    to_bytes = runner.to_bytes

    def checked(workflow):
        ours = state._REGISTRY.convert(workflow)
        assert ours == stock_dict(workflow)
        reloaded = state.from_bytes(to_bytes(workflow), workflow.spec, {})
        assert isinstance(reloaded, HotlineWorkflow)
        assert state._REGISTRY.convert(reloaded) == ours
        starts = list(workflow.tasks.values())[::7]  # the root and tasks down the tree
        for wanted in STATES:
            spiff = [t.id for t in TaskIterator(workflow.task_tree, state=wanted)]
            assert [t.id for t in workflow.get_tasks(state=wanted)] == spiff, wanted
            for start in starts:
                spiff = [t.id for t in TaskIterator(start, state=wanted)]
                assert [t.id for t in walk(start, wanted)] == spiff, (wanted, start)
        dumps.append(len(ours["tasks"]))
        kept.append(len(workflow.dumped_tasks))  # completed tasks' dictionaries, reused
        return to_bytes(workflow)

    monkeypatch.setattr(runner, "to_bytes", checked)
    hl = Hotline(api, dept)
    case = hl.new()
    hl.to_handling(case, "urban", co=CO_DEPTS)
    _joint_round(hl, case, dept)
    hl.reply(case, "urban")
    hl.revisit(case, "unsatisfied", reason="路灯仍不亮")
    hl.to_handling(case, "urban", co=CO_DEPTS)
    _joint_round(hl, case, dept)
    hl.reply(case, "urban")
    assert hl.words(hl.revisit(case, "satisfied")) == "办结"
    assert len(dumps) >= 14 and dumps[-1] > dumps[0]  # every step, on a growing task tree
    assert max(kept) > 10  # the same workflow object went on from step to step
