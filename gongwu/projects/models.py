"""Projects and their whole life: stages, approvals (前期手续), milestones, progress, annual task lists, awards.

A project belongs to one agency (`agency`); everything else hangs on a project and is scoped through it.
Key dates (`started_on`, `completed_on`) are derived from the milestones, never typed twice.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongwu.core.models import Organization, OrganizationKind, Role, ScopedModel, ScopedQuerySet, User
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.core.models.scoping import SETTINGS_ROLE_ACTIONS


class Stage(models.TextChoices):
    RESERVE = "reserve", _("Reserve")
    PREPARATION = "preparation", _("Preparation")
    CONSTRUCTION = "construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    SETTLEMENT = "settlement", _("Settlement")
    FINAL_ACCOUNTS = "final_accounts", _("Final accounts")
    HANDOVER = "handover", _("Handed over")
    WARRANTY = "warranty", _("Warranty")


STAGE_ORDER = {value: index for index, value in enumerate(Stage.values)}


class CategoryGroup(models.TextChoices):
    BUILDING = "building", _("Buildings")
    MUNICIPAL = "municipal", _("Municipal works")
    WATER = "water", _("Water works")
    LANDSCAPE = "landscape", _("Landscape")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")
    OFFICE = "office", _("Office building")
    HOUSING = "housing", _("Public housing")
    BUILDING_OTHER = "building_other", _("Other building")
    ROAD = "road", _("Road")
    BRIDGE = "bridge", _("Bridge")
    TUNNEL = "tunnel", _("Tunnel")
    PIPELINE = "pipeline", _("Pipe network")
    MUNICIPAL_OTHER = "municipal_other", _("Other municipal works")
    WATER = "water", _("Water works")
    LANDSCAPE = "landscape", _("Landscape")
    OTHER = "other", _("Other")


CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    CategoryGroup.BUILDING: (
        Category.SCHOOL,
        Category.HOSPITAL,
        Category.CULTURE_SPORTS,
        Category.OFFICE,
        Category.HOUSING,
        Category.BUILDING_OTHER,
    ),
    CategoryGroup.MUNICIPAL: (
        Category.ROAD,
        Category.BRIDGE,
        Category.TUNNEL,
        Category.PIPELINE,
        Category.MUNICIPAL_OTHER,
    ),
    CategoryGroup.WATER: (Category.WATER,),
    CategoryGroup.LANDSCAPE: (Category.LANDSCAPE,),
    CategoryGroup.OTHER: (Category.OTHER,),
}
GROUP_OF_CATEGORY = {c: g for g, cats in CATEGORY_GROUPS.items() for c in cats}


class DeliveryMethod(models.TextChoices):
    GENERAL_CONTRACT = "general_contract", _("General contracting")
    EPC = "epc", _("EPC")
    DB = "db", _("Design-build")
    AGENT = "agent", _("Agent construction (代建)")
    WHOLE_PROCESS = "whole_process", _("Whole-process consulting")


class PlanCategory(models.TextChoices):
    """The category of a project in a year's investment plan: kept on each annual plan (investment's
    `AnnualPlan.plan_category`), the one source of it; defined here, where investment's choices come from."""

    CONTINUING = "continuing", _("Continuing")
    NEW_START = "new_start", _("New start")
    UNPLANNED = "unplanned", _("Unplanned addition")
    RESERVE = "reserve", pgettext_lazy("plan category", "Reserve")


class IntakeSource(models.TextChoices):
    """How a project came to the agency (项目接收)."""

    PLAN = "plan", _("Assigned in the investment plan (发改下达)")
    USER_UNIT = "user_unit", _("Handed over by the user unit")
    PRELIMINARY = "preliminary", _("Handed over by the preliminary-works unit (前期单位)")
    AGENCY = "agency", _("Transferred from another agency (移交)")
    OTHER = "other", _("Other")


