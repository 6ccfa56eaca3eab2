"""The workflow's words that diagrams, forms and tables share: the one registry of each.

A leaf module with no imports, so that every layer may read it: the engine checks a diagram's
task properties against STATUSES and CLOCKS, the process validator checks forms' roles
against ROLES, and the models build their columns' values and the role table from them.
"""

from __future__ import annotations

# Status words (DESIGN.md): the stage a case is in. A user task's `status` property is one of
# TASK_STATUSES; `closed` is the status of a case whose workflow has ended. Overdue variants
# are derived from the `overdue` flag (逾期未办理 / 逾期正在办理 / 逾期办结).
ACCEPTED = "accepted"  # 已受理
TRANSFERRED = "transferred"  # 已转办未接收
HANDLING = "handling"  # 正在办理
REPLIED = "replied"  # 已答复待回访
CLOSED = "closed"  # 办结
TASK_STATUSES = (ACCEPTED, TRANSFERRED, HANDLING, REPLIED)
STATUSES = (*TASK_STATUSES, CLOSED)

# Deadline clocks a user task runs on (its `clock` property; app/deadlines computes them).
CLOCKS = ("none", "sign", "handle", "decision", "revisit")

# Roles, each a job in the hotline centre (DESIGN.md): code -> (Chinese, English).
ROLES = {
    "agent": ("坐席", "Call-centre agent"),
    "dispatcher": ("派单员", "Dispatcher"),
    "handler": ("承办人", "Department handler"),
    "revisit": ("回访员", "Revisit staff"),
    "oversight": ("督办员", "Oversight office"),
    "leader": ("领导", "Leader"),
    "designer": ("流程设计员", "Process designer"),
    "admin": ("管理员", "Administrator"),
    # A service account, not a person: the ARI bridge (ari_bridge/) registers voicemail cases
    # and writes call records; it reads no case (app/auth/policy.py).
    "telephony": ("话务网关", "Telephony bridge"),
}
