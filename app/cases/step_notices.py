"""What a step tells whom: the notifications queued on the step's write batch, so that they
commit (or roll back) in the step's one transaction and cost it no round trip of their own.

- A decision on a request (return, extension, joint handling) tells the department that asked
  (the decision task's sender) how it was decided: kind `decision`.
- A task that opens at another department than the actor's, where the case had no open task,
  tells that department's desk staff it is in their inbox: kind `task`. Work a department
  hands itself (signing for a case opens its handling) is no news to it, and the department
  told of a decision is not told again of the task that came with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.auth.policy import DESK_ROLES
from app.cases.handlers import ActionContext
from app.cases.unit_of_work import comment_of
from app.engine import ReadyTask
from app.models import Case, OpenTask
from app.notifications import fanout
from app.write_batch import WriteBatch

# The decision actions and what each decided (the words are the notification's data).
DECISIONS = {
    "approve_return": "approved",
    "reject_return": "rejected",
    "approve_extension": "approved",
    "deny_extension": "rejected",
    "approve_joint": "approved",
    "reject_joint": "rejected",
}


def queue(
    writes: WriteBatch,
    case: Case,
    ctx: ActionContext,
    old_rows: Sequence[OpenTask],
    opened: Sequence[ReadyTask],
) -> None:
    actor = ctx.user
    told: set[int] = set()
    decided = DECISIONS.get(ctx.action.name)
    if decided is not None and ctx.task.from_department_id is not None:
        told.add(ctx.task.from_department_id)
        values = fanout.params(
            "decision",
            case.id,
            comment_of(ctx.data),
            {"number": case.number, "action": ctx.action.name, "decision": decided},
            ctx.now,
        )
        fanout.queue_for_departments(writes, told, DESK_ROLES, actor.id, values)
    had_tasks = {r.department_id for r in old_rows} | {actor.department_id} | told
    by_department: dict[int, ReadyTask] = {}
    for task in opened:
        if task.department_id not in had_tasks:
            by_department.setdefault(task.department_id, task)
    for department_id, task in by_department.items():
        values = fanout.params(
            "task",
            case.id,
            "",
            {"number": case.number, "task": task.name, "title": task.title},
            ctx.now,
        )
        fanout.queue_for_departments(writes, [department_id], DESK_ROLES, actor.id, values)