class LeadTimeBasis(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


def quantity_field(verbose_name: Any, max_digits: int, decimal_places: int) -> models.DecimalField:
    """An optional, non-negative amount or measure (money in 元, areas in ㎡, lengths in km)."""
    return models.DecimalField(
        verbose_name,
        max_digits=max_digits,
        decimal_places=decimal_places,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )


class ProjectChild(ScopedModel):
    """Base of the records that hang on one project: scoped and logged under the project's agency."""

    agency_path = "project__agency"

    class Meta:
        abstract = True


DEFAULT_CODE_PATTERN = "{year}-{seq:04d}"
CODE_FIELDS = {"year", "seq", "category", "agency"}


def validate_code_pattern(pattern: str) -> None:
    names = set(re.findall(r"{(\w+)(?::[^}]*)?}", pattern))
    if "seq" not in names:
        raise ValidationError(_("The pattern must contain {seq}, the running number."))
    unknown = names - CODE_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s. Use {year}, {seq}, {category} and {agency}.")
            % {"names": ", ".join(sorted(unknown))}
        )
    try:
        pattern.format(year=2024, seq=1, category="school", agency="GW")
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError(_("The pattern cannot be used: %(error)s") % {"error": exc}) from exc


class ProjectSettings(ScopedModel):
    """An agency's project settings: how codes are made and the approval lead-time target."""

    agency = models.OneToOneField(
        Organization,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        limit_choices_to={"kind": OrganizationKind.AGENCY},
        related_name="project_settings",
    )
    code_pattern = models.CharField(
        _("project code pattern"),
        max_length=60,
        default=DEFAULT_CODE_PATTERN,
        validators=[validate_code_pattern],
        help_text=_(
            "Placeholders: {year}, {seq} (running number within the year, e.g. {seq:04d}), {category}, {agency}."
        ),
    )
    agency_code = models.CharField(_("agency code"), max_length=20, blank=True, help_text=_("Used as {agency}."))
    lead_time_target = models.PositiveIntegerField(
        _("lead time target (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text=_("Target from project approval (立项) to construction permit (施工许可)."),
    )
    lead_time_basis = models.CharField(
        _("lead time counted in"), max_length=10, choices=LeadTimeBasis.choices, default=LeadTimeBasis.CALENDAR
    )

    role_actions = SETTINGS_ROLE_ACTIONS

    class Meta:
        verbose_name = _("project settings")
        verbose_name_plural = _("project settings")

    def __str__(self) -> str:
        return f"{self.agency}"

    def get_absolute_url(self) -> str:
        return reverse("projects:projectsettings_detail", args=[self.pk])

    @classmethod
    def for_agency(cls, agency: Organization | None) -> ProjectSettings:
        if agency is None:
            return cls()
        found = cls.objects.filter(agency=agency).first()
        return found if found is not None else cls(agency=agency)


class ProjectTag(ScopedModel):
    """A configurable flag on projects (重点, 民生, 市投市建 …), defined per agency."""

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=30)
    color = models.CharField(_("colour"), max_length=20, default="blue", blank=True)

    class Meta:
        verbose_name = _("project tag")
        verbose_name_plural = _("project tags")
        ordering = ["agency", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="projecttag_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:projecttag_detail", args=[self.pk])


class ApprovalRole(models.TextChoices):
    """What an approval kind means to the platform's rules (gates and lead time)."""

    OTHER = "other", _("Other")
    PROJECT_APPROVAL = "project_approval", _("Project approval (立项)")
    CONSTRUCTION_PERMIT = "construction_permit", _("Construction permit")
    COMPLETION_ACCEPTANCE = "completion_acceptance", _("Completion acceptance")


class ApprovalKindQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Everyone sees the built-in kinds; only a superuser changes them."""
        queryset = super().for_user(user, action)
        if action != "view" and not getattr(user, "is_superuser", False):
            queryset = queryset.filter(agency__isnull=False)
        return queryset


class ApprovalKind(ScopedModel):
    """A kind of pre-construction approval. Built-in kinds have no agency; an agency may add its own."""

    objects = ApprovalKindQuerySet.as_manager()

    agency = models.ForeignKey(
        Organization, verbose_name=_("agency"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    role = models.CharField(_("rule role"), max_length=30, choices=ApprovalRole.choices, default=ApprovalRole.OTHER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval kind")
        verbose_name_plural = _("approval kinds")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="approvalkind_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:approvalkind_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == "company":
            return Q(agency__isnull=True)
        return Q(agency__isnull=True) | Q(agency__in=user.visible_agency_ids())

    def clean(self) -> None:
        if self.role != ApprovalRole.OTHER:
            clash = ApprovalKind.objects.filter(role=self.role, is_active=True).filter(
                Q(agency__isnull=True) | Q(agency=self.agency_id)
            )
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {
                        "role": _("Another approval kind already plays the role “%(role)s”.")
                        % {"role": self.get_role_display()}
                    }
                )


class Project(ScopedModel):
    agency = models.ForeignKey(
        Organization,
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": OrganizationKind.AGENCY},
    )
    code = models.CharField(
        _("project code"),
        max_length=40,
        blank=True,
        help_text=_("Left empty, it is generated from the agency's pattern."),
    )
    name = models.CharField(_("project name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    department = models.ForeignKey(
        Organization,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.DEPARTMENT},
    )
    director = models.ForeignKey(
        User, verbose_name=_("project director"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, db_index=True)
    area = models.CharField(_("area (片区)"), max_length=60, blank=True)
    delivery_method = models.CharField(
        _("delivery method"), max_length=20, choices=DeliveryMethod.choices, default=DeliveryMethod.GENERAL_CONTRACT
    )
    # 项目接收: when and how the agency took the project over; "projects received in a period" counts these.
    received_on = models.DateField(
        _("received on (接收)"), null=True, blank=True, help_text=_("The day the agency took the project over.")
    )
    received_source = models.CharField(_("received as"), max_length=20, choices=IntakeSource.choices, blank=True)
    received_from = models.CharField(
        _("received from"),
        max_length=120,
        blank=True,
        help_text=_("Who handed it over: 市发展和改革委员会, the user unit, a district agency…"),
    )
    tags = models.ManyToManyField(ProjectTag, verbose_name=_("tags"), blank=True, related_name="projects")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PREPARATION, db_index=True)
    stage_entered_on = models.DateField(_("stage entered on"), null=True, blank=True)
    approved_investment = quantity_field(_("approved total investment (元)"), 16, 2)
    budget_estimate = quantity_field(_("budget estimate (概算, 元)"), 16, 2)
    user_unit = models.ForeignKey(
        Organization,
        verbose_name=_("user unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.USER_UNIT},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    uses_bim = models.BooleanField(_("BIM used"), default=False)
    is_green = models.BooleanField(_("green building"), default=False)
    is_near_zero_carbon = models.BooleanField(_("near-zero-carbon"), default=False)
    is_prefabricated = models.BooleanField(_("prefabricated"), default=False)
    prefabricated_area = quantity_field(_("prefabricated floor area (㎡)"), 12, 2)
    school_places = models.PositiveIntegerField(_("school places"), null=True, blank=True)
    hospital_beds = models.PositiveIntegerField(_("hospital beds"), null=True, blank=True)
    parking_spaces = models.PositiveIntegerField(_("parking spaces"), null=True, blank=True)
    road_length_km = quantity_field(_("road length (km)"), 9, 3)
    floor_area = quantity_field(_("floor area (㎡)"), 12, 2)
    description = models.TextField(_("description"), blank=True)
    # Derived from the milestones (开工 and 竣工验收 actual dates) by `refresh_key_dates`.
    started_on = models.DateField(_("started on"), null=True, blank=True, editable=False)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, editable=False)
    progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["agency_id", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="project_unique_code")]
        indexes = [
            models.Index(fields=["agency", "stage"], name="project_agency_stage"),
            models.Index(fields=["agency", "started_on"], name="project_agency_started"),
            models.Index(fields=["agency", "completed_on"], name="project_agency_completed"),
            models.Index(fields=["agency", "received_on"], name="project_agency_received"),
            # A regulator's list sorted over every agency walks these and stops after the page (bench/projects.py)
            models.Index(fields=["approved_investment", "id", "agency"], name="project_sort_investment"),
            models.Index(fields=["progress", "id", "agency"], name="project_sort_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:project_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees the projects it takes part in (its participations that have not ended)."""
        if user.role == Role.COMPANY:
            return Q(pk__in=participating(user.organization_id).values("project"))
        return super().scope_q(user)

    @property
    def category_group(self) -> str:
        return GROUP_OF_CATEGORY.get(self.category, CategoryGroup.OTHER)

    def get_category_group_display(self) -> str:
        return CategoryGroup(self.category_group).label

    def next_code(self) -> str:
        settings = ProjectSettings.for_agency(self.agency if self.agency_id else None)
        year = (self.received_on or timezone.localdate()).year
        values = {
            "year": year,
            "category": self.category or "",
            "agency": settings.agency_code or (self.agency.short_name if self.agency_id else ""),
        }
        pattern = settings.code_pattern or DEFAULT_CODE_PATTERN
        prefix = pattern.split("{seq", 1)[0].format(**values)
        projects = Project.objects.filter(agency_id=self.agency_id)
        seq = projects.filter(code__startswith=prefix).count() + 1
        while projects.filter(code=pattern.format(seq=seq, **values)).exists():
            seq += 1
        return pattern.format(seq=seq, **values)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.agency_id and not self.code:
            self.code = self.next_code()
        if self.parent_id:
            if self.parent_id == self.pk:
                errors["parent"] = _("A project cannot be its own parent.")
            elif self.parent.agency_id != self.agency_id:
                errors["parent"] = _("The parent project belongs to another agency.")
            elif self.parent.parent_id:
                errors["parent"] = _("A sub-project cannot have sub-projects of its own.")
            elif self.pk and self.children.exists():
                errors["parent"] = _("This project has sub-projects, so it cannot become a sub-project.")
        if self.department_id and self.department.parent_id != self.agency_id:
            errors["department"] = _("The department must belong to the owner agency.")
        if (self.received_source or self.received_from) and not self.received_on:
            errors["received_on"] = _("Give the day the project was received.")
        if self.received_on and self.received_on > timezone.localdate():
            errors["received_on"] = _("The date cannot be in the future.")
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.budget_estimate and self.approved_investment and self.budget_estimate > self.approved_investment * 2:
            errors["budget_estimate"] = _(
                "The budget estimate is more than twice the approved investment; check the unit (元)."
            )
        if errors:
            raise ValidationError(errors)

    def refresh_key_dates(self) -> None:
        """Recompute the derived start and completion dates and the latest progress, and store them."""
        dates = dict(
            self.milestones.filter(kind__in=[MilestoneKind.START, MilestoneKind.COMPLETION_ACCEPTANCE])
            .exclude(actual_date=None)
            .values_list("kind", "actual_date")
        )
        latest = self.progress_reports.order_by("-month").values_list("percent", flat=True).first()
        self.started_on = dates.get(MilestoneKind.START)
        self.completed_on = dates.get(MilestoneKind.COMPLETION_ACCEPTANCE)
        self.progress = latest
        Project.objects.filter(pk=self.pk).update(
            started_on=self.started_on, completed_on=self.completed_on, progress=self.progress
        )


