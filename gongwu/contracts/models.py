"""Contracts and the money that moves through them: the contract ledger (合同台账) with its parties, sections and
standard text (标准合同文本库); countersign (会签) along routes configured per kind and amount band; changes
(变更/签证) approved at the level their amount and the contract's cumulative change call for, and spot-checked
(变更抽查); measured payment claims (计量支付) reviewed by the supervisor and the cost consultant; budget and
settlement reviews (预算审核, 结算审核) and final accounts (决算); subcontract filings (分包备案).

A contract's running totals (approved changes, approved claims, retention, advance recovered) are kept on it by
`services` in the transaction of the write that changes them, so the ledger reads one row a contract. The
investment app's payments pay approved claims (investment imports contracts, never the other way).

Scoping: agency staff see their agency's contracts; a company sees the contracts it is a party to (乙方, 丙方 or
a consortium member) and everything hanging on them; a subcontractor sees its own filing.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwu.core.models import Organization, OrganizationKind, ScopedModel, User, VoidableModel
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.core.models.scoping import (
    DEFAULT_ROLE_ACTIONS,
    READ_ACTIONS,
    SETTINGS_ROLE_ACTIONS,
    Action,
    Role,
    ScopedQuerySet,
)
from gongwu.projects.models import Project, Section
from gongwu.tenders.models import WAN, SubjectKind, Tender, money_field

HUNDRED = Decimal("100")


def percent_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HUNDRED)],
        **kwargs,
    )


def signed_money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An amount in 元 that may be negative (a change that reduces the price)."""
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


# ---- settings -----------------------------------------------------------------------------------------

DEFAULT_NUMBER_PATTERN = "{agency}-{year}-{kind}-{seq:04d}"
NUMBER_FIELDS = {"agency", "year", "kind", "seq"}


def validate_number_pattern(pattern: str) -> None:
    names = set(re.findall(r"{(\w+)(?::[^}]*)?}", pattern))
    if "seq" not in names:
        raise ValidationError(_("The pattern must contain {seq}, the running number."))
    unknown = names - NUMBER_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use {agency}, {year}, {kind} and {seq}.")
            % {"names": ", ".join(sorted(unknown))}
        )
    try:
        pattern.format(agency="GW", year=2026, kind="SG", seq=1)
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError(_("The pattern cannot be used: %(error)s") % {"error": exc}) from exc


