from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind
from gongwu.investment import figures
from gongwu.investment.models import (
    MONTHS,
    ActualStatus,
    AdjustmentDirection,
    AdjustmentStatus,
    AnnualPlan,
    FundingSource,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PaymentKind,
    PlanAdjustment,
    ScheduleTemplate,
    overseen_agency_ids,
)
from gongwu.projects.models import CATEGORY_GROUPS, Category, CategoryGroup, PlanCategory, Project, ProjectTag

MONTH_CHOICES = [(m, _("%(month)s月") % {"month": m}) for m in MONTHS]


def tag_names(agency_ids: Iterable[int] | None) -> list[str]:
    """The names of the project tags of these agencies (all agencies' with None), each once: a tag is defined
    per agency, and the same name (市投市建) is counted together across agencies."""
    tags = ProjectTag.objects.all()
    if agency_ids is not None:
        tags = tags.filter(agency__in=list(agency_ids))
    return sorted(set(tags.values_list("name", flat=True)))


def tag_filter(project_path: str) -> django_filters.ChoiceFilter:
    """Records of projects with a tag of this name (the dashboard's `tag`); its choices are the tags of the
    agencies the user oversees (`InvestmentFilterSet`)."""

    def of_tagged_projects(queryset: QuerySet, name: str, value: str) -> QuerySet:
        tagged = Project.objects.filter(tags__name=value).values("pk")
        return queryset.filter(**{f"{project_path}__in": tagged})

    return django_filters.ChoiceFilter(label=_("project tag"), choices=[], method=of_tagged_projects)


class InvestmentFilterSet(SearchFilterSet):
    """Agency and department choices reach the agencies the user oversees (a city agency's districts)."""

    agency_field = "project__agency"

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if user is None or not user.is_authenticated:
            return
        agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
        departments = Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)
        if not user.is_superuser:
            overseen = overseen_agency_ids(user)
            agencies = agencies.filter(pk__in=overseen)
            departments = departments.filter(parent__in=overseen)
        if "agency" in self.filters:
            self.filters["agency"].queryset = agencies
        if "department" in self.filters:
            self.filters["department"].queryset = departments
        if "tag" in self.filters:
            names = tag_names(None if user.is_superuser else overseen_agency_ids(user))
            self.filters["tag"].extra["choices"] = [(name, name) for name in names]


class ProjectFiltersMixin(django_filters.FilterSet):
    project = django_filters.NumberFilter(label=_("project"), widget=forms.HiddenInput)
    project_code = django_filters.CharFilter(label=_("project code"), field_name="project__code")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), field_name="project__agency", queryset=Organization.objects.none(), distinct=False
    )