class StageChange(ProjectChild):
    """One step of a project's stage history (the timeline); written by `services.change_stage`."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    entered_on = models.DateField(_("entered on"))
    override_reason = models.TextField(_("override reason"), blank=True)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(_("recorded"), auto_now_add=True)

    max_actions = frozenset({"view", "export"})

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["project", "entered_on", "id"]

    def __str__(self) -> str:
        return f"{self.project} → {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return self.project.get_absolute_url()


class Approval(ProjectChild):
    """One pre-construction approval (前期手续) of a project: planned and actual date, document number."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="approvals")
    kind = models.ForeignKey(ApprovalKind, verbose_name=_("approval kind"), on_delete=models.PROTECT, related_name="+")
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=80, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["project", "kind__order", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="approval_unique_kind")]
        indexes = [
            # the permits of a period, for the lead-time figure (figures.lead_times_of), read from the index alone
            models.Index(
                fields=["kind", "actual_date"],
                include=["project"],
                condition=models.Q(actual_date__isnull=False),
                name="approval_kind_obtained",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.kind}"

    def get_absolute_url(self) -> str:
        return reverse("projects:approval_detail", args=[self.pk])

    @property
    def is_late(self) -> bool:
        """Done after its planned date, or not done and its planned date has passed."""
        if self.planned_date is None:
            return False
        if self.actual_date is not None:
            return self.actual_date > self.planned_date
        return self.planned_date < timezone.localdate()

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.actual_date and self.actual_date > today:
            errors["actual_date"] = _("The actual date cannot be in the future.")
        if self.kind_id and self.project_id and self.kind.agency_id not in (None, self.project.agency_id):
            errors["kind"] = _("This approval kind belongs to another agency.")
        if self.kind_id and self.project_id and self.actual_date:
            order = self.kind.role
            others = Approval.objects.filter(project_id=self.project_id).exclude(pk=self.pk).select_related("kind")
            dates = {a.kind.role: a.actual_date for a in others if a.actual_date}
            if (
                order == ApprovalRole.CONSTRUCTION_PERMIT
                and dates.get(ApprovalRole.PROJECT_APPROVAL, self.actual_date) > self.actual_date
            ):
                errors["actual_date"] = _("The construction permit cannot come before the project approval.")
            if (
                order == ApprovalRole.PROJECT_APPROVAL
                and dates.get(ApprovalRole.CONSTRUCTION_PERMIT, self.actual_date) < self.actual_date
            ):
                errors["actual_date"] = _("The project approval cannot come after the construction permit.")
        if errors:
            raise ValidationError(errors)


class MilestoneKind(models.TextChoices):
    START = "start", _("Construction start")
    TOPPING_OUT = "topping_out", _("Main structure topped out")
    COMPLETION_ACCEPTANCE = "completion_acceptance", _("Completion acceptance")
    DELIVERY = "delivery", _("Delivered for use")
    CUSTOM = "custom", _("Other")


MILESTONE_SEQUENCE = [
    MilestoneKind.START,
    MilestoneKind.TOPPING_OUT,
    MilestoneKind.COMPLETION_ACCEPTANCE,
    MilestoneKind.DELIVERY,
]


class Milestone(ProjectChild):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=30, choices=MilestoneKind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True, help_text=_("Required for other milestones."))
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"], condition=~Q(kind="custom"), name="milestone_unique_standard_kind"
            )
        ]
        indexes = [models.Index(fields=["kind", "actual_date"], name="milestone_kind_actual")]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.label}"

    @property
    def label(self) -> str:
        return self.name if self.kind == MilestoneKind.CUSTOM and self.name else str(self.get_kind_display())

    def get_absolute_url(self) -> str:
        return reverse("projects:milestone_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.actual_date is None and self.planned_date is not None and self.planned_date < timezone.localdate()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == MilestoneKind.CUSTOM and not self.name:
            errors["name"] = _("Name the milestone.")
        if self.actual_date and self.actual_date > timezone.localdate():
            errors["actual_date"] = _("The actual date cannot be in the future.")
        if self.project_id and self.actual_date and self.kind in MILESTONE_SEQUENCE:
            position = MILESTONE_SEQUENCE.index(self.kind)
            others = dict(
                Milestone.objects.filter(project_id=self.project_id, kind__in=MILESTONE_SEQUENCE)
                .exclude(pk=self.pk)
                .exclude(actual_date=None)
                .values_list("kind", "actual_date")
            )
            for kind, day in others.items():
                other = MILESTONE_SEQUENCE.index(kind)
                if other < position and day > self.actual_date:
                    errors["actual_date"] = _("%(this)s cannot come before %(other)s (%(date)s).") % {
                        "this": self.get_kind_display(),
                        "other": MilestoneKind(kind).label,
                        "date": day,
                    }
                elif other > position and day < self.actual_date:
                    errors["actual_date"] = _("%(this)s cannot come after %(other)s (%(date)s).") % {
                        "this": self.get_kind_display(),
                        "other": MilestoneKind(kind).label,
                        "date": day,
                    }
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.project.refresh_key_dates()

    def delete(self, *args, **kwargs):
        project = self.project
        result = super().delete(*args, **kwargs)
        project.refresh_key_dates()
        return result


class ProgressReport(ProjectChild):
    """Physical progress of a project at the end of a month, as the project team reports it."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="progress_reports"
    )
    month = models.DateField(_("month"), help_text=_("Any day of the month; stored as its first day."))
    percent = models.DecimalField(
        _("physical progress (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["project", "month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="progress_unique_month")]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.month:%Y-%m} · {self.percent}%"

    def get_absolute_url(self) -> str:
        return reverse("projects:progressreport_detail", args=[self.pk])

    def clean(self) -> None:
        if self.month:
            self.month = self.month.replace(day=1)
            if self.month > timezone.localdate():
                raise ValidationError({"month": _("Progress cannot be reported for a month that has not begun.")})
        if self.project_id and self.month and self.percent is not None:
            earlier = (
                ProgressReport.objects.filter(project_id=self.project_id, month__lt=self.month)
                .exclude(pk=self.pk)
                .aggregate(m=Max("percent"))["m"]
            )
            if earlier is not None and self.percent < earlier:
                raise ValidationError(
                    {
                        "percent": _("Progress cannot fall below an earlier month's %(percent)s%%.")
                        % {"percent": f"{earlier.normalize():f}"}
                    }
                )
            later = (
                ProgressReport.objects.filter(project_id=self.project_id, month__gt=self.month)
                .exclude(pk=self.pk)
                .aggregate(m=Min("percent"))["m"]
            )
            if later is not None and self.percent > later:
                raise ValidationError(
                    {
                        "percent": _("Progress cannot exceed a later month's %(percent)s%%.")
                        % {"percent": f"{later.normalize():f}"}
                    }
                )

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.project.refresh_key_dates()

    def delete(self, *args, **kwargs):
        project = self.project
        result = super().delete(*args, **kwargs)
        project.refresh_key_dates()
        return result


class TaskKind(models.TextChoices):
    START = "start", _("Projects to start")
    ADVANCE = "advance", _("Projects to advance")
    COMPLETE = "complete", _("Projects to complete")


class TaskList(ScopedModel):
    """An agency's annual task list (年度任务): which projects it will start, advance and complete."""

    agency = models.ForeignKey(Organization, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("name"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("annual task list")
        verbose_name_plural = _("annual task lists")
        ordering = ["agency", "-year"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="tasklist_unique_year")]

    def __str__(self) -> str:
        return self.name or _("%(year)s annual tasks") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("projects:tasklist_detail", args=[self.pk])

    def clean(self) -> None:
        if self.agency_id and self.agency.kind != OrganizationKind.AGENCY:
            raise ValidationError({"agency": _("Choose an agency.")})


class TaskItem(ScopedModel):
    agency_path = "task_list__agency"

    task_list = models.ForeignKey(TaskList, verbose_name=_("task list"), on_delete=models.CASCADE, related_name="items")
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="task_items")
    kind = models.CharField(_("task"), max_length=10, choices=TaskKind.choices)
    planned_date = models.DateField(
        _("planned date"),
        null=True,
        blank=True,
        help_text=_("Planned start or completion date; for advancing, optional."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("task list item")
        verbose_name_plural = _("task list items")
        ordering = ["task_list", "kind", "planned_date", "id"]
        constraints = [models.UniqueConstraint(fields=["task_list", "project"], name="taskitem_unique_project")]

    def __str__(self) -> str:
        return f"{self.task_list} · {self.get_kind_display()} · {self.project.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:taskitem_detail", args=[self.pk])

    def change_log_agency_id(self) -> int | None:
        return self.task_list.agency_id if self.task_list_id else None

    def clean(self) -> None:
        errors = {}
        if self.task_list_id and self.project_id:
            if self.project.agency_id != self.task_list.agency_id:
                errors["project"] = _("The project belongs to another agency.")
            if self.planned_date and self.planned_date.year != self.task_list.year:
                errors["planned_date"] = _("The planned date must fall in %(year)s.") % {"year": self.task_list.year}
        if errors:
            raise ValidationError(errors)


class AwardLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")


class Award(ProjectChild):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="awards")
    name = models.CharField(_("award"), max_length=120)
    level = models.CharField(_("level"), max_length=12, choices=AwardLevel.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1980), MaxValueValidator(2100)])
    issuer = models.CharField(_("issuer"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-year", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name", "year"], name="award_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("projects:award_detail", args=[self.pk])

    def clean(self) -> None:
        if self.year and self.year > timezone.localdate().year:
            raise ValidationError({"year": _("An award cannot be from a future year.")})


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class Section(ProjectChild):
    """A section (标段) of a project and the companies working on it: whom findings and notices go to."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("section"), max_length=80)
    contractor = models.ForeignKey(
        Organization,
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.CONTRACTOR},
    )
    supervisor = models.ForeignKey(
        Organization,
        verbose_name=_("supervisor (监理)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": OrganizationKind.SUPERVISOR},
    )
    other_parties = models.ManyToManyField(Organization, verbose_name=_("other parties"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="section_unique_name")]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:section_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees every section of the projects it takes part in."""
        if user.role == Role.COMPANY:
            return Q(project__in=participating(user.organization_id).values("project"))
        return super().scope_q(user)

    def parties(self) -> list[Organization]:
        """The companies of the section: contractor, supervisor and the others."""
        found = [org for org in (self.contractor, self.supervisor) if org is not None]
        if self.pk:
            found += [org for org in self.other_parties.all() if org not in found]
        return found


# ---- who takes part in a project ------------------------------------------------------------------


class PartyRole(models.TextChoices):
    GENERAL_CONTRACTOR = "general_contractor", _("General contractor (施工总承包)")
    SUPERVISOR = "supervisor", _("Supervisor (监理)")
    DESIGNER = "designer", _("Designer (设计)")
    SURVEYOR = "surveyor", _("Surveyor (勘察)")
    CONSULTANT = "consultant", _("Whole-process consultant (全过程咨询)")
    AGENT = "agent", _("Construction agent (代建)")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor (分包)")
    SUPPLIER = "supplier", _("Supplier (供应商)")


# The role a section's "other party" plays, by the kind of organization it is.
ROLE_OF_KIND: dict[str, str] = {
    OrganizationKind.CONTRACTOR: PartyRole.SUBCONTRACTOR,
    OrganizationKind.SUPERVISOR: PartyRole.SUPERVISOR,
    OrganizationKind.DESIGNER: PartyRole.DESIGNER,
    OrganizationKind.SURVEYOR: PartyRole.SURVEYOR,
    OrganizationKind.CONSULTANT: PartyRole.CONSULTANT,
    OrganizationKind.AGENT: PartyRole.AGENT,
    OrganizationKind.SUPPLIER: PartyRole.SUPPLIER,
}


class ParticipationSource(models.TextChoices):
    SECTION = "section", _("Section")
    MANUAL = "manual", _("Entered by hand")
    CONTRACT = "contract", _("Contract")


class Participation(ProjectChild):
    """A company taking part in a project, or in one of its sections, in a role, from a day until a day.

    The one record that says which companies take part where: a section's services keep it (its contractor,
    supervisor and other parties), contracts will too, and agency staff add one by hand (a 全过程咨询 on a
    project without sections). A company representative sees what its organization takes part in through it.
    A party that leaves is ended, not deleted.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="participations"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=24, choices=PartyRole.choices)
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=ParticipationSource.choices, default=ParticipationSource.MANUAL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    party_path = "organization"

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        # By ids: ordering through the nullable section would join it, and FOR UPDATE refuses outer joins.
        ordering = ["project_id", "section_id", "role", "id"]
        indexes = [models.Index(fields=["organization", "ended_on"], name="participation_org_ended")]

    def __str__(self) -> str:
        where = self.section.name if self.section_id else self.project.name
        return f"{self.organization} · {self.get_role_display()} · {where}"

    def get_absolute_url(self) -> str:
        return reverse("projects:participation_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.section_id and self.project_id and self.section.project_id != self.project_id:
            errors["section"] = _("The section belongs to another project.")
        if self.organization_id and self.organization.kind not in COMPANY_KINDS:
            errors["organization"] = _("Only a company takes part in a project (the agency owns it).")
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("A participation cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.ended_on is None or self.ended_on > timezone.localdate()


def participating(organization_id: int | None, today: datetime.date | None = None) -> models.QuerySet:
    """The participations of an organization that have not ended (by `today`): what a company sees reads
    them (`values("project")`, or the sections: `filter(section__isnull=False).values("section")`)."""
    today = today or timezone.localdate()
    return Participation.objects.filter(organization_id=organization_id or 0).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=today)
    )
