"""Fixed-asset investment (固投): annual plans and their monthly schedule (时序), monthly actuals (完成投资),
plan adjustments (调增/调减) and payments (资金支付).

Money is Decimal in 元 throughout. A plan's `adjusted_amount` is its amount plus its approved increases
minus its approved decreases, kept by `services.decide_adjustment`. Only confirmed actuals count in
official totals; the review (submitted → confirmed or returned) goes through `services`.

A parent agency (a city 工务署) reads the investment records of the agencies below it (its districts), so
its dispatch dashboard can set them side by side; changing them stays with each agency.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.core.models import (
    Organization,
    OrganizationKind,
    ScopedModel,
    ScopedQuerySet,
    User,
    VoidableModel,
    user_may,
)
from gongwu.core.models.scoping import DEFAULT_ROLE_ACTIONS, READ_ACTIONS, SETTINGS_ROLE_ACTIONS, Action, Role
from gongwu.core.models.users import MAX_AGENCY_DEPTH
from gongwu.core.money import format_money
from gongwu.projects.models import PlanCategory, Project

# Nothing a single project plans, completes or pays in a year comes near 1,000 亿元: such a figure is a unit mistake.
ABSURD_AMOUNT = Decimal("100000000000")
MONTHS = range(1, 13)


def overseen_agency_ids(user: Any) -> list[int]:
    """The agencies whose investment a user reads: those they see, and every agency below those."""
    cached = getattr(user, "_overseen_agency_ids", None)
    if cached is not None:
        return cached
    ids = list(user.visible_agency_ids())
    frontier = ids
    for _depth in range(MAX_AGENCY_DEPTH):
        frontier = list(
            Organization.objects.filter(parent__in=frontier, kind=OrganizationKind.AGENCY)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        ids.extend(frontier)
    user._overseen_agency_ids = ids
    return ids


class InvestmentQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Reading reaches the agencies below the user's (a city agency reads its districts); records that
        count in official figures once decided (`final_q`) cannot be deleted."""
        path = self.model.agency_path
        final = getattr(self.model, "final_q", None)
        if action == Action.DELETE and final is not None:
            return super().for_user(user, action).exclude(final)
        if (
            action in READ_ACTIONS
            and path
            and user_may(user, self.model, action)
            and not user.is_superuser
            and user.role != Role.COMPANY
        ):
            return self.filter(**{f"{path}__in": overseen_agency_ids(user)})
        return super().for_user(user, action)


# Companies see only the payments made to them (Payment restores the default table); the rest is the agencies'.
AGENCY_ROLE_ACTIONS = {role: actions for role, actions in DEFAULT_ROLE_ACTIONS.items() if role != Role.COMPANY}


class InvestmentModel(ScopedModel):
    objects = InvestmentQuerySet.as_manager()
    role_actions = AGENCY_ROLE_ACTIONS
    final_q: Q | None = None  # rows that may no longer be deleted

    class Meta:
        abstract = True


def amount_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


def check_amount(
    errors: dict[str, Any], field: str, amount: Decimal | None, project: Project | None, override: bool
) -> None:
    """Negative, absurd, or above the project's approved total investment without the override ticked."""
    if amount is None:
        return
    if amount < 0:
        errors[field] = _("The amount cannot be negative.")
    elif amount > ABSURD_AMOUNT:
        errors[field] = _("%(amount)s is not a plausible amount; amounts are in 元.") % {"amount": format_money(amount)}
    elif project is not None and project.approved_investment and amount > project.approved_investment and not override:
        errors[field] = _(
            "%(amount)s is more than the project's approved total investment of %(approved)s. Check the unit "
            "(元), or tick “above the approved investment” to confirm it."
        ) % {"amount": format_money(amount), "approved": format_money(project.approved_investment)}


class FundingSource(models.TextChoices):
    CITY_FISCAL = "city_fiscal", _("City fiscal funds")
    DISTRICT_FISCAL = "district_fiscal", _("District fiscal funds")
    SPECIAL_BOND = "special_bond", _("Special-purpose bonds")
    OTHER = "other", _("Other funds")


class PaymentRateBase(models.TextChoices):
    FUNDS = "funds", _("funds available for the year")
    PLAN = "plan", _("annual investment plan")
    ACTUAL = "actual", _("investment completed")


