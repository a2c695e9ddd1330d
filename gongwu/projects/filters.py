from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.filters import SearchFilterSet
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.periods import Period
from gongwu.projects import figures, services
from gongwu.projects.models import (
    CATEGORY_GROUPS,
    Approval,
    ApprovalKind,
    Award,
    AwardLevel,
    Category,
    CategoryGroup,
    DeliveryMethod,
    IntakeSource,
    Milestone,
    MilestoneKind,
    Participation,
    PartyRole,
    ProgressReport,
    Project,
    ProjectSettings,
    ProjectTag,
    Section,
    Stage,
    TaskItem,
    TaskKind,
    TaskList,
)

HAPPENED_CHOICES = (
    ("started", _("Started")),
    ("completed", _("Completed")),
    ("advancing", _("Advancing")),
    ("received", _("Received")),
    ("permitted", _("Construction permit obtained")),
)


class ProjectFilterSet(SearchFilterSet):
    search_fields = ("name", "code")
    link_filters = (
        "level",
        "parent",
        "parent_code",
        "happened",
        "period_from",
        "period_to",
        "milestone",
        "award_level",
        "outcome",
        "stage_on",
    )
    stage = django_filters.MultipleChoiceFilter(label=_("stage"), choices=Stage.choices, method="filter_stage")
    # With `stage`: the stage each project was in on that day, read from its stage history.
    stage_on = django_filters.DateFilter(label=_("stage on"), method="filter_noop")
    category = django_filters.MultipleChoiceFilter(label=_("category"), choices=Category.choices)
    category_group = django_filters.ChoiceFilter(
        label=_("category group"), choices=CategoryGroup.choices, method="filter_category_group"
    )
    area = django_filters.CharFilter(label=_("area (片区)"), lookup_expr="icontains")
    received_source = django_filters.MultipleChoiceFilter(label=_("received as"), choices=IntakeSource.choices)
    received_since = django_filters.DateFilter(label=_("received since"), field_name="received_on", lookup_expr="gte")
    received_until = django_filters.DateFilter(label=_("received until"), field_name="received_on", lookup_expr="lte")
    delivery_method = django_filters.MultipleChoiceFilter(label=_("delivery method"), choices=DeliveryMethod.choices)
    tags = django_filters.ModelMultipleChoiceFilter(label=_("tags"), queryset=ProjectTag.objects.all())
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY)
    )
    department = django_filters.ModelChoiceFilter(
        label=_("responsible department"), queryset=Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)
    )
    director = django_filters.ModelChoiceFilter(
        label=_("project director"), queryset=User.objects.filter(role__in=[Role.DIRECTOR, Role.STAFF, Role.LEADER])
    )
    level = django_filters.ChoiceFilter(
        label=_("projects or sub-projects"),
        choices=(("top", _("Projects")), ("sub", _("Sub-projects"))),
        method="filter_level",
    )
    # An id, not a <select>: an agency has thousands of projects (measured in bench/projects.py).
    parent = django_filters.NumberFilter(label=_("parent project"), widget=forms.HiddenInput)
    parent_code = django_filters.CharFilter(label=_("parent project code"), field_name="parent__code")
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")
    uses_bim = django_filters.BooleanFilter(label=_("BIM used"))
    is_green = django_filters.BooleanFilter(label=_("green building"))
    is_near_zero_carbon = django_filters.BooleanFilter(label=_("near-zero-carbon"))
    is_prefabricated = django_filters.BooleanFilter(label=_("prefabricated"))
    happened = django_filters.ChoiceFilter(label=_("in the period"), choices=HAPPENED_CHOICES, method="filter_period")
    period_from = django_filters.DateFilter(label=_("from"), method="filter_noop")
    period_to = django_filters.DateFilter(label=_("to"), method="filter_noop")
    milestone = django_filters.ChoiceFilter(
        label=_("milestone reached in the period"), choices=MilestoneKind.choices, method="filter_period"
    )
    award_level = django_filters.ChoiceFilter(
        label=_("award level"), choices=AwardLevel.choices, method="filter_award_level"
    )
    outcome = django_filters.ChoiceFilter(
        label=_("has outcome"),
        choices=[(name, Project._meta.get_field(name).verbose_name) for name in figures.OUTCOME_FIELDS],
        method="filter_outcome",
    )

    class Meta:
        model = Project
        fields = [
            "q",
            "stage",
            "stage_on",
            "category",
            "category_group",
            "area",
            "received_source",
            "received_since",
            "received_until",
            "delivery_method",
            "tags",
            "agency",
            "department",
            "director",
            "level",
            "parent",
            "parent_code",
            "overdue",
            "uses_bim",
            "is_green",
            "is_near_zero_carbon",
            "is_prefabricated",
            "happened",
            "period_from",
            "period_to",
            "milestone",
            "award_level",
            "outcome",
        ]

    def filter_noop(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def filter_stage(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        day = self.form.cleaned_data.get("stage_on")
        if day is None:
            return queryset.filter(stage__in=value)
        return queryset.annotate(stage_then=figures.stage_on(day)).filter(stage_then__in=value)

    def filter_category_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(category__in=CATEGORY_GROUPS.get(value, ()))

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(parent__isnull=(value == "top"))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = figures.overdue_projects_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def period(self) -> Period:
        data = self.form.cleaned_data
        start = data.get("period_from") or datetime.date(timezone.localdate().year, 1, 1)
        end = data.get("period_to") or datetime.date(start.year, 12, 31)
        return Period(start, end)

    def filter_period(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        period = self.period()
        if name == "milestone":
            return queryset.filter(
                pk__in=Milestone.objects.filter(
                    kind=value, actual_date__gte=period.start, actual_date__lte=period.end
                ).values("project")
            )
        condition = {
            "started": figures.started_q,
            "completed": figures.completed_q,
            "advancing": figures.advancing_q,
            "received": figures.received_q,
            "permitted": figures.permitted_q,
        }[value](period)
        return queryset.filter(condition)

    def filter_award_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        period = self.period()
        awards = Award.objects.filter(level=value, year__gte=period.start.year, year__lte=period.end.year)
        return queryset.filter(pk__in=awards.values("project"))

    def filter_outcome(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(**{f"{value}__gt": 0})


class ProjectChildFilterSet(SearchFilterSet):
    """Base for records that hang on a project: search by project name or code, filter by project."""

    project = django_filters.NumberFilter(label=_("project"), widget=forms.HiddenInput)
    project_code = django_filters.CharFilter(label=_("project code"), field_name="project__code")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"),
        field_name="project__agency",
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY),
        distinct=False,
    )


class ApprovalFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "document_number")
    kind = django_filters.ModelChoiceFilter(label=_("approval kind"), queryset=ApprovalKind.objects.all())
    done = django_filters.BooleanFilter(
        label=_("obtained"), field_name="actual_date", lookup_expr="isnull", exclude=True
    )
    late = django_filters.BooleanFilter(label=_("late"), method="filter_late")
    obtained_from = django_filters.DateFilter(label=_("obtained from"), field_name="actual_date", lookup_expr="gte")
    obtained_to = django_filters.DateFilter(label=_("obtained to"), field_name="actual_date", lookup_expr="lte")

    class Meta:
        model = Approval
        fields = ["q", "project", "project_code", "kind", "done", "late", "obtained_from", "obtained_to", "agency"]

    def filter_late(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = services.late_approvals_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)


class MilestoneFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "name")
    kind = django_filters.MultipleChoiceFilter(label=_("milestone"), choices=MilestoneKind.choices)
    reached_from = django_filters.DateFilter(label=_("reached from"), field_name="actual_date", lookup_expr="gte")
    reached_to = django_filters.DateFilter(label=_("reached to"), field_name="actual_date", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")

    class Meta:
        model = Milestone
        fields = ["q", "project", "project_code", "kind", "reached_from", "reached_to", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(actual_date__isnull=True, planned_date__lt=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class SectionFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "name", "contractor__name", "supervisor__name")

    class Meta:
        model = Section
        fields = ["q", "agency", "project", "project_code"]


class ParticipationFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "organization__name", "section__name", "note")
    role = django_filters.ChoiceFilter(label=_("role"), choices=PartyRole.choices)
    organization = django_filters.NumberFilter(label=_("organization"), widget=forms.HiddenInput)
    active = django_filters.BooleanFilter(label=_("still taking part"), field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = Participation
        fields = ["q", "agency", "project", "project_code", "organization", "role", "active"]


class ProgressReportFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code")
    month_from = django_filters.DateFilter(label=_("from month"), field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(label=_("to month"), field_name="month", lookup_expr="lte")

    class Meta:
        model = ProgressReport
        fields = ["q", "project", "project_code", "month_from", "month_to"]


class TaskListFilterSet(SearchFilterSet):
    search_fields = ("name",)
    year = django_filters.NumberFilter(label=_("year"))

    class Meta:
        model = TaskList
        fields = ["q", "year"]


class TaskItemFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code")
    task_list = django_filters.ModelChoiceFilter(label=_("task list"), queryset=TaskList.objects.all())
    kind = django_filters.ChoiceFilter(label=_("task"), choices=TaskKind.choices)

    class Meta:
        model = TaskItem
        fields = ["q", "task_list", "kind", "project", "project_code"]


class AwardFilterSet(ProjectChildFilterSet):
    search_fields = ("name", "project__name", "issuer")
    level = django_filters.MultipleChoiceFilter(label=_("level"), choices=AwardLevel.choices)
    year = django_filters.NumberFilter(label=_("year"))

    class Meta:
        model = Award
        fields = ["q", "level", "year", "project", "project_code", "agency"]


class ProjectTagFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = ProjectTag
        fields = ["q"]


class ApprovalKindFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = ApprovalKind
        fields = ["q", "role", "is_active"]


class ProjectSettingsFilterSet(SearchFilterSet):
    search_fields = ("agency__name",)

    class Meta:
        model = ProjectSettings
        fields = ["q"]
