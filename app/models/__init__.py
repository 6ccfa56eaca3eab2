"""Data only: every table of the application, importable from one place."""

from app.models.attachment import Attachment
from app.models.audit import AuditLog
from app.models.case import Case, CaseDepartment, CaseEvent, CaseNumberCounter, OpenTask
from app.models.catalog import CaseType, Category, Holiday, SettingsVersion, TimeLimit
from app.models.contact import CaseContact
from app.models.notification import Notification
from app.models.org import Department, LeaderScope, Role, User, user_roles
from app.models.saved_query import SavedQuery
from app.models.workflow import ProcessVersion, WorkflowInstance

__all__ = [
    "AuditLog",
    "Attachment",
    "Case",
    "CaseContact",
    "CaseDepartment",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseType",
    "Category",
    "Department",
    "Holiday",
    "LeaderScope",
    "Notification",
    "OpenTask",
    "ProcessVersion",
    "Role",
    "SavedQuery",
    "SettingsVersion",
    "TimeLimit",
    "User",
    "WorkflowInstance",
    "user_roles",
]