def validate_shares(shares: list[Any]) -> list[Decimal]:
    """Twelve cumulative percentages, none below the month before, ending at 100."""
    if len(shares) != 12:
        raise ValidationError(_("Give a cumulative share for each of the 12 months."))
    values = []
    for month, share in zip(MONTHS, shares, strict=True):
        try:
            value = Decimal(str(share))
        except ArithmeticError:
            value = Decimal("NaN")
        if not value.is_finite():
            raise ValidationError(_("Month %(month)s: write a percentage.") % {"month": month})
        if not Decimal(0) <= value <= Decimal(100):
            raise ValidationError(_("Month %(month)s: a share is between 0 and 100%%.") % {"month": month})
        if values and value < values[-1]:
            raise ValidationError(
                _("Month %(month)s: the cumulative share %(share)s%% is below the month before (%(before)s%%).")
                % {"month": month, "share": f"{value.normalize():f}", "before": f"{values[-1].normalize():f}"}
            )
        values.append(value.quantize(Decimal("0.01")))
    if values[-1] != 100:
        raise ValidationError(_("By December the cumulative share must reach 100%."))
    return values


class InvestmentSettings(InvestmentModel):
    """An agency's dispatch settings: classification thresholds and the base of the payment rate."""

    agency = models.OneToOneField(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        limit_choices_to={"kind": OrganizationKind.AGENCY},
        related_name="investment_settings",
    )
    attention_below = models.PositiveSmallIntegerField(
        _("提请关注 threshold (share of schedule, %)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A project whose actual is below this share of its schedule to date is behind (提请关注)."),
    )
    supervision_below = models.PositiveSmallIntegerField(
        _("督办滞后 threshold (share of schedule, %)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Below this share it is seriously behind (督办滞后)."),
    )
    payment_rate_base = models.CharField(
        _("payment rate measured against"),
        max_length=10,
        choices=PaymentRateBase.choices,
        default=PaymentRateBase.FUNDS,
    )

    role_actions = SETTINGS_ROLE_ACTIONS

    class Meta:
        verbose_name = _("investment settings")
        verbose_name_plural = _("investment settings")

    def __str__(self) -> str:
        return f"{self.agency}"

    def get_absolute_url(self) -> str:
        return reverse("investment:investmentsettings_detail", args=[self.pk])

    def clean(self) -> None:
        if (
            self.supervision_below is not None
            and self.attention_below is not None
            and self.supervision_below >= self.attention_below
        ):
            raise ValidationError(
                {"supervision_below": _("The 督办滞后 threshold must be below the 提请关注 threshold.")}
            )

    @classmethod
    def for_agency(cls, agency_id: int | None) -> InvestmentSettings:
        found = cls.objects.filter(agency_id=agency_id).first() if agency_id else None
        return found if found is not None else cls(agency_id=agency_id)


class ScheduleTemplate(InvestmentModel):
    """An agency's standard monthly schedule, e.g. 8% by March, 45% by June, 100% by December."""

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    shares = models.JSONField(_("cumulative shares (%)"), default=list)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Applied to a plan entered without a schedule of its own.")
    )

    class Meta:
        verbose_name = _("schedule template")
        verbose_name_plural = _("schedule templates")
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="scheduletemplate_unique_name"),
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_default=True), name="scheduletemplate_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("investment:scheduletemplate_detail", args=[self.pk])

    def clean(self) -> None:
        try:
            self.shares = [str(s) for s in validate_shares(list(self.shares or []))]
        except ValidationError as exc:
            raise ValidationError({"shares": exc.messages}) from exc
        if self.is_default and self.agency_id:
            others = ScheduleTemplate.objects.filter(agency_id=self.agency_id, is_default=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"is_default": _("The agency already has a default template.")})

    def share_values(self) -> list[Decimal]:
        return [Decimal(s) for s in self.shares]


