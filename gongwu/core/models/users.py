from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.organizations import GOVERNMENT_KINDS, Organization
from gongwu.core.models.scoping import Action, Role, ScopedQuerySet

MAX_AGENCY_DEPTH = 6


class GongwuUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in: agency staff, an inspector, a company representative or a regulator."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)

    agency_path = None
    party_path = None
    secret_fields = frozenset({"password"})  # the change log records that it changed, never the hash
    role_actions = {
        Role.ADMIN: frozenset(Action.values),
        Role.LEADER: frozenset({Action.VIEW, Action.EXPORT}),
        Role.STAFF: frozenset({Action.VIEW, Action.EXPORT}),
        Role.DIRECTOR: frozenset({Action.VIEW}),
        Role.INSPECTOR: frozenset({Action.VIEW}),
        Role.INTEGRITY: frozenset({Action.VIEW, Action.EXPORT}),
        Role.REGULATOR: frozenset({Action.VIEW, Action.EXPORT}),
        Role.COMPANY: frozenset({Action.VIEW}),
    }

    objects = GongwuUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:user_detail", args=[self.pk])

    @property
    def agency(self) -> Organization | None:
        """The agency the user works for (None for company representatives)."""
        if not self.organization_id:
            return None
        return self.organization.home_agency()

    def visible_agency_ids(self) -> list[int]:
        """Agencies whose records this user sees: their own; for regulators, also every agency below."""
        cached = getattr(self, "_visible_agency_ids", None)
        if cached is not None:
            return cached
        agency = self.agency
        ids: list[int] = []
        if agency is not None:
            ids = [agency.pk]
            if self.role == Role.REGULATOR or agency.kind == "regulator":
                frontier = ids
                for _depth in range(MAX_AGENCY_DEPTH):
                    frontier = list(
                        Organization.objects.filter(parent__in=frontier, kind__in=GOVERNMENT_KINDS).values_list(
                            "pk", flat=True
                        )
                    )
                    if not frontier:
                        break
                    ids.extend(frontier)
        self._visible_agency_ids = ids
        return ids

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Q(pk=user.pk) | Q(organization=user.organization_id, organization__isnull=False)
        agencies = user.visible_agency_ids()
        return Q(organization__in=agencies) | Q(organization__parent__in=agencies, organization__kind="department")
