"""Bulk-seeded clones are cases like the others: the engine state each carries is its own."""

from __future__ import annotations

import random

from sqlalchemy import select

from app import engine
from app.clock import clock
from app.extensions import db
from app.models import Case, CaseEvent, WorkflowInstance
from app.processes import service as processes
from app.seed.bulk import clone_cases, load_templates
from tests.cases.test_paths import MON, Hotline


def test_a_clone_is_advanced_as_its_own_case(api, dept):
    clock.freeze(MON)
    hl = Hotline(api, dept)
    template = hl.new()
    hl.to_handling(template, "urban")
    clone_cases(load_templates([template]), 3, random.Random(3), open_share=1.0, echo=print)
    clones = db.session.scalars(select(Case.id).where(Case.id != template)).all()
    assert len(clones) == 3
    for case_id in clones:
        stored = db.session.scalar(select(WorkflowInstance).filter_by(case_id=case_id))
        workflow = engine.load(processes.compiled(stored.process_version_id), stored.state)
        assert workflow.task_tree.data["case_id"] == case_id

    body = hl.reply(clones[0], "urban")
    assert body["status"]["status"] == "replied"
    assert hl.get(template)["status"]["status"] == "handling"  # the template is untouched
    replies = db.session.scalars(select(CaseEvent.case_id).filter_by(action="reply")).all()
    assert replies == [clones[0]]
