"""Procurement before a contract: tender plans (招标方案) and the scheme library (招标方案通表库) they start from,
tenders with their bids, the evaluation committee's recommended candidates and the award committee's choice
(评定分离), and the award.

A plan says what will be bought for which projects and sections, how (method) and how organised (单独, 批量,
捆绑, 关联定标). The statutory thresholds (《必须招标的工程项目规定》 Art. 5: works ≥ 400万, important goods
≥ 200万, survey/design/supervision and other services ≥ 100万) are checked by `services.check_thresholds`:
a method that is not a tender above its threshold needs a recorded legal ground, and plans of one project,
kind and counterparty that pass a threshold only together are flagged as a suspected split (化整为零).

Scoping: agency staff see their agency's plans and tenders; a company sees the tenders it bid in and its own
bids, and other bidders' bids of those tenders only once the award is made (`Bid.scope_q`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongwu.core.models import Organization, OrganizationKind, ScopedModel, User, VoidableModel
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.core.models.scoping import Role
from gongwu.core.money import format_money
from gongwu.projects.models import Project, Section

WAN = Decimal("10000")


def money_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    """An amount in 元, never negative."""
    return models.DecimalField(
        verbose_name, max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


class SubjectKind(models.TextChoices):
    SURVEY = "survey", _("Survey (勘察)")
    DESIGN = "design", _("Design (设计)")
    WORKS = "works", _("Works (施工)")
    SUPERVISION = "supervision", _("Supervision (监理)")
    CONSULTING = "consulting", _("Whole-process consulting (全过程咨询)")
    EPC = "epc", _("EPC (工程总承包)")
    AGENT = "agent", _("Construction agent (代建)")
    GOODS = "goods", _("Goods and equipment (货物/设备)")
    SERVICES = "services", _("Services (服务)")


class ThresholdClass(models.TextChoices):
    WORKS = "works", _("works")
    GOODS = "goods", _("goods")
    SERVICES = "services", _("services")


# 《必须招标的工程项目规定》 (国家发改委令第16号) Art. 5: the estimate from which a contract must be tendered.
THRESHOLD_CLASS_OF_KIND: dict[str, str] = {
    SubjectKind.WORKS: ThresholdClass.WORKS,
    SubjectKind.EPC: ThresholdClass.WORKS,
    SubjectKind.GOODS: ThresholdClass.GOODS,
    SubjectKind.SURVEY: ThresholdClass.SERVICES,
    SubjectKind.DESIGN: ThresholdClass.SERVICES,
    SubjectKind.SUPERVISION: ThresholdClass.SERVICES,
    SubjectKind.CONSULTING: ThresholdClass.SERVICES,
    SubjectKind.AGENT: ThresholdClass.SERVICES,
    SubjectKind.SERVICES: ThresholdClass.SERVICES,
}
THRESHOLDS: dict[str, Decimal] = {
    ThresholdClass.WORKS: 400 * WAN,
    ThresholdClass.GOODS: 200 * WAN,
    ThresholdClass.SERVICES: 100 * WAN,
}


def threshold_of(kind: str) -> Decimal:
    """The statutory tendering threshold of a subject kind, in 元."""
    return THRESHOLDS[THRESHOLD_CLASS_OF_KIND[kind]]


class Method(models.TextChoices):
    OPEN = "open", _("Open tender (公开招标)")
    INVITED = "invited", _("Invited tender (邀请招标)")
    DIRECT = "direct", _("Direct award (直接委托)")
    NEGOTIATION = "negotiation", _("Competitive negotiation or consultation (竞争性谈判/磋商)")
    SINGLE_SOURCE = "single_source", _("Single source (单一来源)")
    INQUIRY = "inquiry", _("Request for quotation (询价)")
    FRAMEWORK = "framework", _("Selection from a pre-qualified pool (预选库/框架内选取)")


# Methods that are a tender in the sense of the 招标投标法; any other method above the threshold needs a ground.
TENDER_METHODS = frozenset({Method.OPEN, Method.INVITED})


class Organisation(models.TextChoices):
    SINGLE = "single", _("Single (单独招标)")
    BATCH = "batch", _("Batch (批量招标)")
    BUNDLED = "bundled", _("Bundled (捆绑招标)")
    LINKED = "linked", _("Linked award (关联定标)")


class Exemption(models.TextChoices):
    """The legal grounds for not tendering above the threshold."""

    NONE = "", _("none")
    LAW_66 = "law_66", _("招标投标法 Art. 66: national security, state secrets, disaster relief, poverty relief")
    REG_9_1 = "reg_9_1", _("实施条例 Art. 9(1): irreplaceable patent or proprietary technology")
    REG_9_2 = "reg_9_2", _("实施条例 Art. 9(2): the buyer can build, produce or provide it itself")
    REG_9_3 = "reg_9_3", _("实施条例 Art. 9(3): a concession investor chosen by tender provides it")
    REG_9_4 = "reg_9_4", _("实施条例 Art. 9(4): must be bought from the original winner for compatibility")
    REG_9_5 = "reg_9_5", _("实施条例 Art. 9(5): other special cases set by the state")
    POOL = "pool", _("Pool or framework itself chosen by tender (预选库招标)")
    EMERGENCY = "emergency", _("Emergency works (抢险救灾, 应急工程)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    TENDERING = "tendering", _("Tendering")
    DONE = "done", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class SchemeTemplate(ScopedModel):
    """A reusable tender scheme (招标方案通表库): what a plan of this kind usually says."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    name = models.CharField(_("name"), max_length=120)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.OPEN)
    organisation = models.CharField(
        _("organisation"), max_length=10, choices=Organisation.choices, default=Organisation.SINGLE
    )
    qualification = models.TextField(_("qualification requirements"), blank=True)
    evaluation_method = models.CharField(_("evaluation method"), max_length=80, blank=True)
    award_method = models.CharField(_("award method (定标方法)"), max_length=80, blank=True)
    content = models.TextField(_("scheme text"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("tender scheme template")
        verbose_name_plural = _("tender scheme library")
        ordering = ["agency", "subject_kind", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="schemetemplate_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tenders:schemetemplate_detail", args=[self.pk])


class TenderPlan(ScopedModel):
    """A tender plan (招标方案) for one or more projects (批量/捆绑/关联定标 cover several) and their sections."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    project = models.ForeignKey(
        Project, verbose_name=_("lead project"), on_delete=models.PROTECT, related_name="tender_plans"
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("projects covered"), blank=True, related_name="covering_tender_plans"
    )
    sections = models.ManyToManyField(Section, verbose_name=_("sections"), blank=True, related_name="tender_plans")
    scheme = models.ForeignKey(
        SchemeTemplate,
        verbose_name=_("scheme template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    name = models.CharField(_("name"), max_length=200)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices, db_index=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, default=Method.OPEN)
    organisation = models.CharField(
        _("organisation"), max_length=10, choices=Organisation.choices, default=Organisation.SINGLE
    )
    estimate = money_field(_("estimate (元)"))
    counterparty = models.ForeignKey(
        Organization,
        verbose_name=_("intended counterparty"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a direct award, single source or selection from a pool: the company chosen."),
    )
    exemption = models.CharField(_("legal ground"), max_length=12, choices=Exemption.choices, blank=True)
    legal_ground = models.TextField(_("legal ground explained"), blank=True)
    planned_notice_on = models.DateField(_("planned notice"), null=True, blank=True)
    planned_award_on = models.DateField(_("planned award"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    split_suspected = models.BooleanField(_("suspected split (化整为零)"), default=False, editable=False)
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("tender plan")
        verbose_name_plural = _("tender plans")
        ordering = ["-planned_notice_on", "-id"]
        indexes = [models.Index(fields=["agency", "subject_kind"], name="tenderplan_agency_kind")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tenders:tenderplan_detail", args=[self.pk])

    @property
    def threshold(self) -> Decimal:
        return threshold_of(self.subject_kind)

    @property
    def is_tender(self) -> bool:
        return self.method in TENDER_METHODS

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.project_id and self.agency_id and self.project.agency_id != self.agency_id:
            errors["project"] = _("The project belongs to another agency.")
        if self.planned_notice_on and self.planned_award_on and self.planned_award_on < self.planned_notice_on:
            errors["planned_award_on"] = _("The award cannot be planned before the notice.")
        if self.counterparty_id and self.counterparty.kind not in COMPANY_KINDS:
            errors["counterparty"] = _("The counterparty is a company.")
        if (
            self.subject_kind
            and self.method
            and self.estimate is not None
            and not self.is_tender
            and self.estimate >= self.threshold
            and not (self.exemption and self.legal_ground.strip())
        ):
            errors["exemption"] = _(
                "An estimate of %(estimate)s reaches the tendering threshold of %(threshold)s for this kind: "
                "a method other than a tender needs a legal ground, chosen and explained."
            ) % {"estimate": format_money(self.estimate), "threshold": format_money(self.threshold)}
        if errors:
            raise ValidationError(errors)


class TenderStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    NOTICED = "noticed", _("Notice published")
    OPENED = "opened", _("Bids opened")
    EVALUATED = "evaluated", _("Evaluated")
    AWARDED = "awarded", _("Awarded")
    FAILED = "failed", _("Failed (流标)")
    CANCELLED = "cancelled", _("Cancelled")


# A tender's dates, in the order they must come.
TENDER_DATES = ("notice_on", "opening_on", "evaluation_on", "decision_on", "award_notice_on")


class Tender(ScopedModel, VoidableModel):
    """One tender (招标) run from a plan: its dates, control price, bids, candidates and award."""

    agency = models.ForeignKey(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    plan = models.ForeignKey(
        TenderPlan, verbose_name=_("tender plan"), on_delete=models.PROTECT, related_name="tenders"
    )
    number = models.CharField(_("tender number"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices, db_index=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    control_price = money_field(_("control price (招标控制价)"), null=True, blank=True)
    notice_on = models.DateField(_("notice (公告)"), null=True, blank=True)
    opening_on = models.DateField(_("bid opening (开标)"), null=True, blank=True)
    evaluation_on = models.DateField(_("evaluation (评标)"), null=True, blank=True)
    decision_on = models.DateField(_("award decision (定标)"), null=True, blank=True)
    award_notice_on = models.DateField(_("award notice (中标通知)"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TenderStatus.choices, default=TenderStatus.PREPARING, db_index=True
    )
    winner = models.ForeignKey(
        Organization, verbose_name=_("winner"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    award_price = money_field(_("award price (中标价)"), null=True, blank=True)
    award_reason = models.TextField(_("reasons for the award (定标理由)"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-notice_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="tender_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("tenders:tender_detail", args=[self.pk])

    def must_void(self) -> bool:
        return self.status != TenderStatus.PREPARING

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees the tenders it bid in."""
        if user.role == Role.COMPANY:
            return Q(pk__in=Bid.objects.filter(bidder_id=user.organization_id or 0).values("tender"))
        return super().scope_q(user)

    @property
    def is_awarded(self) -> bool:
        return self.status == TenderStatus.AWARDED

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.plan_id and self.agency_id and self.plan.agency_id != self.agency_id:
            errors["plan"] = _("The plan belongs to another agency.")
        previous: tuple[str, Any] | None = None
        for name in TENDER_DATES:
            value = getattr(self, name)
            if value is None:
                continue
            if previous is not None and value < previous[1]:
                errors[name] = _("%(later)s cannot come before %(earlier)s (%(day)s).") % {
                    "later": self._meta.get_field(name).verbose_name,
                    "earlier": self._meta.get_field(previous[0]).verbose_name,
                    "day": previous[1].isoformat(),
                }
            previous = (name, value)
        if errors:
            raise ValidationError(errors)


class Bid(ScopedModel):
    """A company's bid in a tender: price, bond, qualification, the committee's ranking.

    The bond's paying account is a bank number: only its keyed fingerprint (to find bonds paid from one account,
    实施条例 Art. 40(6)) and its last four digits are kept."""

    agency_path = "tender__agency"
    party_path = "bidder"

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(Organization, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="+")
    price = money_field(_("bid price (元)"))
    bond_amount = money_field(_("bid bond (元)"), null=True, blank=True)
    bond_account_fingerprint = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    bond_account_last4 = models.CharField(_("bond account (last 4 digits)"), max_length=4, blank=True, editable=False)
    qualified = models.BooleanField(_("qualified"), default=True)
    disqualified_reason = models.CharField(_("reason disqualified"), max_length=200, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    recommended_rank = models.PositiveSmallIntegerField(_("recommended candidate rank"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    secret_fields = frozenset({"bond_account_fingerprint"})

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["tender", "recommended_rank", "price", "id"]
        constraints = [models.UniqueConstraint(fields=["tender", "bidder"], name="bid_unique_bidder")]

    def __str__(self) -> str:
        return f"{self.tender.number} · {self.bidder}"

    def get_absolute_url(self) -> str:
        return reverse("tenders:bid_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees its own bids, and the other bids of its tenders once they are awarded."""
        if user.role == Role.COMPANY:
            org = user.organization_id or 0
            return Q(bidder_id=org) | Q(
                tender__status=TenderStatus.AWARDED,
                tender__in=Bid.objects.filter(bidder_id=org).values("tender"),
            )
        return super().scope_q(user)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.bidder_id and self.bidder.kind not in COMPANY_KINDS:
            errors["bidder"] = _("A bidder is a company.")
        if not self.qualified and not self.disqualified_reason.strip():
            errors["disqualified_reason"] = _("Say why the bid is disqualified.")
        if self.recommended_rank is not None and not self.qualified:
            errors["recommended_rank"] = _("A disqualified bid cannot be a recommended candidate.")
        if errors:
            raise ValidationError(errors)
