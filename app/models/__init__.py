"""Data only: every table of the application, importable from one place."""

from app.models.attachment import Attachment
from app.models.audit import AuditLog
from app.models.case import Case, CaseDepartment, CaseEvent, CaseNumberCounter, OpenTask
from app.models.catalog import CaseType, Category, Holiday, SettingsVersion, TimeLimit
from app.models.contact import CaseContact
from app.models.monthly_report import MonthlyReport
from app.models.notification import Announcement, Delivery, Notification
from app.models.org import Department, LeaderScope, Role, User, user_roles
from app.models.oversight import (
    Instruction,
    InstructionRead,
    LadderRule,
    LadderStep,
    SupervisionOrder,
)
from app.models.report import SavedReport
from app.models.saved_query import SavedQuery
from app.models.scheduler import DeadlineMark, JobRun, SchedulerLease
from app.models.telephony import (
    AgentState,
    BlacklistEntry,
    CallCommand,
    CallRecord,
    CallRecording,
    IvrMenuVersion,
    PhoneExtension,
    SkillGroup,
    SkillGroupMember,
    StatusQueryFailure,
    TelephonyVersion,
)
from app.models.workflow import ProcessVersion, WorkflowInstance

__all__ = [
    "AgentState",
    "Announcement",
    "AuditLog",
    "Attachment",
    "Case",
    "CaseContact",
    "CaseDepartment",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseType",
    "DeadlineMark",
    "CallRecord",
    "Category",
    "Delivery",
    "Department",
    "Holiday",
    "JobRun",
    "Instruction",
    "InstructionRead",
    "LadderRule",
    "LadderStep",
    "LeaderScope",
    "MonthlyReport",
    "Notification",
    "OpenTask",
    "ProcessVersion",
    "Role",
    "SavedQuery",
    "SavedReport",
    "SchedulerLease",
    "SettingsVersion",
    "SkillGroup",
    "SkillGroupMember",
    "SupervisionOrder",
    "TimeLimit",
    "User",
    "WorkflowInstance",
    "BlacklistEntry",
    "CallCommand",
    "CallRecording",
    "IvrMenuVersion",
    "PhoneExtension",
    "StatusQueryFailure",
    "TelephonyVersion",
    "user_roles",
]
