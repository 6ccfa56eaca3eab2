"""The stored engine state: our task-tree dump gives exactly SpiffWorkflow's own dictionaries
(less the process definition), at every step of a case that loops through joint handling."""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.engine import runner, state
from tests.cases.test_paths import CO_DEPTS, Hotline, _joint_round

STOCK = BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG))


def stock_dict(workflow) -> dict:
    dct = STOCK.convert(workflow)
    del dct["spec"], dct["subprocess_specs"]  # the definition is kept per version, not per case
    return dct


def test_dump_matches_spiffworkflows_converter_at_every_step(api, dept, monkeypatch):
    dumps = []
    to_bytes = runner.to_bytes

    def checked(workflow):
        ours = state._REGISTRY.convert(workflow)
        assert ours == stock_dict(workflow)
        reloaded = state.from_bytes(to_bytes(workflow), workflow.spec, {})
        assert state._REGISTRY.convert(reloaded) == ours
        dumps.append(len(ours["tasks"]))
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
