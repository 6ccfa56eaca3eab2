"""What a notification is about: the one registry of its kinds (code -> Chinese, English)."""

from __future__ import annotations

KINDS = {
    "task": ("新待办", "New task in my inbox"),
    "decision": ("申请已审批", "Request decided"),
    "urge": ("催办", "Urge"),
    "supervision": ("督办", "Supervision order"),
    "instruction": ("领导批示", "Leader's instruction"),
    "warning": ("临期预警", "Deadline warning"),
    "overdue": ("逾期", "Overdue"),
    "escalation": ("逾期升级", "Escalation"),
    "revisit_reminder": ("回访提醒", "Revisit reminder"),
    "digest": ("每日汇总", "Daily digest"),
    "announcement": ("内部公告", "Announcement"),
    # The screen pop: an agent's phone rings (app/telephony/agents.py offers the call).
    "incoming_call": ("来电", "Incoming call"),
}
