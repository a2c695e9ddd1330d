"""One FilterSet per model: the list pages, the Excel export and the API lists filter alike; the figures link
to these lists with the same names (`awarded_from`, `awarded_to`, `subject_kind` …)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind
from gongwu.tenders.models import (
    Bid,
    Method,
    Organisation,
    PlanStatus,
    SchemeTemplate,
    SubjectKind,
    Tender,
    TenderPlan,
    TenderStatus,
)


def agency_filter(path: str = "agency") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        label=_("owner agency"),
        field_name=path,
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY),
        distinct=False,
    )


class SchemeTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "evaluation_method", "award_method")
    agency = agency_filter()
    subject_kind = django_filters.ChoiceFilter(label=_("subject kind"), choices=SubjectKind.choices)
    method = django_filters.ChoiceFilter(label=_("method"), choices=Method.choices)
    organisation = django_filters.ChoiceFilter(label=_("organisation"), choices=Organisation.choices)
    is_active = django_filters.BooleanFilter(label=_("in use"))

    class Meta:
        model = SchemeTemplate
        fields = ["q", "agency", "subject_kind", "method", "organisation", "is_active"]


class TenderPlanFilterSet(SearchFilterSet):
    search_fields = ("name", "project__name", "project__code")
    link_filters = ("awarded_from", "awarded_to", "counterparty")
    agency = agency_filter()
    project = django_filters.NumberFilter(label=_("project"), method="filter_project", widget=forms.HiddenInput)
    project_code = django_filters.CharFilter(label=_("project code"), field_name="project__code")
    subject_kind = django_filters.MultipleChoiceFilter(label=_("subject kind"), choices=SubjectKind.choices)
    method = django_filters.MultipleChoiceFilter(label=_("method"), choices=Method.choices)
    organisation = django_filters.ChoiceFilter(label=_("organisation"), choices=Organisation.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=PlanStatus.choices)
    year = django_filters.NumberFilter(label=_("year of the planned notice"), field_name="planned_notice_on__year")
    split_suspected = django_filters.BooleanFilter(label=_("suspected split (化整为零)"))
    counterparty = django_filters.NumberFilter(label=_("intended counterparty"), widget=forms.HiddenInput)
    awarded_from = django_filters.DateFilter(label=_("awarded from"), method="filter_awarded")
    awarded_to = django_filters.DateFilter(label=_("awarded to"), method="filter_awarded")

    class Meta:
        model = TenderPlan
        fields = [
            "q",
            "agency",
            "project",
            "project_code",
            "subject_kind",
            "method",
            "organisation",
            "status",
            "year",
            "split_suspected",
            "counterparty",
            "awarded_from",
            "awarded_to",
        ]

    def filter_project(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        """The plans of a project: those it leads and those that cover it (a batch)."""
        if value is None:
            return queryset
        covering = TenderPlan.objects.filter(projects=value).values("pk")
        return queryset.filter(Q(pk__in=covering) | Q(project=value))

    def filter_awarded(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        """Plans with a tender awarded (award notice) in the period, not voided."""
        if value is None:
            return queryset
        lookup = "gte" if name == "awarded_from" else "lte"
        tenders = Tender.objects.filter(
            status=TenderStatus.AWARDED, voided_at__isnull=True, **{f"award_notice_on__{lookup}": value}
        )
        return queryset.filter(pk__in=tenders.values("plan"))


class TenderFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "plan__project__name", "plan__project__code", "winner__name")
    link_filters = ("awarded_from", "awarded_to", "plan", "winner")
    agency = agency_filter()
    project = django_filters.NumberFilter(label=_("project"), field_name="plan__project", widget=forms.HiddenInput)
    project_code = django_filters.CharFilter(label=_("project code"), field_name="plan__project__code")
    plan = django_filters.NumberFilter(label=_("tender plan"), widget=forms.HiddenInput)
    subject_kind = django_filters.MultipleChoiceFilter(label=_("subject kind"), choices=SubjectKind.choices)
    method = django_filters.MultipleChoiceFilter(label=_("method"), choices=Method.choices)
    organisation = django_filters.ChoiceFilter(
        label=_("organisation"), field_name="plan__organisation", choices=Organisation.choices
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=TenderStatus.choices)
    year = django_filters.NumberFilter(label=_("year of the notice"), field_name="notice_on__year")
    winner = django_filters.NumberFilter(label=_("winner"), widget=forms.HiddenInput)
    awarded_from = django_filters.DateFilter(label=_("awarded from"), field_name="award_notice_on", lookup_expr="gte")
    awarded_to = django_filters.DateFilter(label=_("awarded to"), field_name="award_notice_on", lookup_expr="lte")
    voided = voided_filter()

    class Meta:
        model = Tender
        fields = [
            "q",
            "agency",
            "project",
            "project_code",
            "plan",
            "subject_kind",
            "method",
            "organisation",
            "status",
            "year",
            "winner",
            "awarded_from",
            "awarded_to",
            "voided",
        ]


class BidFilterSet(SearchFilterSet):
    search_fields = ("bidder__name", "tender__number", "tender__name")
    link_filters = ("tender", "bidder")
    agency = agency_filter("tender__agency")
    tender = django_filters.NumberFilter(label=_("tender"), widget=forms.HiddenInput)
    bidder = django_filters.NumberFilter(label=_("bidder"), widget=forms.HiddenInput)
    subject_kind = django_filters.ChoiceFilter(
        label=_("subject kind"), field_name="tender__subject_kind", choices=SubjectKind.choices
    )
    qualified = django_filters.BooleanFilter(label=_("qualified"))
    recommended = django_filters.BooleanFilter(
        label=_("recommended candidate"), field_name="recommended_rank", lookup_expr="isnull", exclude=True
    )
    year = django_filters.NumberFilter(label=_("year of the notice"), field_name="tender__notice_on__year")

    class Meta:
        model = Bid
        fields = ["q", "agency", "tender", "bidder", "subject_kind", "qualified", "recommended", "year"]
