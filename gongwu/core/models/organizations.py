from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwu.core.models.scoping import Role, ScopedModel
from gongwu.core.validators import validate_credit_code

if TYPE_CHECKING:
    from gongwu.core.models.users import User


class OrganizationKind(models.TextChoices):
    AGENCY = "agency", _("Agency")
    DEPARTMENT = "department", _("Department")
    REGULATOR = "regulator", _("Regulator")
    CONTRACTOR = "contractor", _("Contractor")
    SUPERVISOR = "supervisor", _("Supervisor")
    DESIGNER = "designer", _("Designer")
    SURVEYOR = "surveyor", _("Surveyor")
    CONSULTANT = "consultant", _("Consultant")
    AGENT = "agent", _("Construction agent")
    SUPPLIER = "supplier", _("Supplier")
    USER_UNIT = "user_unit", _("User unit")


GOVERNMENT_KINDS = frozenset({OrganizationKind.AGENCY, OrganizationKind.REGULATOR})
INTERNAL_KINDS = GOVERNMENT_KINDS | {OrganizationKind.DEPARTMENT}
COMPANY_KINDS = frozenset(set(OrganizationKind.values) - INTERNAL_KINDS)


class Organization(ScopedModel):
    """An agency, a department inside one, a regulator, or a company taking part in projects."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015; required for companies."),
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    keep_photo_metadata = models.BooleanField(
        _("keep photo metadata"),
        default=False,
        help_text=_(
            "Keep the location, time and device that phones write into photos uploaded for this agency's "
            "projects. By default they are removed."
        ),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    agency_path = None

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "name"], name="organization_kind_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="organization_unique_credit_code"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="organization_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:organization_detail", args=[self.pk])

    @property
    def is_company(self) -> bool:
        return self.kind in COMPANY_KINDS

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind in COMPANY_KINDS and not self.credit_code:
            errors["credit_code"] = _("A company must have its unified social credit code.")
        if self.kind == OrganizationKind.DEPARTMENT and (
            self.parent is None or self.parent.kind not in GOVERNMENT_KINDS
        ):
            errors["parent"] = _("A department belongs to an agency or a regulator.")
        if self.pk and self.parent_id:
            ancestor, hops = self.parent, 0
            while ancestor is not None and hops < 20:
                if ancestor.pk == self.pk:
                    errors["parent"] = _("An organization cannot be placed below itself.")
                    break
                ancestor, hops = ancestor.parent, hops + 1
        if errors:
            raise ValidationError(errors)

    def home_agency(self) -> Organization | None:
        """The agency (or regulator) this organization belongs to: itself, or the nearest one above it."""
        node: Organization | None = self
        while node is not None and node.kind not in GOVERNMENT_KINDS:
            if node.kind != OrganizationKind.DEPARTMENT:
                return None
            node = node.parent
        return node

    def change_log_agency_id(self) -> int | None:
        agency = self.home_agency()
        return agency.pk if agency is not None else None

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """Companies form one shared register; agencies and departments are seen inside the agency tree."""
        if user.role == Role.COMPANY:
            return Q(pk=user.organization_id)
        agencies = user.visible_agency_ids()
        return Q(kind__in=COMPANY_KINDS) | Q(pk__in=agencies) | Q(parent__in=agencies, kind="department")
