"""Data only: every table of the application, importable from one place."""

from app.models.attachment import Attachment
from app.models.case import Case, CaseDepartment, CaseEvent, CaseNumberCounter, OpenTask
from app.models.catalog import CaseType, Category, Holiday, TimeLimit
from app.models.org import Department, LeaderScope, Role, User, user_roles
from app.models.workflow import ProcessVersion, WorkflowInstance

__all__ = [
    "Attachment",
    "Case",
    "CaseDepartment",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseType",
    "Category",
    "Department",
    "Holiday",
    "LeaderScope",
    "OpenTask",
    "ProcessVersion",
    "Role",
    "TimeLimit",
    "User",
    "WorkflowInstance",
    "user_roles",
]
