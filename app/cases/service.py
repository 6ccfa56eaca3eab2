"""The hotline actions, as the API, the CLI, the seed and the benchmarks call them.

    service.accept(service.Intake(...), user)     a new case (app/cases/intake.py)
    service.act(case_id, "sign", {}, user)        a step on an open task (app/cases/step.py)

Each is one transaction (app/cases/unit_of_work.py): the workflow state, the case's columns,
the open-task rows, the scope rows and the event log are written together or not at all. Of two
concurrent steps on one case exactly one wins; the other gets 409 concurrent_update.
"""

from app.cases.intake import Intake, accept
from app.cases.step import Step, act

__all__ = ["Intake", "Step", "accept", "act"]
