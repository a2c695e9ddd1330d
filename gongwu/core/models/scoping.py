"""Object scoping: the one place that decides which rows a user may see or change.

Every list, detail, edit, delete, export, import and API endpoint reaches rows through
`Model.objects.for_user(user, action)`. A model says how it hangs on an agency (`agency_path`) and,
where companies take part, on a company (`party_path`); the roles say which actions a user may take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeAlias, TypeGuard

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongwu.core.models.users import User


class Action(models.TextChoices):
    VIEW = "view", _("view")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")


class Role(models.TextChoices):
    LEADER = "leader", _("Agency leader")
    STAFF = "staff", _("Department staff")
    DIRECTOR = "director", _("Project director")
    INSPECTOR = "inspector", _("Inspector")
    COMPANY = "company", _("Company representative")
    INTEGRITY = "integrity", _("Integrity officer")
    REGULATOR = "regulator", _("Regulator (read-only)")
    ADMIN = "admin", _("Administrator")


ALL_ACTIONS = frozenset(Action.values)
READ_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})

# What each role may do, unless a model narrows or widens it with `role_actions`.
DEFAULT_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_ACTIONS,
    Role.LEADER: ALL_ACTIONS,
    Role.STAFF: ALL_ACTIONS,
    Role.DIRECTOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT, Action.IMPORT}),
    Role.INSPECTOR: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT}),
    Role.INTEGRITY: READ_ACTIONS,
    Role.REGULATOR: READ_ACTIONS,
    Role.COMPANY: READ_ACTIONS,
}

# An agency's settings (code patterns, rules, escalation): its leaders and administrators set them, the
# rest of the agency reads them.
SETTINGS_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    Role.LEADER: frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    **{
        role: frozenset({Action.VIEW})
        for role in (Role.STAFF, Role.DIRECTOR, Role.INSPECTOR, Role.INTEGRITY, Role.REGULATOR)
    },
}


def allowed_actions(user: User | AnonymousUser | None, model: type[models.Model]) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cap = getattr(model, "max_actions", None) or ALL_ACTIONS
    if user.is_superuser:
        return cap
    table = getattr(model, "role_actions", None) or DEFAULT_ROLE_ACTIONS
    return table.get(user.role, frozenset()) & cap


def user_may(user: User | AnonymousUser | None, model: type[models.Model], action: str) -> TypeGuard[User]:
    """Whether `user` may take `action` on `model`'s rows; only ever true of a signed-in, active user."""
    return action in allowed_actions(user, model)


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> Self:
        """The rows `user` may take `action` on; none at all when the role may not take it."""
        if not user_may(user, self.model, action):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(self.model.scope_q(user))


class ScopedModel(models.Model):
    """Base of every scoped model. Set `agency_path` (and `party_path` where companies take part)."""

    agency_path: str | None = "agency"
    party_path: str | None = None
    role_actions: dict[str, frozenset[str]] | None = None
    max_actions: frozenset[str] | None = None  # what nobody, not even a superuser, may exceed

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            if not cls.party_path or not user.organization_id:
                return Q(pk__in=[])
            return Q(**{cls.party_path: user.organization_id})
        if not cls.agency_path:
            return Q()
        return Q(**{f"{cls.agency_path}__in": user.visible_agency_ids()})


# A row reached through `Model.objects.for_user`: any scoped model's, or a user (User is an AbstractUser whose
# manager has the same queryset).
ScopedRow: TypeAlias = "ScopedModel | User"
