"""Filters of the review (结算台账) and subcontract lists, shared by the pages, the Excel export and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import reviews
from gongwu.contracts.models import Contract, Review, ReviewKind, ReviewStatus, Subcontract, SubcontractKind
from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind, User
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.projects.models import Project


class AgencyChoicesMixin(SearchFilterSet):
    """The agency filter offers the agencies the user sees."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if "agency" in self.filters and user is not None and user.is_authenticated:
            agencies = Organization.objects.filter(kind=OrganizationKind.AGENCY)
            if not user.is_superuser:
                agencies = agencies.filter(pk__in=user.visible_agency_ids())
            self.filters["agency"].queryset = agencies


class ReviewFilterSet(AgencyChoicesMixin):
    search_fields = ("name", "project__name", "project__code", "contract__number", "reviewer__name")
    link_filters = ("approved_from", "approved_to", "contract")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), field_name="project__agency", queryset=Organization.objects.none(), distinct=False
    )
    project = django_filters.ModelChoiceFilter(label=_("project"), queryset=Project.objects.all())
    contract = django_filters.NumberFilter(label=_("contract"), field_name="contract", widget=forms.HiddenInput)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=ReviewKind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=ReviewStatus.choices)
    year = django_filters.NumberFilter(label=_("year approved"), field_name="approved_on", lookup_expr="year")
    approved_from = django_filters.DateFilter(label=_("approved from"), field_name="approved_on", lookup_expr="gte")
    approved_to = django_filters.DateFilter(label=_("approved to"), field_name="approved_on", lookup_expr="lte")
    reviewer = django_filters.ModelChoiceFilter(label=_("reviewer"), queryset=Organization.objects.all())
    voided = voided_filter()

    class Meta:
        model = Review
        fields = [
            "q",
            "agency",
            "project",
            "contract",
            "kind",
            "status",
            "year",
            "approved_from",
            "approved_to",
            "reviewer",
            "voided",
        ]


class SubcontractFilterSet(AgencyChoicesMixin):
    search_fields = ("scope", "company__name", "contract__number", "contract__name", "contract__project__name")
    link_filters = ("contract", "filed_from", "filed_to")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), field_name="contract__agency", queryset=Organization.objects.none(), distinct=False
    )
    project = django_filters.ModelChoiceFilter(
        label=_("project"), field_name="contract__project", queryset=Project.objects.all()
    )
    contract = django_filters.ModelChoiceFilter(label=_("main contract"), queryset=Contract.objects.all())
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=SubcontractKind.choices)
    company = django_filters.ModelChoiceFilter(
        label=_("subcontractor"), queryset=Organization.objects.filter(kind__in=COMPANY_KINDS)
    )
    year = django_filters.NumberFilter(label=_("year filed"), field_name="filed_on", lookup_expr="year")
    filed_from = django_filters.DateFilter(label=_("filed from"), field_name="filed_on", lookup_expr="gte")
    filed_to = django_filters.DateFilter(label=_("filed to"), field_name="filed_on", lookup_expr="lte")
    late = django_filters.BooleanFilter(label=_("filed late"), method="filter_late")
    voided = voided_filter()

    class Meta:
        model = Subcontract
        fields = [
            "q",
            "agency",
            "project",
            "contract",
            "kind",
            "company",
            "year",
            "filed_from",
            "filed_to",
            "late",
            "voided",
        ]

    def filter_late(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        agency_ids = set(queryset.order_by().values_list("contract__agency_id", flat=True).distinct())
        late = reviews.late_q(reviews.settings_by_agency(agency_ids))
        return queryset.filter(late) if value else queryset.exclude(late)


class BacklogFilterSet(AgencyChoicesMixin):
    """The 双算 backlog's filters, over projects."""

    MISSING_CHOICES = (
        (ReviewKind.SETTLEMENT, _("Settlement review overdue")),
        (ReviewKind.FINAL, _("Final accounts overdue")),
    )
    search_fields = ("name", "code")
    agency = django_filters.ModelChoiceFilter(
        label=_("owner agency"), field_name="agency", queryset=Organization.objects.none(), distinct=False
    )
    director = django_filters.ModelChoiceFilter(
        label=_("project director"),
        queryset=User.objects.filter(pk__in=Project.objects.filter(director__isnull=False).values("director")),
    )
    missing = django_filters.ChoiceFilter(label=_("overdue"), choices=MISSING_CHOICES, method="filter_nothing")

    class Meta:
        model = Project
        fields = ["q", "agency", "director", "missing"]

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """The backlog reads it (`reviews.backlog_rows`): which allowance a project is past."""
        return queryset

    def missing_kind(self) -> str | None:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return data.get("missing") or None
