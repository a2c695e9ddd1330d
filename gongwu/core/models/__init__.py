from gongwu.core.models.attachments import Attachment
from gongwu.core.models.calendar import CalendarDay, DayKind
from gongwu.core.models.changelog import ChangeAction, ChangeLogEntry
from gongwu.core.models.jobs import Job, JobStatus
from gongwu.core.models.organizations import COMPANY_KINDS, GOVERNMENT_KINDS, Organization, OrganizationKind
from gongwu.core.models.scoping import Action, Role, ScopedModel, ScopedQuerySet, allowed_actions, user_may
from gongwu.core.models.tokens import APIToken
from gongwu.core.models.users import User
from gongwu.core.models.voiding import VoidableModel

__all__ = [
    "COMPANY_KINDS",
    "GOVERNMENT_KINDS",
    "APIToken",
    "Action",
    "Attachment",
    "CalendarDay",
    "ChangeAction",
    "ChangeLogEntry",
    "DayKind",
    "Job",
    "JobStatus",
    "Organization",
    "OrganizationKind",
    "Role",
    "ScopedModel",
    "ScopedQuerySet",
    "User",
    "VoidableModel",
    "allowed_actions",
    "user_may",
]