class AnnualPlanFilterSet(InvestmentFilterSet, ProjectFiltersMixin):
    """The plans behind every figure of the dashboard: filter by what the dashboard groups by and by the lag
    class at a month (`as_of`, default the latest month due)."""

    search_fields = ("project__name", "project__code")
    link_filters = ("director", "category", "as_of")
    year = django_filters.NumberFilter(label=_("year"))
    as_of = django_filters.TypedChoiceFilter(
        label=_("figures at the end of"), choices=MONTH_CHOICES, coerce=int, method="filter_nothing"
    )
    lag = django_filters.ChoiceFilter(label=_("schedule"), choices=figures.Lag.choices, method="filter_lag")
    funding_source = django_filters.ChoiceFilter(label=_("funding source"), choices=FundingSource.choices)
    plan_category = django_filters.ChoiceFilter(
        label=_("plan category"),
        choices=PlanCategory.choices,
        null_value="-",
        null_label=_("Not set"),
        method="filter_plan_category",
    )
    category_group = django_filters.ChoiceFilter(
        label=_("category group"), choices=CategoryGroup.choices, method="filter_category_group"
    )
    category = django_filters.ChoiceFilter(
        label=_("category"), choices=Category.choices, field_name="project__category"
    )
    area = django_filters.CharFilter(label=_("area (片区)"), field_name="project__area", method="filter_area")
    department = django_filters.ModelChoiceFilter(
        label=_("responsible department"),
        field_name="project__department",
        queryset=Organization.objects.none(),
        null_value="-",
        null_label=_("No department"),
    )
    director = django_filters.CharFilter(
        label=_("project director"), method="filter_director", widget=forms.HiddenInput
    )
    tag = tag_filter("project")

    class Meta:
        model = AnnualPlan
        fields = [
            "q",
            "year",
            "as_of",
            "lag",
            "agency",
            "tag",
            "category_group",
            "area",
            "department",
            "funding_source",
            "plan_category",
            "project",
            "project_code",
            "category",
            "director",
        ]

    def figures_month(self) -> tuple[int, int]:
        """The year and month whose figures the list shows: the filters', else the latest due."""
        default_year, default_month = figures.default_month()
        data = self.form.cleaned_data if self.form.is_valid() else {}
        year = data.get("year") or default_year
        month = data.get("as_of") or (default_month if int(year) == default_year else 12)
        return int(year), int(month)

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def filter_category_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(project__category__in=CATEGORY_GROUPS.get(value, ()))

    def filter_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """An exact area, as the dashboard groups them; "-" for plans of projects with no area."""
        return queryset.filter(project__area="" if value == "-" else value)

    def filter_director(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A director's id, or "-" for plans of projects with no director (a dashboard row)."""
        if value == "-":
            return queryset.filter(project__director__isnull=True)
        return queryset.filter(project__director=value) if value.isdigit() else queryset.none()

    def filter_plan_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(plan_category="" if value in ("-", None) else value)

    def filter_lag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        year, month = self.figures_month()
        return queryset.filter(figures.lag_q(figures.plan_rows(queryset, year, month), value))

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            _year, month = self.figures_month()
            self._qs = figures.with_figures(super().qs, month)
        return self._qs


class ScheduleTemplateFilterSet(InvestmentFilterSet):
    search_fields = ("name",)
    agency = django_filters.ModelChoiceFilter(label=_("agency"), queryset=Organization.objects.none())

    class Meta:
        model = ScheduleTemplate
        fields = ["q", "agency"]


class InvestmentSettingsFilterSet(InvestmentFilterSet):
    search_fields = ("agency__name",)

    class Meta:
        model = InvestmentSettings
        fields = ["q"]


class MonthlyActualFilterSet(InvestmentFilterSet, ProjectFiltersMixin):
    search_fields = ("project__name", "project__code", "note")
    link_filters = ("plan", "tag")
    year = django_filters.NumberFilter(label=_("year"), field_name="month", lookup_expr="year")
    month_from = django_filters.DateFilter(label=_("from month"), field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(label=_("to month"), field_name="month", lookup_expr="lte")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ActualStatus.choices)
    plan = django_filters.NumberFilter(label=_("plan"), widget=forms.HiddenInput)
    voided = voided_filter()
    tag = tag_filter("project")

    class Meta:
        model = MonthlyActual
        fields = [
            "q",
            "year",
            "month_from",
            "month_to",
            "status",
            "agency",
            "project",
            "project_code",
            "plan",
            "voided",
            "tag",
        ]


class PlanAdjustmentFilterSet(InvestmentFilterSet):
    search_fields = ("plan__project__name", "plan__project__code", "reason", "document_number")
    link_filters = ("plan", "project", "tag")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), field_name="plan__project__agency", queryset=Organization.objects.none()
    )
    year = django_filters.NumberFilter(label=_("plan year"), field_name="plan__year")
    direction = django_filters.ChoiceFilter(label=_("direction"), choices=AdjustmentDirection.choices)
    status = django_filters.ChoiceFilter(label=_("approval status"), choices=AdjustmentStatus.choices)
    decided_from = django_filters.DateFilter(label=_("decided from"), field_name="decided_on", lookup_expr="gte")
    decided_to = django_filters.DateFilter(label=_("decided to"), field_name="decided_on", lookup_expr="lte")
    plan = django_filters.NumberFilter(label=_("plan"), widget=forms.HiddenInput)
    project = django_filters.NumberFilter(label=_("project"), field_name="plan__project", widget=forms.HiddenInput)
    tag = tag_filter("plan__project")

    class Meta:
        model = PlanAdjustment
        fields = ["q", "year", "agency", "direction", "status", "decided_from", "decided_to", "plan", "project", "tag"]


class PaymentFilterSet(InvestmentFilterSet, ProjectFiltersMixin):
    search_fields = ("project__name", "project__code", "payee__name", "contract_number", "voucher_number")
    link_filters = ("planned_in", "tag")
    paid_from = django_filters.DateFilter(label=_("paid from"), field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(label=_("paid to"), field_name="paid_on", lookup_expr="lte")
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=PaymentKind.choices)
    payee = django_filters.ModelChoiceFilter(
        label=_("payee"), queryset=Organization.objects.exclude(kind__in=[OrganizationKind.AGENCY])
    )
    planned_in = django_filters.NumberFilter(
        label=_("project planned in"), field_name="project__plans__year", distinct=True
    )
    tag = tag_filter("project")
    contract = django_filters.NumberFilter(label=_("contract"), widget=forms.HiddenInput)
    claim = django_filters.NumberFilter(label=_("payment claim"), widget=forms.HiddenInput)
    linked = django_filters.BooleanFilter(
        label=_("paid against a contract"), field_name="contract", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Payment
        fields = [
            "q",
            "paid_from",
            "paid_to",
            "kind",
            "agency",
            "payee",
            "project",
            "project_code",
            "planned_in",
            "tag",
            "linked",
            "contract",
            "claim",
        ]
