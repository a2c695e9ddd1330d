"""Quality and safety inspections: checklists (JGJ 59-2011 sheets built in, quality templates per agency),
inspections with their score sheets, findings (隐患) with photos, rectification notices (督导/整改通知书) that
run as cases in the alerts engine, hazardous works (危大工程) and accidents.

Everything hangs on a project and is scoped through it; a company sees the findings and notices addressed
to it. A notice's loop (answer, re-inspection, 销项 or send back, overdue escalation) is its alerts case's.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongwu.core.models import Organization, ScopedModel, ScopedQuerySet, User, VoidableModel
from gongwu.core.models.scoping import Role
from gongwu.projects.models import Project, ProjectChild, Section, participating


class InspectionKind(models.TextChoices):
    SAFETY_ROUTINE = "safety_routine", _("Routine safety inspection (安全常态化巡查)")
    SPECIAL = "special", _("Special inspection (专项检查)")
    QUALITY_PATROL = "quality_patrol", _("Quality patrol (质量巡查)")
    QUALITY_ASSESSMENT = "quality_assessment", _("Quality assessment (质量评估)")
    CIVILIZED = "civilized", _("Civilized construction (文明施工)")
    NIGHT_HOLIDAY = "night_holiday", _("Night or holiday inspection")
    SELF_CHECK = "self_check", _("Self-check (自查)")


# 自查 counts with safety: in the five-step loop it is the contractor's own safety check.
SAFETY_KINDS = (
    InspectionKind.SAFETY_ROUTINE,
    InspectionKind.SPECIAL,
    InspectionKind.CIVILIZED,
    InspectionKind.NIGHT_HOLIDAY,
    InspectionKind.SELF_CHECK,
)
QUALITY_KINDS = (InspectionKind.QUALITY_PATROL, InspectionKind.QUALITY_ASSESSMENT)


class Topic(models.TextChoices):
    DEEP_EXCAVATION = "deep_excavation", _("Deep excavation (深基坑)")
    HIGH_SLOPE = "high_slope", _("High slope (高边坡)")
    LIFTING = "lifting", _("Lifting machinery (起重机械)")
    TEMPORARY_POWER = "temporary_power", _("Temporary power (临时用电)")
    WORK_AT_HEIGHT = "work_at_height", _("Work at height (高处作业)")
    FORMWORK = "formwork", _("High formwork (高支模)")
    UNDERGROUND = "underground", _("Underground works (地下施工)")
    FLOOD = "flood", _("Flood and typhoon (防汛防台)")
    FIRE = "fire", _("Fire safety (消防)")
    OTHER = "other", _("Other topic")


class Level(models.TextChoices):
    """The first three steps of the five-step loop (自查、抽查、督查、交办、整改)."""

    SELF = "self", _("Self-check by the contractor (自查)")
    SPOT = "spot", _("Spot check by the supervisor (抽查)")
    SUPERVISION = "supervision", _("Supervision by the agency or a third party (督查)")


class InspectionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", pgettext_lazy("inspection status", "Completed")


class Severity(models.TextChoices):
    GENERAL = "general", _("General (一般)")
    MAJOR = "major", _("Major (较大)")
    SERIOUS = "serious", _("Serious (重大)")


SEVERITY_RANK = {Severity.GENERAL: 1, Severity.MAJOR: 2, Severity.SERIOUS: 3}


class FindingCategory(models.TextChoices):
    SAFETY_MANAGEMENT = "safety_management", _("Safety management")
    CIVILIZED = "civilized", _("Civilized construction")
    SCAFFOLD = "scaffold", _("Scaffolding")
    EXCAVATION = "excavation", _("Foundation pit")
    FORMWORK = "formwork", _("Formwork support")
    WORK_AT_HEIGHT = "work_at_height", _("Work at height")
    POWER = "power", _("Temporary power")
    HOISTS = "hoists", _("Hoists and lifts")
    CRANES = "cranes", _("Cranes and lifting")
    MACHINERY = "machinery", _("Construction machinery")
    FIRE = "fire", _("Fire safety")
    QUALITY_STRUCTURE = "quality_structure", _("Quality: structure")
    QUALITY_MATERIALS = "quality_materials", _("Quality: materials")
    QUALITY_FINISHES = "quality_finishes", _("Quality: finishes and installation")
    QUALITY_DOCUMENTS = "quality_documents", _("Quality: records and documents")
    OTHER = "other", _("Other")


class ChecklistKind(models.TextChoices):
    SAFETY = "safety", _("Safety (JGJ 59-2011)")
    QUALITY = "quality", _("Quality")


class ChecklistQuerySet(ScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet:
        """Everyone sees the built-in sheets; only a superuser changes them."""
        queryset = super().for_user(user, action)
        if action != "view" and not getattr(user, "is_superuser", False):
            queryset = queryset.filter(**{f"{self.model.agency_path or 'agency'}__isnull": False})
        return queryset


class ChecklistTemplate(ScopedModel):
    """A checklist: a JGJ 59-2011 分项检查评分表 (built in, no agency) or an agency's own (quality)."""

    objects = ChecklistQuerySet.as_manager()

    agency = models.ForeignKey(
        Organization, verbose_name=_("agency"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=ChecklistKind.choices, default=ChecklistKind.QUALITY)
    code = models.CharField(
        _("JGJ 59 table"), max_length=40, blank=True, help_text=_("The 分项检查评分表 a built-in sheet is.")
    )
    table_no = models.CharField(_("table number"), max_length=10, blank=True)
    summary_line = models.CharField(_("summary line"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    evidence_required = models.BooleanField(
        _("rectification needs photos"), default=True, help_text=_("A company's answer must carry after-photos.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="checklist_unique_name")]

    def __str__(self) -> str:
        return f"{self.table_no} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("inspections:checklisttemplate_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Q(agency__isnull=True)
        return Q(agency__isnull=True) | Q(agency__in=user.visible_agency_ids())

    @property
    def is_builtin(self) -> bool:
        return self.agency_id is None


class CheckItem(ScopedModel):
    """One check item of a checklist: its group, points and whether it is a 保证项目."""

    objects = ChecklistQuerySet.as_manager()
    agency_path = "template__agency"

    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    group = models.CharField(_("group"), max_length=40, blank=True)
    text = models.CharField(_("check item"), max_length=200)
    points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("100"))],
    )
    guarantee = models.BooleanField(_("guarantee item (保证项目)"), default=False)
    default_severity = models.CharField(
        _("default severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    category = models.CharField(
        _("finding category"), max_length=20, choices=FindingCategory.choices, default=FindingCategory.OTHER
    )
    regulation = models.CharField(_("regulation"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("check item")
        verbose_name_plural = _("check items")
        ordering = ["template", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="checkitem_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:checkitem_detail", args=[self.pk])

    @classmethod
    def scope_q(cls, user: User) -> Q:
        if user.role == Role.COMPANY:
            return Q(template__agency__isnull=True)
        return Q(template__agency__isnull=True) | Q(template__agency__in=user.visible_agency_ids())


class HazardKind(models.TextChoices):
    DEEP_EXCAVATION = "deep_excavation", _("Deep excavation")
    FORMWORK = "formwork", _("High formwork and support")
    LIFTING = "lifting", _("Heavy lifting and installation")
    SCAFFOLD = "scaffold", _("Tall scaffolding")
    DEMOLITION = "demolition", _("Demolition")
    UNDERGROUND = "underground", _("Underground excavation")
    CURTAIN_WALL = "curtain_wall", _("Curtain wall installation")
    OTHER = "other", _("Other")


class HazardStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    FINISHED = "finished", _("Finished")


class HazardousWork(ProjectChild):
    """A major-hazard sub-project (危大工程) of a project and its special plan (专项方案)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="hazardous_works"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HazardKind.choices)
    name = models.CharField(_("name"), max_length=120)
    over_scale = models.BooleanField(
        _("exceeds the scale (超过一定规模)"), default=False, help_text=_("Its special plan needs an expert review.")
    )
    plan_approved_on = models.DateField(_("special plan approved on"), null=True, blank=True)
    expert_review_on = models.DateField(_("expert review on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=HazardStatus.choices, default=HazardStatus.PLANNED)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hazardous work")
        verbose_name_plural = _("hazardous works")
        ordering = ["project", "starts_on", "name"]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:hazardouswork_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.section_id and self.project_id and self.section.project_id != self.project_id:
            errors["section"] = _("The section belongs to another project.")
        if self.status != HazardStatus.PLANNED and not self.plan_approved_on:
            errors["plan_approved_on"] = _("Work under way needs its approved special plan (专项方案).")
        if self.over_scale and self.status != HazardStatus.PLANNED and not self.expert_review_on:
            errors["expert_review_on"] = _("Work beyond the scale needs the expert review of its plan first.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("It ends before it starts.")
        if errors:
            raise ValidationError(errors)


class Inspection(VoidableModel, ProjectChild):
    """One inspection of a project (or a section, or a hazardous work) by an organization's people."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="inspections"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hazardous_work = models.ForeignKey(
        HazardousWork,
        verbose_name=_("hazardous work"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices, db_index=True)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.SUPERVISION)
    inspecting_org = models.ForeignKey(
        Organization,
        verbose_name=_("inspecting organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lead = models.ForeignKey(
        User, verbose_name=_("lead inspector"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    inspectors = models.CharField(_("other inspectors"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("date and time"), default=timezone.now)
    weather = models.CharField(_("weather"), max_length=40, blank=True)
    result = models.TextField(_("result"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.IN_PROGRESS
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    grade = models.CharField(_("grade"), max_length=10, blank=True, editable=False)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["project", "started_at"], name="inspection_project_time")]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.get_kind_display()} · {timezone.localtime(self.started_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == InspectionKind.SPECIAL and not self.topic:
            errors["topic"] = _("Say what the special inspection is about.")
        if self.kind == InspectionKind.SELF_CHECK:
            self.level = Level.SELF
        if self.section_id and self.project_id and self.section.project_id != self.project_id:
            errors["section"] = _("The section belongs to another project.")
        if self.hazardous_work_id and self.project_id and self.hazardous_work.project_id != self.project_id:
            errors["hazardous_work"] = _("The hazardous work belongs to another project.")
        if self.started_at and self.started_at > timezone.now() + datetime.timedelta(hours=1):
            errors["started_at"] = _("An inspection cannot be recorded ahead of time.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_safety(self) -> bool:
        return self.kind in SAFETY_KINDS

    @classmethod
    def scope_q(cls, user: User) -> Q:
        """A company sees the inspections of the sections it takes part in (read-only, as its role is)."""
        if user.role == Role.COMPANY:
            own = participating(user.organization_id).filter(section__isnull=False).values("section")
            return Q(section__in=own)
        return super().scope_q(user)


class ScoreSheet(ScopedModel):
    """A checklist filled in during an inspection; its items' results give its score."""

    agency_path = "inspection__project__agency"

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="sheets"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    zero_reason = models.CharField(_("scored zero because"), max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["inspection", "template__order", "id"]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.template.name}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:scoresheet_detail", args=[self.pk])


class ItemResult(ScopedModel):
    """What an inspector found on one check item: the points deducted, or that it does not apply (缺项)."""

    agency_path = "sheet__inspection__project__agency"

    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(CheckItem, verbose_name=_("check item"), on_delete=models.PROTECT, related_name="+")
    deduction = models.DecimalField(
        _("points deducted"), max_digits=5, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    not_applicable = models.BooleanField(_("not applicable (缺项)"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["sheet", "item__number"]
        constraints = [models.UniqueConstraint(fields=["sheet", "item"], name="itemresult_unique_item")]

    def __str__(self) -> str:
        return f"{self.item.text}: −{self.deduction}"

    def get_absolute_url(self) -> str:
        return self.sheet.get_absolute_url()

    def clean(self) -> None:
        if self.item_id and self.deduction is not None and self.deduction > self.item.points:
            raise ValidationError(
                {
                    "deduction": _("At most %(points)s points can be deducted on “%(item)s”.")
                    % {"points": f"{self.item.points.normalize():f}", "item": self.item.text}
                }
            )
        if self.not_applicable and self.deduction:
            raise ValidationError({"deduction": _("An item that does not apply has no deduction.")})


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    NOTIFIED = "notified", _("On a notice")
    RECTIFIED = "rectified", _("Rectification reported")
    CLOSED = "closed", _("Closed (销项)")


class Finding(ProjectChild):
    """A hazard or quality problem (隐患/问题) found on site, with photos; closed through a notice."""

    party_path = "responsible_org"

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(
        CheckItem, verbose_name=_("check item"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("category"), max_length=20, choices=FindingCategory.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    description = models.TextField(_("description"))
    location = models.CharField(_("location on site"), max_length=120, blank=True)
    responsible_org = models.ForeignKey(
        Organization, verbose_name=_("responsible company"), on_delete=models.PROTECT, related_name="+"
    )
    regulation = models.CharField(_("regulation broken"), max_length=120, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN, editable=False
    )
    notice = models.ForeignKey(
        "RectificationNotice",
        verbose_name=_("notice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="findings",
    )
    rectification = models.TextField(_("rectification"), blank=True, editable=False)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    found_on = models.DateField(_("found on"), editable=False, db_index=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-found_on", "-id"]
        indexes = [
            models.Index(fields=["project", "found_on"], name="finding_project_found"),
            models.Index(fields=["responsible_org", "found_on"], name="finding_org_found"),
        ]

    def __str__(self) -> str:
        return f"{self.project.name} · {self.description[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:finding_detail", args=[self.pk])

    def clean_fields(self, exclude: Any = None) -> None:
        # The project and the day come from the inspection, before the fields are checked.
        if self.inspection_id:
            self.project_id = self.inspection.project_id
            self.found_on = timezone.localtime(self.inspection.started_at).date()
        super().clean_fields(exclude)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.responsible_org_id and not self.responsible_org.is_company:
            errors["responsible_org"] = _("A finding is addressed to a company taking part in the project.")
        if self.deadline and self.found_on and self.deadline < self.found_on:
            errors["deadline"] = _("The deadline is before the finding.")
        if (
            self.pk is None
            and self.inspection_id
            and Inspection.objects.filter(pk=self.inspection_id, voided_at__isnull=False).exists()
        ):
            errors["inspection"] = _("The inspection is voided; it takes no new findings.")
        if self.pk:
            stored = Finding.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == FindingStatus.CLOSED:
                errors["description"] = _("A closed finding can no longer change.")
        if errors:
            raise ValidationError(errors)


# The source of the cases this app opens (a notice's, a 重大 finding's), registered with alerts in apps.py.
CASE_SOURCE = "inspection"


class NoticeKind(models.TextChoices):
    SAFETY = "safety", _("Safety supervision notice (安全督导通知书)")
    QUALITY = "quality", _("Quality supervision notice (质量督导通知书)")
    RECTIFICATION = "rectification", _("Rectification notice (整改通知书)")


class RectificationNotice(VoidableModel, ProjectChild):
    """A numbered notice grouping findings, addressed to a company, with a deadline in working days.

    Issued through `services.issue_notice`, which opens its case (source inspection, kind 整改); the
    company's answer, the re-inspection and the closing (销项) or sending back are the case's steps."""

    agency_path = "agency"
    party_path = "company"

    agency = models.ForeignKey(
        Organization, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="notices")
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=NoticeKind.choices, default=NoticeKind.RECTIFICATION)
    number = models.CharField(_("number"), max_length=30, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    company = models.ForeignKey(
        Organization, verbose_name=_("addressed to"), on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("issued on"), editable=False)
    working_days = models.PositiveSmallIntegerField(
        _("deadline (working days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    deadline = models.DateField(_("deadline"), editable=False)
    requirements = models.TextField(_("requirements"), blank=True)
    issued_by = models.ForeignKey(
        User, verbose_name=_("issued by"), on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    case = models.OneToOneField(
        "alerts.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="rectification_notice",
    )

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="notice_unique_number")]
        indexes = [models.Index(fields=["project", "issued_on"], name="notice_project_issued")]

    def __str__(self) -> str:
        return f"{self.number} {self.company}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:rectificationnotice_detail", args=[self.pk])


class AccidentKind(models.TextChoices):
    FALL = "fall", _("Fall from height")
    STRUCK = "struck", _("Struck by object")
    COLLAPSE = "collapse", _("Collapse")
    LIFTING = "lifting", _("Lifting injury")
    ELECTRIC = "electric", _("Electric shock")
    MACHINERY = "machinery", _("Machinery injury")
    FIRE = "fire", _("Fire or explosion")
    OTHER = "other", _("Other")


class AccidentSeverity(models.TextChoices):
    GENERAL = "general", _("General (一般事故)")
    LARGER = "larger", _("Larger (较大事故)")
    MAJOR = "major", _("Major (重大事故)")
    EXTRAORDINARY = "extraordinary", _("Extraordinarily serious (特别重大事故)")


class Accident(ProjectChild):
    """A production-safety accident on a project (生产安全事故)."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="accidents")
    occurred_on = models.DateField(_("occurred on"))
    kind = models.CharField(_("kind"), max_length=12, choices=AccidentKind.choices)
    severity = models.CharField(
        _("severity"), max_length=15, choices=AccidentSeverity.choices, default=AccidentSeverity.GENERAL
    )
    deaths = models.PositiveSmallIntegerField(_("deaths"), default=0)
    serious_injuries = models.PositiveSmallIntegerField(_("serious injuries"), default=0)
    minor_injuries = models.PositiveSmallIntegerField(_("minor injuries"), default=0)
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("accident")
        verbose_name_plural = _("accidents")
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.project.name} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:accident_detail", args=[self.pk])

    def clean(self) -> None:
        if self.occurred_on and self.occurred_on > timezone.localdate():
            raise ValidationError({"occurred_on": _("An accident cannot be dated in the future.")})


MAX_PHOTO_BYTES = getattr(settings, "GONGWU_MAX_PHOTO_MB", 8) * 1024 * 1024
