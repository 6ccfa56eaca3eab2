"""The path a workflow took, as the case's diagram highlights it: completed elements and the
sequence flows taken, the current user tasks apart; read back from a stored state."""

from __future__ import annotations

import pytest

from app import engine
from tests.engine.test_constructs import BPMN, CITY, CO_A, CO_B, URBAN, begin, step, transfer


@pytest.fixture(scope="module")
def compiled():
    return engine.compile_process({BPMN.name: BPMN.read_text(encoding="utf-8")}, "hotline_case")


def path(compiled, wf) -> engine.PathTaken:
    return engine.path_taken(compiled, engine.load(compiled, engine.dump(wf)))


def test_a_new_case_waits_at_dispatch_after_the_default_flow(compiled):
    taken = path(compiled, begin(compiled))
    assert taken.current == ("dispatch",)
    assert taken.done == (
        "start",
        "f_start",
        "gw_answered",
        "f_to_dispatch_init",
        "to_city",
        "f_to_dispatch",
        "gw_dispatcher",
        "f_dispatch",
    )


def test_a_case_answered_at_intake_took_the_conditional_flow_to_its_end(compiled):
    taken = path(compiled, begin(compiled, answered=True))
    assert taken.current == ()
    assert {"f_answered", "end_answered"} <= set(taken.done)
    assert "f_to_dispatch_init" not in taken.done and "to_city" not in taken.done


def test_the_path_holds_every_branch_taken_and_no_branch_not_taken(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="recalled")  # back to dispatch, then on
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")
    wf = step(compiled, wf, "handle", outcome="replied")
    taken = path(compiled, wf)
    assert taken.current == ("revisit",)
    done = set(taken.done)
    assert {"dispatch", "sign", "handle", "f_recalled", "f_dept_signed", "f_replied"} <= done
    assert "revisit" not in done  # current, not done
    assert not done & {"approve_return", "f_return_requested", "forward", "co_reply"}
    assert len(taken.done) == len(done)  # each element once, though the loop met it twice


def test_joint_handling_the_co_departments_are_current_the_lead_waits(compiled):
    wf = begin(compiled)
    wf = step(compiled, wf, "dispatch", **transfer(URBAN))
    wf = step(compiled, wf, "sign", outcome="signed")
    wf = step(
        compiled,
        wf,
        "handle",
        outcome="joint_requested",
        requested_co_depts={str(CO_A): CO_A, str(CO_B): CO_B},
    )
    wf = step(compiled, wf, "approve_joint", dept=CITY, outcome="approved")
    taken = path(compiled, wf)
    assert taken.current == ("co_reply",)
    assert {"f_joint_requested", "approve_joint", "take_co_depts", "f_joint"} <= set(taken.done)
    wf = step(compiled, wf, "co_reply", dept=CO_A, co_reply_data={"text": "A", "dept": CO_A})
    # One co-department replied, the other still works: co_reply is current still.
    assert path(compiled, wf).current == ("co_reply",)
    wf = step(compiled, wf, "co_reply", dept=CO_B, co_reply_data={"text": "B", "dept": CO_B})
    taken = path(compiled, wf)
    assert taken.current == ("handle",)
    assert {"co_reply", "f_co_done"} <= set(taken.done)