class ContractSettings(ScopedModel):
    """An agency's contract settings: numbering, subcontracting limits, the 双算 backlog age."""

    role_actions = SETTINGS_ROLE_ACTIONS

    agency = models.OneToOneField(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="contract_settings",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    number_pattern = models.CharField(
        _("contract number pattern"),
        max_length=60,
        default=DEFAULT_NUMBER_PATTERN,
        validators=[validate_number_pattern],
        help_text=_(
            "Placeholders: {agency} short name, {year}, {kind} code (SG 施工, JL 监理 …), {seq} running number."
        ),
    )
    subcontract_max_percent = percent_field(_("subcontracted at most (% of the contract)"), default=Decimal("30"))
    subcontract_filing_days = models.PositiveSmallIntegerField(
        _("days to file a subcontract after it starts"), default=7
    )
    settlement_due_days = models.PositiveSmallIntegerField(
        _("days from completion to the settlement review"), default=180
    )
    final_accounts_due_days = models.PositiveSmallIntegerField(
        _("days from completion to the final accounts"), default=365
    )

    class Meta:
        verbose_name = _("contract settings")
        verbose_name_plural = _("contract settings")

    def __str__(self) -> str:
        return str(self.agency)

    def get_absolute_url(self) -> str:
        return reverse("contracts:contractsettings_detail", args=[self.pk])


# ---- the standard text library -------------------------------------------------------------------------


class ContractTemplate(ScopedModel):
    """A standard contract text (标准合同文本) of a kind: a Word document with fields filled from the contract."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    kind = models.CharField(_("contract kind"), max_length=16, choices=SubjectKind.choices)
    name = models.CharField(_("name"), max_length=120)
    version = models.CharField(_("version"), max_length=20, default="1")
    file = models.FileField(_("Word template (.docx)"), upload_to="contract-templates/%Y/", max_length=300)
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("standard contract text")
        verbose_name_plural = _("standard contract texts")
        ordering = ["agency", "kind", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name", "version"], name="contracttemplate_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contracttemplate_detail", args=[self.pk])


# ---- contracts -----------------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COUNTERSIGNING = "countersigning", _("Countersigning (会签)")
    SIGNED = "signed", _("Signed")
    PERFORMING = "performing", _("Performing")
    COMPLETED = "completed", _("Completed")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")


# What may follow each status (voiding aside).
NEXT_STATUS: dict[str, tuple[str, ...]] = {
    ContractStatus.DRAFT: (ContractStatus.COUNTERSIGNING,),
    ContractStatus.COUNTERSIGNING: (ContractStatus.DRAFT, ContractStatus.SIGNED),
    ContractStatus.SIGNED: (ContractStatus.PERFORMING,),
    ContractStatus.PERFORMING: (ContractStatus.COMPLETED,),
    ContractStatus.COMPLETED: (ContractStatus.SETTLED,),
    ContractStatus.SETTLED: (ContractStatus.CLOSED,),
    ContractStatus.CLOSED: (),
}
IN_FORCE = (ContractStatus.SIGNED, ContractStatus.PERFORMING, ContractStatus.COMPLETED, ContractStatus.SETTLED)

# The short code of a kind in contract numbers.
KIND_CODES: dict[str, str] = {
    SubjectKind.SURVEY: "KC",
    SubjectKind.DESIGN: "SJ",
    SubjectKind.WORKS: "SG",
    SubjectKind.SUPERVISION: "JL",
    SubjectKind.CONSULTING: "ZX",
    SubjectKind.EPC: "EPC",
    SubjectKind.AGENT: "DJ",
    SubjectKind.GOODS: "HW",
    SubjectKind.SERVICES: "FW",
}


class Contract(ScopedModel, VoidableModel):
    """A contract of the agency (甲方) with a company (乙方), sometimes a third party (丙方) or a consortium."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency (甲方)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    number = models.CharField(_("contract number"), max_length=80, blank=True)
    name = models.CharField(_("contract name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SubjectKind.choices, db_index=True)
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="contracts")
    sections = models.ManyToManyField(Section, verbose_name=_("sections"), blank=True, related_name="contracts")
    tender = models.ForeignKey(
        Tender,
        verbose_name=_("tender"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    contractor = models.ForeignKey(
        Organization, verbose_name=_("contractor (乙方)"), on_delete=models.PROTECT, related_name="+"
    )
    third_party = models.ForeignKey(
        Organization,
        verbose_name=_("third party (丙方)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consortium = models.ManyToManyField(
        Organization, verbose_name=_("consortium members"), blank=True, related_name="consortium_contracts"
    )
    amount = money_field(_("contract price (签约合同价, 元)"))
    provisional_sum = money_field(_("provisional sum (暂列金额, 元)"), default=Decimal("0"))
    advance_percent = percent_field(_("advance payment (%)"), default=Decimal("0"))
    retention_percent = percent_field(_("retention (%)"), default=Decimal("3"))
    payment_terms = models.TextField(_("payment terms"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True, db_index=True)
    start_on = models.DateField(_("starts on"), null=True, blank=True)
    end_on = models.DateField(_("to be completed by"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True
    )
    text_template = models.ForeignKey(
        ContractTemplate,
        verbose_name=_("standard text"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
    )
    note = models.TextField(_("note"), blank=True)
    # running totals kept by services in the transaction of the write that changes them
    changes_amount = signed_money_field(_("approved changes (元)"), default=Decimal("0"), editable=False)
    claimed_amount = money_field(_("approved claims (元)"), default=Decimal("0"), editable=False)
    retention_held = money_field(_("retention held (元)"), default=Decimal("0"), editable=False)
    advance_recovered = money_field(_("advance recovered (元)"), default=Decimal("0"), editable=False)
    paid_amount = money_field(_("paid (元)"), default=Decimal("0"), editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], condition=~Q(number=""), name="contract_unique_number")
        ]
        indexes = [
            models.Index(fields=["agency", "signed_on"], name="contract_agency_signed"),
            models.Index(fields=["agency", "kind", "signed_on"], name="contract_agency_kind_signed"),
            models.Index(fields=["contractor", "signed_on"], name="contract_contractor_signed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.pk])

    def must_void(self) -> bool:
        return self.status != ContractStatus.DRAFT

    @classmethod
    def party_q(cls, organization_id: int | None, prefix: str = "") -> Q:
        """The contracts an organization is a party to (乙方, 丙方, consortium member)."""
        org = organization_id or 0
        return (
            Q(**{f"{prefix}contractor_id": org})
            | Q(**{f"{prefix}third_party_id": org})
            | Q(
                **{
                    f"{prefix}pk__in": Contract.consortium.through.objects.filter(organization_id=org).values(
                        "contract"
                    )
                }
            )
        )

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return cls.party_q(user.organization_id)
        return super().scope_q(user)

    @property
    def current_amount(self) -> Decimal:
        """The contract price with its approved changes."""
        return (self.amount or Decimal("0")) + (self.changes_amount or Decimal("0"))

    @property
    def changes_percent(self) -> Decimal | None:
        if not self.amount:
            return None
        return (self.changes_amount or Decimal("0")) * HUNDRED / self.amount

    @property
    def claimed_percent(self) -> Decimal | None:
        base = self.current_amount
        if not base:
            return None
        return (self.claimed_amount or Decimal("0")) * HUNDRED / base

    @property
    def payment_rate(self) -> Decimal | None:
        """支付率: paid over approved claims."""
        if not self.claimed_amount:
            return None
        return (self.paid_amount or Decimal("0")) * HUNDRED / self.claimed_amount

    def parties(self) -> list[Organization]:
        found = [org for org in (self.contractor, self.third_party) if org is not None]
        if self.pk:
            found += [org for org in self.consortium.all() if org not in found]
        return found

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.project_id and self.agency_id and self.project.agency_id != self.agency_id:
            errors["project"] = _("The project belongs to another agency.")
        if self.tender_id and self.agency_id and self.tender.agency_id != self.agency_id:
            errors["tender"] = _("The tender belongs to another agency.")
        for name in ("contractor", "third_party"):
            org = getattr(self, name) if getattr(self, f"{name}_id") else None
            if org is not None and org.kind not in COMPANY_KINDS:
                errors[name] = _("A party to the contract is a company.")
        if self.third_party_id and self.third_party_id == self.contractor_id:
            errors["third_party"] = _("The third party is another company than the contractor.")
        if self.amount is not None and self.provisional_sum is not None and self.provisional_sum > self.amount:
            errors["provisional_sum"] = _("The provisional sum is part of the contract price, not more.")
        if self.start_on and self.end_on and self.end_on < self.start_on:
            errors["end_on"] = _("A contract cannot end before it starts.")
        if self.signed_on and self.completed_on and self.completed_on < self.signed_on:
            errors["completed_on"] = _("A contract cannot be completed before it is signed.")
        if (
            self.tender_id
            and self.signed_on
            and self.tender.award_notice_on
            and self.signed_on < self.tender.award_notice_on
        ):
            errors["signed_on"] = _("A contract is signed after its award notice (%(day)s).") % {
                "day": self.tender.award_notice_on.isoformat()
            }
        if errors:
            raise ValidationError(errors)


# ---- countersign (会签) ------------------------------------------------------------------------------------


class CountersignRoute(ScopedModel):
    """A countersign route: the steps a contract of a kind and an amount band goes through before signing."""

    role_actions = SETTINGS_ROLE_ACTIONS

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("contract kind"), max_length=16, choices=SubjectKind.choices, blank=True, help_text=_("Empty: every kind.")
    )
    min_amount = money_field(_("from amount (元)"), default=Decimal("0"))
    max_amount = money_field(_("below amount (元)"), null=True, blank=True, help_text=_("Empty: no upper bound."))
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("countersign route")
        verbose_name_plural = _("countersign routes")
        ordering = ["agency", "kind", "min_amount"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:countersignroute_detail", args=[self.pk])

    def clean(self) -> None:
        if self.max_amount is not None and self.min_amount is not None and self.max_amount <= self.min_amount:
            raise ValidationError({"max_amount": _("The band's upper bound is above its lower bound.")})


class CountersignRouteStep(ScopedModel):
    """A step of a route: a department or a role signs; steps with the same order run in parallel."""

    agency_path = "route__agency"
    role_actions = SETTINGS_ROLE_ACTIONS

    route = models.ForeignKey(CountersignRoute, verbose_name=_("route"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), help_text=_("Steps with the same order sign in parallel."))
    label = models.CharField(_("step"), max_length=80)
    department = models.ForeignKey(
        Organization,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.DEPARTMENT},
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

    class Meta:
        verbose_name = _("countersign route step")
        verbose_name_plural = _("countersign route steps")
        ordering = ["route", "order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:countersignroutestep_detail", args=[self.pk])

    def clean(self) -> None:
        if not self.department_id and not self.role:
            raise ValidationError(_("A step names the department or the role that signs it."))
        if self.role == Role.COMPANY:
            raise ValidationError({"role": _("A company does not countersign the agency's contracts.")})


class CountersignStatus(models.TextChoices):
    RUNNING = "running", _("In progress")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Countersign(ScopedModel):
    """One round of countersigning a contract (a returned contract, resubmitted, starts the next round)."""

    agency_path = "contract__agency"
    party_path = None

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="countersigns"
    )
    route = models.ForeignKey(CountersignRoute, verbose_name=_("route"), on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=CountersignStatus.choices, default=CountersignStatus.RUNNING, db_index=True
    )
    started_at = models.DateTimeField(_("started"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("countersign")
        verbose_name_plural = _("countersigns")
        ordering = ["contract", "-round"]
        constraints = [models.UniqueConstraint(fields=["contract", "round"], name="countersign_unique_round")]

    def __str__(self) -> str:
        return f"{self.contract} · {self.round}"

    def get_absolute_url(self) -> str:
        return self.contract.get_absolute_url()

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PENDING = "pending", _("To sign")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    SKIPPED = "skipped", _("Not needed")


class CountersignStep(ScopedModel):
    """A step of a countersign round: who signs, when it opened, who acted, when and with what comment."""

    agency_path = "countersign__contract__agency"

    countersign = models.ForeignKey(
        Countersign, verbose_name=_("countersign"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("step"), max_length=80)
    department = models.ForeignKey(
        Organization, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    acted_at = models.DateTimeField(_("acted"), null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("countersign step")
        verbose_name_plural = _("countersign steps")
        ordering = ["countersign", "order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.label}"

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.opened_at is None or self.acted_at is None:
            return None
        return self.acted_at - self.opened_at

    def may_act(self, user: User) -> bool:
        """Whether `user` is one of those who sign this step."""
        if self.status != StepStatus.PENDING or not user.is_authenticated or user.role == Role.COMPANY:
            return False
        if self.department_id and user.organization_id != self.department_id:
            return False
        return not self.role or user.role == self.role


# ---- changes (变更/签证) -----------------------------------------------------------------------------------


class ChangeKind(models.TextChoices):
    DESIGN = "design", _("Design change (设计变更)")
    SITE = "site", _("Site instruction (现场签证)")
    QUANTITY = "quantity", _("Quantity adjustment (工程量调整)")
    PRICE = "price", _("Price adjustment (价格调整)")


class ApprovalLevel(models.IntegerChoices):
    DIRECTOR = 1, _("Project director (项目主任)")
    DEPARTMENT = 2, _("Department head (部门负责人)")
    LEADER = 3, _("Agency leader (分管领导)")
    MEETING = 4, _("Leadership meeting (署务会)")


# Who may give each level's approval.
LEVEL_ROLES: dict[int, frozenset[str]] = {
    ApprovalLevel.DIRECTOR: frozenset({Role.DIRECTOR, Role.STAFF, Role.LEADER, Role.ADMIN}),
    ApprovalLevel.DEPARTMENT: frozenset({Role.STAFF, Role.LEADER, Role.ADMIN}),
    ApprovalLevel.LEADER: frozenset({Role.LEADER, Role.ADMIN}),
    ApprovalLevel.MEETING: frozenset({Role.LEADER, Role.ADMIN}),
}


class ChangeBand(ScopedModel):
    """An approval band for changes: up to an amount and a cumulative %, the level that approves."""

    role_actions = SETTINGS_ROLE_ACTIONS

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    level = models.PositiveSmallIntegerField(_("approved by"), choices=ApprovalLevel.choices)
    max_amount = money_field(_("single change up to (元)"), null=True, blank=True, help_text=_("Empty: any amount."))
    max_cumulative_percent = models.DecimalField(
        _("cumulative change below (%)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: any cumulative change."),
    )
    needs_committee = models.BooleanField(_("technical committee review (技术委员会)"), default=False)
    flags_audit = models.BooleanField(_("flags an audit"), default=False)

    class Meta:
        verbose_name = _("change approval band")
        verbose_name_plural = _("change approval bands")
        ordering = ["agency", "level"]
        constraints = [models.UniqueConstraint(fields=["agency", "level"], name="changeband_unique_level")]

    def __str__(self) -> str:
        return self.get_level_display()

    def get_absolute_url(self) -> str:
        return reverse("contracts:changeband_detail", args=[self.pk])


# STANDARDS.md §6: 10 % cumulative change is the defensible audit flag; the lower bands are policy defaults.
DEFAULT_CHANGE_BANDS: tuple[tuple[int, Decimal | None, Decimal | None, bool, bool], ...] = (
    (ApprovalLevel.DIRECTOR, 10 * WAN, Decimal("3"), False, False),
    (ApprovalLevel.DEPARTMENT, 50 * WAN, Decimal("5"), False, False),
    (ApprovalLevel.LEADER, 200 * WAN, Decimal("10"), True, False),
    (ApprovalLevel.MEETING, None, None, True, True),
)


# A company requests changes and submits claims on the contracts it is a party to (its scope), and edits
# them while they are drafts or returned (the services check the status); it never deletes.
PARTY_ROLE_ACTIONS: dict[str, frozenset[str]] = {
    **DEFAULT_ROLE_ACTIONS,
    Role.COMPANY: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT}),
}


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")


class Change(ScopedModel, VoidableModel):
    """A change to a contract's price (变更/签证): its reason, amount, evidence and approvals."""

    agency_path = "contract__agency"
    role_actions = PARTY_ROLE_ACTIONS

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="changes")
    number = models.CharField(_("change number"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    amount = signed_money_field(_("amount (元, negative reduces the price)"))
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT, db_index=True
    )
    level_required = models.PositiveSmallIntegerField(
        _("approval required"), choices=ApprovalLevel.choices, null=True, blank=True, editable=False
    )
    level_approved = models.PositiveSmallIntegerField(
        _("approved up to"), choices=ApprovalLevel.choices, null=True, blank=True, editable=False
    )
    cumulative_percent = models.DecimalField(
        _("cumulative change with it (%)"), max_digits=8, decimal_places=2, null=True, blank=True, editable=False
    )
    needs_committee = models.BooleanField(_("technical committee review"), default=False, editable=False)
    committee_topic = models.CharField(_("committee topic (议题)"), max_length=120, blank=True)
    committee_decided_on = models.DateField(_("committee decided on"), null=True, blank=True)
    flags_audit = models.BooleanField(_("flags an audit"), default=False, editable=False)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-submitted_on", "-id"]
        indexes = [models.Index(fields=["contract", "status"], name="change_contract_status")]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:change_detail", args=[self.pk])

    def must_void(self) -> bool:
        return self.status != ChangeStatus.DRAFT

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Contract.party_q(user.organization_id, prefix="contract__")
        return super().scope_q(user)


class ChangeApproval(ScopedModel):
    """One level's decision on a change."""

    agency_path = "change__contract__agency"

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("level"), choices=ApprovalLevel.choices)
    approved = models.BooleanField(_("approved"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("change approval")
        verbose_name_plural = _("change approvals")
        ordering = ["change", "level", "decided_at"]

    def __str__(self) -> str:
        return f"{self.change} · {self.get_level_display()}"


class SpotCheck(ScopedModel):
    """A spot check of changes (变更抽查): a reproducible draw from a period's approved changes."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    name = models.CharField(_("name"), max_length=120)
    period_from = models.DateField(_("changes approved from"))
    period_to = models.DateField(_("changes approved to"))
    size = models.PositiveSmallIntegerField(_("changes drawn"), validators=[MinValueValidator(1)])
    seed = models.CharField(_("draw seed"), max_length=64, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    population = models.PositiveIntegerField(_("changes in the period"), default=0, editable=False)
    conclusion = models.TextField(_("conclusion"), blank=True)

    class Meta:
        verbose_name = _("change spot check")
        verbose_name_plural = _("change spot checks")
        ordering = ["-period_to", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:spotcheck_detail", args=[self.pk])

    def clean(self) -> None:
        if self.period_from and self.period_to and self.period_to < self.period_from:
            raise ValidationError({"period_to": _("The period ends after it starts.")})


class SpotCheckItem(ScopedModel):
    """A change drawn in a spot check, with what the check found."""

    agency_path = "spot_check__agency"

    spot_check = models.ForeignKey(
        SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE, related_name="items"
    )
    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.PROTECT, related_name="spot_checks")
    finding = models.TextField(_("finding"), blank=True)
    compliant = models.BooleanField(_("compliant"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot-checked change")
        verbose_name_plural = _("spot-checked changes")
        ordering = ["spot_check", "id"]
        constraints = [models.UniqueConstraint(fields=["spot_check", "change"], name="spotcheckitem_unique")]

    def __str__(self) -> str:
        return f"{self.spot_check} · {self.change}"


# ---- measured payment claims (计量支付) ---------------------------------------------------------------------


class ClaimKind(models.TextChoices):
    ADVANCE = "advance", _("Advance (预付款)")
    PROGRESS = "progress", _("Progress (进度款)")
    SETTLEMENT = "settlement", _("Settlement (结算款)")
    RETENTION = "retention", _("Retention release (质保金)")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SUPERVISOR_REVIEWED = "supervised", _("Reviewed by the supervisor")
    CONSULTANT_REVIEWED = "costed", _("Reviewed by the cost consultant")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Claim(ScopedModel, VoidableModel):
    """A payment claim (计量支付申请) of a contract for a period: claimed, reviewed twice, approved; what is
    withheld as retention and recovered of the advance; what is payable."""

    agency_path = "contract__agency"
    role_actions = PARTY_ROLE_ACTIONS

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="claims")
    number = models.PositiveIntegerField(_("claim number"), editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimKind.choices, default=ClaimKind.PROGRESS)
    period_end = models.DateField(_("period ending"))
    claimed_amount = money_field(_("claimed (元)"))
    supervisor_amount = money_field(_("reviewed by the supervisor (元)"), null=True, blank=True)
    consultant_amount = money_field(_("reviewed by the cost consultant (元)"), null=True, blank=True)
    approved_amount = money_field(_("approved (元)"), null=True, blank=True)
    retention_withheld = money_field(_("retention withheld (元)"), default=Decimal("0"))
    advance_recovered = money_field(_("advance recovered (元)"), default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT, db_index=True
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True, db_index=True)
    cumulative_percent = models.DecimalField(
        _("approved to date (% of the contract with changes)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("payment claim")
        verbose_name_plural = _("payment claims")
        ordering = ["-period_end", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="claim_unique_number")]
        indexes = [models.Index(fields=["contract", "status"], name="claim_contract_status")]

    def __str__(self) -> str:
        return f"{self.contract} · {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:claim_detail", args=[self.pk])

    def must_void(self) -> bool:
        return self.status == ClaimStatus.APPROVED

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees the claims of its contracts, and a supervisor (监理) those of the projects it
        supervises a section of (it reviews them)."""
        if user.role == Role.COMPANY:
            supervised = Section.objects.filter(supervisor_id=user.organization_id or 0).values("project")
            return Contract.party_q(user.organization_id, prefix="contract__") | Q(contract__project__in=supervised)
        return super().scope_q(user)

    @property
    def payable(self) -> Decimal | None:
        if self.approved_amount is None:
            return None
        return self.approved_amount - (self.retention_withheld or 0) - (self.advance_recovered or 0)


# ---- reviews (预算审核, 结算审核) and final accounts (决算) ------------------------------------------------------


class ReviewKind(models.TextChoices):
    BUDGET = "budget", _("Budget review (预算审核)")
    SETTLEMENT = "settlement", _("Settlement review (结算审核)")
    FINAL = "final", _("Final accounts (决算)")


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (送审)")
    APPROVED = "approved", _("Approved (审定)")


class Review(ScopedModel, VoidableModel):
    """A cost review: the amount submitted (送审), the amount approved (审定), the reduction (审减) and its rate.
    A final-accounts review (决算) is of a whole project; the others may name a contract."""

    agency_path = "project__agency"

    kind = models.CharField(_("kind"), max_length=10, choices=ReviewKind.choices, db_index=True)
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="cost_reviews"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    name = models.CharField(_("subject"), max_length=200)
    submitted_amount = money_field(_("submitted (送审, 元)"))
    approved_amount = money_field(_("approved (审定, 元)"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True, db_index=True)
    reviewer = models.ForeignKey(
        Organization,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The cost consultant or audit office that reviewed it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED, db_index=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("cost review")
        verbose_name_plural = _("cost reviews")
        ordering = ["-approved_on", "-submitted_on", "-id"]
        indexes = [models.Index(fields=["kind", "approved_on"], name="review_kind_approved")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:review_detail", args=[self.pk])

    def must_void(self) -> bool:
        return self.status == ReviewStatus.APPROVED

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Contract.party_q(user.organization_id, prefix="contract__")
        return super().scope_q(user)

    @property
    def reduction(self) -> Decimal | None:
        if self.approved_amount is None:
            return None
        return self.submitted_amount - self.approved_amount

    @property
    def reduction_rate(self) -> Decimal | None:
        if self.approved_amount is None or not self.submitted_amount:
            return None
        return (self.submitted_amount - self.approved_amount) * HUNDRED / self.submitted_amount

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.contract_id and self.project_id and self.contract.project_id != self.project_id:
            errors["contract"] = _("The contract is of another project.")
        if self.kind == ReviewKind.FINAL and self.contract_id:
            errors["contract"] = _("Final accounts are of the whole project, not of a contract.")
        if self.approved_on and self.submitted_on and self.approved_on < self.submitted_on:
            errors["approved_on"] = _("A review is approved after it is submitted.")
        if self.status == ReviewStatus.APPROVED and (self.approved_amount is None or self.approved_on is None):
            errors["approved_amount"] = _("An approved review has its approved amount and date.")
        if errors:
            raise ValidationError(errors)


# ---- subcontract filings (分包备案) ------------------------------------------------------------------------


class SubcontractKind(models.TextChoices):
    SPECIALIST = "specialist", _("Specialist subcontract (专业分包)")
    LABOUR = "labour", _("Labour subcontract (劳务分包)")


class SubcontractQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = Action.VIEW) -> ScopedQuerySet:
        """A company reads the filings of its contracts and its own as subcontractor; it writes only those
        filed under the contracts it is the contractor (乙方) of."""
        queryset = super().for_user(user, action)
        if action not in READ_ACTIONS and getattr(user, "role", None) == Role.COMPANY and not user.is_superuser:
            queryset = queryset.filter(contract__contractor_id=user.organization_id or 0)
        return queryset


class Subcontract(ScopedModel, VoidableModel):
    """A subcontract filed under a main contract (分包备案): the main contractor files it."""

    objects = SubcontractQuerySet.as_manager()

    agency_path = "contract__agency"
    role_actions = {
        **DEFAULT_ROLE_ACTIONS,
        Role.COMPANY: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.EXPORT}),
    }

    contract = models.ForeignKey(
        Contract, verbose_name=_("main contract"), on_delete=models.PROTECT, related_name="subcontracts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SubcontractKind.choices)
    company = models.ForeignKey(
        Organization, verbose_name=_("subcontractor"), on_delete=models.PROTECT, related_name="subcontracts"
    )
    scope = models.CharField(_("scope of work"), max_length=200)
    amount = money_field(_("amount (元)"))
    start_on = models.DateField(_("starts on"))
    end_on = models.DateField(_("ends on"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("subcontract filing")
        verbose_name_plural = _("subcontract filings")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.contract} · {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:subcontract_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Contract.party_q(user.organization_id, prefix="contract__") | Q(company_id=user.organization_id or 0)
        return super().scope_q(user)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.company_id and self.company.kind not in COMPANY_KINDS:
            errors["company"] = _("A subcontractor is a company.")
        if self.company_id and self.contract_id and self.company_id == self.contract.contractor_id:
            errors["company"] = _("A contractor does not subcontract to itself.")
        if self.start_on and self.end_on and self.end_on < self.start_on:
            errors["end_on"] = _("A subcontract cannot end before it starts.")
        if errors:
            raise ValidationError(errors)