class AnnualPlan(InvestmentModel):
    """A project's investment plan for one year, its funding source and the funds available for it."""

    agency_path = "project__agency"

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    plan_category = models.CharField(_("plan category"), max_length=20, choices=PlanCategory.choices, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices, default=FundingSource.CITY_FISCAL
    )
    amount = amount_field(_("annual plan (元)"), help_text=_("As first adopted; adjustments change the adjusted plan."))
    adjusted_amount = models.DecimalField(
        _("adjusted plan (元)"), max_digits=16, decimal_places=2, editable=False, default=Decimal(0)
    )
    funds_available = amount_field(
        _("funds available (元)"),
        null=True,
        blank=True,
        help_text=_("Funds for the year (下达资金), the usual base of the payment rate; empty means the plan."),
    )
    over_approved = models.BooleanField(
        _("above the approved investment"),
        default=False,
        help_text=_("Tick to confirm an amount above the project's approved total investment."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("annual investment plan")
        verbose_name_plural = _("annual investment plans")
        ordering = ["-year", "project__code"]
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="annualplan_unique_year")]
        indexes = [models.Index(fields=["year", "project"], name="annualplan_year_project")]

    def __str__(self) -> str:
        return _("%(project)s · %(year)s plan") % {"project": self.project, "year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("investment:annualplan_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        project = self.project if self.project_id else None
        check_amount(errors, "amount", self.amount, project, self.over_approved)
        check_amount(errors, "funds_available", self.funds_available, project, self.over_approved)
        if self.pk and self.amount is not None:
            previous = AnnualPlan.objects.filter(pk=self.pk).values_list("amount", "adjusted_amount").first()
            if previous is not None and self.amount - previous[0] + previous[1] < 0:
                errors["amount"] = _("With its approved decreases the adjusted plan would fall below zero.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.amount is not None:
            if self.pk is None:
                self.adjusted_amount = self.amount
            else:
                previous = AnnualPlan.objects.filter(pk=self.pk).values_list("amount", "adjusted_amount").first()
                if previous is not None:
                    self.adjusted_amount = previous[1] + self.amount - previous[0]
        super().save(*args, **kwargs)

    @property
    def funds_base(self) -> Decimal:
        return self.funds_available if self.funds_available is not None else self.adjusted_amount

    def share_values(self) -> list[Decimal]:
        shares = dict(self.schedule.values_list("month", "share"))
        return [shares.get(m, Decimal(0)) for m in MONTHS]


class ScheduleMonth(InvestmentModel):
    """The cumulative share of a plan to reach by the end of a month (时序进度); written by services.set_schedule."""

    agency_path = "plan__project__agency"

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="schedule")
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    share = models.DecimalField(
        _("cumulative share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    max_actions = frozenset({"view", "export"})

    class Meta:
        verbose_name = _("schedule month")
        verbose_name_plural = _("schedule months")
        ordering = ["plan", "month"]
        constraints = [models.UniqueConstraint(fields=["plan", "month"], name="schedulemonth_unique_month")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.month}: {self.share}%"

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()


class ActualStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class MonthlyActual(VoidableModel, InvestmentModel):
    """The investment a project completed in one month (本月完成投资), as its team reports it.

    Only confirmed figures count in official totals. The plan is found from the project and the month's year.
    A confirmed figure is never deleted: a wrong one is voided with a reason and the month reported again.
    """

    agency_path = "project__agency"
    final_q = Q(status=ActualStatus.CONFIRMED)

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="actuals", editable=False
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month; stored as its first day."))
    amount = amount_field(_("completed this month (元)"))
    over_approved = models.BooleanField(_("above the approved investment"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActualStatus.choices, default=ActualStatus.DRAFT, editable=False
    )
    submitted_by = models.ForeignKey(
        User, verbose_name=_("submitted by"), on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, editable=False)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, editable=False)
    return_reason = models.CharField(_("reason returned"), max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("monthly actual")
        verbose_name_plural = _("monthly actuals")
        ordering = ["-month", "project__code"]
        constraints = [
            # One counted report per project and month; a voided one stays beside its correction.
            models.UniqueConstraint(
                fields=["project", "month"], condition=Q(voided_at__isnull=True), name="monthlyactual_unique_month"
            )
        ]
        indexes = [models.Index(fields=["plan", "status", "month"], name="monthlyactual_plan_status")]

    def __str__(self) -> str:
        return f"{self.project} · {self.month:%Y-%m}"

    REPORTED = ("project_id", "month", "amount", "over_approved", "note")

    def get_absolute_url(self) -> str:
        return reverse("investment:monthlyactual_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.month:
            self.month = self.month.replace(day=1)
            if self.month > timezone.localdate():
                errors["month"] = _("Investment cannot be reported for a month that has not begun.")
        if self.pk:
            stored = MonthlyActual.objects.filter(pk=self.pk).values("status", *self.REPORTED).first()
            if stored and stored["status"] == ActualStatus.CONFIRMED:
                current = {name: getattr(self, name) for name in self.REPORTED}
                if self.month:
                    current["month"] = self.month.replace(day=1)
                if any(current[name] != stored[name] for name in self.REPORTED):
                    errors["amount"] = _("This month's figure is confirmed and can no longer change.")
        if self.project_id and self.month and "month" not in errors:
            plan = AnnualPlan.objects.filter(project_id=self.project_id, year=self.month.year).first()
            if plan is None:
                errors["month"] = _("The project has no investment plan for %(year)s; enter the plan first.") % {
                    "year": self.month.year
                }
            else:
                self.plan = plan
            clash = MonthlyActual.objects.filter(
                project_id=self.project_id, month=self.month, voided_at__isnull=True
            ).exclude(pk=self.pk)
            status = clash.values_list("status", flat=True).first()
            if status == ActualStatus.CONFIRMED:
                errors["month"] = _("%(month)s is already confirmed for this project.") % {
                    "month": f"{self.month:%Y-%m}"
                }
            elif status is not None:
                errors["month"] = _("%(month)s is already reported for this project; change that report.") % {
                    "month": f"{self.month:%Y-%m}"
                }
        check_amount(errors, "amount", self.amount, self.project if self.project_id else None, self.over_approved)
        if errors:
            raise ValidationError(errors)

    @property
    def counts(self) -> bool:
        return self.status == ActualStatus.CONFIRMED and self.voided_at is None

    def must_void(self) -> bool:
        """A confirmed figure is voided, never deleted; a draft, submitted or returned one may be deleted."""
        return self.status == ActualStatus.CONFIRMED

    def may_void(self) -> bool:
        return self.status == ActualStatus.CONFIRMED and self.voided_at is None


class AdjustmentDirection(models.TextChoices):
    INCREASE = "increase", _("Increase (调增)")
    DECREASE = "decrease", _("Decrease (调减)")


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlanAdjustment(InvestmentModel):
    """A change to a plan (调增/调减). It changes the adjusted plan once approved (services.decide_adjustment)."""

    agency_path = "plan__project__agency"
    final_q = ~Q(status=AdjustmentStatus.PENDING)

    plan = models.ForeignKey(AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="adjustments")
    direction = models.CharField(_("direction"), max_length=10, choices=AdjustmentDirection.choices)
    amount = amount_field(_("amount (元)"))
    reason = models.TextField(_("reason"))
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    document_number = models.CharField(_("approval document"), max_length=80, blank=True)
    status = models.CharField(
        _("approval status"),
        max_length=10,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PENDING,
        editable=False,
    )
    decided_on = models.DateField(_("decided on"), null=True, editable=False)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = _("plan adjustment")
        verbose_name_plural = _("plan adjustments")
        ordering = ["-requested_on", "-id"]
        indexes = [models.Index(fields=["status", "decided_on"], name="planadjustment_decided")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_direction_display()} {format_money(self.amount)}"

    def get_absolute_url(self) -> str:
        return reverse("investment:planadjustment_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.pk:
            stored = PlanAdjustment.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored and stored != AdjustmentStatus.PENDING:
                errors["amount"] = _("A decided adjustment can no longer change.")
        if self.amount is not None:
            if self.amount <= 0:
                errors["amount"] = _("An adjustment is a positive amount; choose increase or decrease.")
            elif self.amount > ABSURD_AMOUNT:
                errors["amount"] = _("%(amount)s is not a plausible amount; amounts are in 元.") % {
                    "amount": format_money(self.amount)
                }
            elif (
                self.plan_id
                and self.direction == AdjustmentDirection.DECREASE
                and self.amount > self.plan.adjusted_amount
            ):
                errors["amount"] = _("The decrease is larger than the adjusted plan of %(plan)s.") % {
                    "plan": format_money(self.plan.adjusted_amount)
                }
        if self.plan_id and self.requested_on and self.requested_on.year != self.plan.year:
            errors["requested_on"] = _("An adjustment of the %(year)s plan is dated in %(year)s.") % {
                "year": self.plan.year
            }
        if errors:
            raise ValidationError(errors)

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == AdjustmentDirection.INCREASE else -self.amount


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("Advance payment (预付款)")
    PROGRESS = "progress", _("Progress payment (进度款)")
    SETTLEMENT = "settlement", _("Settlement payment (结算款)")
    RETENTION = "retention", _("Retention money (质保金)")


class Payment(InvestmentModel):
    """Money paid out of a project's funds to a company (资金支付)."""

    agency_path = "project__agency"
    party_path = "payee"
    role_actions = DEFAULT_ROLE_ACTIONS

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+")
    paid_on = models.DateField(_("paid on"))
    amount = amount_field(_("amount (元)"))
    kind = models.CharField(_("kind"), max_length=12, choices=PaymentKind.choices, default=PaymentKind.PROGRESS)
    payee = models.ForeignKey(
        Organization,
        verbose_name=_("payee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contract_number = models.CharField(_("contract number"), max_length=80, blank=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    claim = models.ForeignKey(
        "contracts.Claim",
        verbose_name=_("payment claim"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    voucher_number = models.CharField(_("voucher number"), max_length=80, blank=True)
    over_approved = models.BooleanField(_("above the approved investment"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        indexes = [models.Index(fields=["project", "paid_on"], name="payment_project_paid")]

    def __str__(self) -> str:
        return f"{self.project} · {self.paid_on} · {format_money(self.amount)}"

    def get_absolute_url(self) -> str:
        return reverse("investment:payment_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.paid_on and self.paid_on > timezone.localdate():
            errors["paid_on"] = _("A payment cannot be dated in the future.")
        if self.amount is not None and self.amount == 0:
            errors["amount"] = _("A payment is more than zero.")
        check_amount(errors, "amount", self.amount, self.project if self.project_id else None, self.over_approved)
        if self.payee_id and not self.payee.is_company:
            errors["payee"] = _("The payee is a company taking part in the project.")
        if errors:
            raise ValidationError(errors)


def month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


class PlanMonthFigures(models.Model):
    """A plan's figures at the end of one month of its year, kept ahead of time for the dashboard (the rollup).

    Written only by `gongwu.investment.rollup`, in the transaction of every write that changes them (an actual
    reported, confirmed or voided, a payment, a schedule or an adjusted plan); `gongwu rebuild_investment_rollup`
    recomputes them from the records. Not a record anyone edits, so not scoped: read through the plans.
    """

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="month_figures")
    # the plan's agency and year, copied so the agency's monthly sums need no join (kept with the project's agency)
    agency = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    scheduled = models.DecimalField(max_digits=18, decimal_places=2)  # cumulative, rounded to the fen
    status = models.CharField(max_length=10, blank=True)  # of the month's counted report; "" when none
    reported = models.DecimalField(max_digits=18, decimal_places=2)  # that report's amount, whatever its status
    actual = models.DecimalField(max_digits=18, decimal_places=2)  # confirmed in the month
    actual_to_date = models.DecimalField(max_digits=18, decimal_places=2)
    unconfirmed_to_date = models.DecimalField(max_digits=18, decimal_places=2)
    paid = models.DecimalField(max_digits=18, decimal_places=2)
    paid_to_date = models.DecimalField(max_digits=18, decimal_places=2)

    not_logged_because = "figures derived from the logged plans, actuals and payments, rebuilt at will"

    class Meta:
        verbose_name = _("plan figures of a month")
        verbose_name_plural = _("plan figures by month")
        constraints = [models.UniqueConstraint(fields=["month", "plan"], name="planmonthfigures_unique_month")]
        indexes = [models.Index(fields=["agency", "year", "month"], name="planmonthfigures_agency_year")]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.month}"


class AgencyMonthFigures(models.Model):
    """An agency's plans of a year summed at the end of one month, by the status of the month's report: the
    dashboard's curves, its notice of unconfirmed months and last year's figure read these few rows instead of
    summing every plan's (`PlanMonthFigures`) on each request.

    Kept by `gongwu.investment.rollup` in the transaction of the same writes, by adding what a refresh changed
    in the plans' rows (an exact difference: amounts are in fen, as integers, on every database). A project
    moved to another agency or deleted (writes of the projects app) is noticed by the dashboard, whose count of
    plans then differs from `plans`, and the agency's rows are recomputed (`rollup.heal`).
    """

    agency = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, blank=True)  # of the plans' reports of the month; "" when none
    plans = models.IntegerField()
    # sums in fen (元 × 100), so that adding and taking away never drifts, even where decimals are floats
    reported = models.BigIntegerField()
    scheduled = models.BigIntegerField()
    actual_to_date = models.BigIntegerField()
    paid_to_date = models.BigIntegerField()

    not_logged_because = "sums of the plans' rollup rows, derived from logged records and rebuilt at will"

    class Meta:
        verbose_name = _("agency figures of a month")
        verbose_name_plural = _("agency figures by month")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "month", "status"], name="agencymonthfigures_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} · {self.year}-{self.month:02d} · {self.status or '-'}"
