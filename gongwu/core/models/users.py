from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.organizations import GOVERNMENT_KINDS, Organization
from gongwu.core.models.scoping import Action, Role, ScopedQuerySet

MAX_AGENCY_DEPTH = 6


if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    # What `from_queryset` makes, spelled out: the type checker's Django plugin does not follow it on UserManager.
    class _ScopedUserManager(UserManager["User"]):
        def for_user(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> ScopedQuerySet: ...

else:
    _ScopedUserManager = UserManager.from_queryset(ScopedQuerySet)


class GongwuUserManager(_ScopedUserManager):
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

    objects: ClassVar[GongwuUserManager] = GongwuUserManager()

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
        if self.organization is None:
            return None
        return self.organization.home_agency()

    def clean(self) -> None:
        super().clean()
        refusal = self.keeper_refusal(deleting=False)
        if refusal:
            raise ValidationError(refusal)

    def validate_delete(self) -> None:
        """Called by `services.delete_object` before a user is deleted, on every path."""
        refusal = self.keeper_refusal(deleting=True)
        if refusal:
            raise ValidationError(refusal)

    def keeper_refusal(self, *, deleting: bool) -> str | None:
        """Why this change (or deletion) may not be: it would leave the platform without an active superuser,
        or the user's agency without an active administrator. None when it may."""
        if self.pk is None:
            return None
        original = type(self)._base_manager.select_related("organization").filter(pk=self.pk).first()
        if original is None or not original.is_active:
            return None
        others = type(self)._base_manager.filter(is_active=True).exclude(pk=self.pk)
        stays_superuser = not deleting and self.is_active and self.is_superuser
        if original.is_superuser and not stays_superuser and not others.filter(is_superuser=True).exists():
            return _("“%(user)s” is the only active superuser; make another user a superuser first.") % {
                "user": original
            }
        agency = original.agency
        if agency is None or original.role != Role.ADMIN:
            return None
        stays_admin = not deleting and self.is_active and self.role == Role.ADMIN and self.organization_id
        if stays_admin and (self.organization_id == original.organization_id or self.agency == agency):
            return None
        if connection.in_atomic_block:
            # Two administrators demoting each other at once: the second waits here and sees the first.
            list(Organization.objects.select_for_update().filter(pk=agency.pk).values_list("pk"))
        colleagues = others.filter(role=Role.ADMIN).filter(
            Q(organization=agency) | Q(organization__parent=agency, organization__kind="department")
        )
        if not colleagues.exists():
            return _(
                "“%(user)s” is the last active administrator of %(agency)s; give another of its users the "
                "administrator role first."
            ) % {"user": original, "agency": agency}
        return None

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
