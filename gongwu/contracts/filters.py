"""FilterSets of the contracts app, shared by the list pages, the Excel exports and the API. Each area has its
section."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import (
    Contract,
    ContractSettings,
    ContractStatus,
    ContractTemplate,
    Countersign,
    CountersignRoute,
    CountersignRouteStep,
    CountersignStatus,
    CountersignStep,
    StepStatus,
)
from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind
from gongwu.tenders.models import SubjectKind


def agency_filter(field_name: str = "agency") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        label=_("agency"),
        field_name=field_name,
        queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY),
        distinct=False,
    )


# ---- contracts -----------------------------------------------------------------------------------


class ContractFilterSet(SearchFilterSet):
    search_fields = ("number", "name", "contractor__name", "project__name", "project__code")
    link_filters = ("countersigned_from", "countersigned_to", "in_force_on", "project")
    agency = agency_filter()
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=SubjectKind.choices)
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ContractStatus.choices)
    project = django_filters.NumberFilter(label=_("project"), widget=forms.HiddenInput)
    project_code = django_filters.CharFilter(label=_("project code"), field_name="project__code")
    contractor = django_filters.ModelChoiceFilter(
        label=_("party"), queryset=Organization.objects.exclude(kind=OrganizationKind.AGENCY), method="filter_party"
    )
    signed_from = django_filters.DateFilter(label=_("signed from"), field_name="signed_on", lookup_expr="gte")
    signed_to = django_filters.DateFilter(label=_("signed to"), field_name="signed_on", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(label=_("past its completion date"), method="filter_overdue")
    countersigned_from = django_filters.DateFilter(label=_("countersigned from"), method="filter_countersigned")
    countersigned_to = django_filters.DateFilter(label=_("countersigned to"), method="filter_countersigned")
    in_force_on = django_filters.DateFilter(label=_("in force on"), method="filter_in_force")
    voided = voided_filter()

    class Meta:
        model = Contract
        fields = [
            "q",
            "agency",
            "kind",
            "status",
            "contractor",
            "project",
            "project_code",
            "signed_from",
            "signed_to",
            "overdue",
            "countersigned_from",
            "countersigned_to",
            "in_force_on",
            "voided",
        ]

    def filter_party(self, queryset: QuerySet, name: str, value: Organization | None) -> QuerySet:
        return queryset.filter(Contract.party_q(value.pk)) if value is not None else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = overdue_q(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_countersigned(self, queryset: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        """Contracts with a countersign round approved in the period (both ends applied together once)."""
        if name != "countersigned_from" and self.form.cleaned_data.get("countersigned_from"):
            return queryset  # applied with the start
        start = self.form.cleaned_data.get("countersigned_from")
        end = self.form.cleaned_data.get("countersigned_to")
        rounds = Countersign.objects.filter(status=CountersignStatus.APPROVED, finished_at__isnull=False)
        if start is not None:
            rounds = rounds.filter(finished_at__gte=day_start(start))
        if end is not None:
            rounds = rounds.filter(finished_at__lt=day_start(end + datetime.timedelta(days=1)))
        return queryset.filter(pk__in=rounds.values("contract"))

    def filter_in_force(self, queryset: QuerySet, name: str, value: datetime.date | None) -> QuerySet:
        return queryset.filter(in_force_q(value)) if value is not None else queryset


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of a day in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def overdue_q(today: datetime.date) -> Q:
    """Signed or performing, not voided, and past the day it was to be completed by."""
    return Q(
        end_on__lt=today,
        status__in=(ContractStatus.SIGNED, ContractStatus.PERFORMING),
        voided_at__isnull=True,
    )


def in_force_q(day: datetime.date) -> Q:
    """In force on a day: signed by then, not settled before it, not closed or voided."""
    from gongwu.contracts.models import IN_FORCE

    return Q(status__in=IN_FORCE, voided_at__isnull=True, signed_on__lte=day) & (
        Q(settled_on__isnull=True) | Q(settled_on__gte=day)
    )


# ---- settings and the standard text library -----------------------------------------------------------


class ContractSettingsFilterSet(SearchFilterSet):
    search_fields = ("agency__name",)

    class Meta:
        model = ContractSettings
        fields = ["q"]


class ContractTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "note")
    kind = django_filters.ChoiceFilter(label=_("contract kind"), choices=SubjectKind.choices)
    is_active = django_filters.BooleanFilter(label=_("in use"))

    class Meta:
        model = ContractTemplate
        fields = ["q", "kind", "is_active"]


# ---- countersign -------------------------------------------------------------------------------------


class CountersignRouteFilterSet(SearchFilterSet):
    search_fields = ("name",)
    kind = django_filters.ChoiceFilter(label=_("contract kind"), choices=SubjectKind.choices)
    is_active = django_filters.BooleanFilter(label=_("in use"))

    class Meta:
        model = CountersignRoute
        fields = ["q", "kind", "is_active"]


class CountersignRouteStepFilterSet(SearchFilterSet):
    search_fields = ("label", "route__name")
    route = django_filters.NumberFilter(label=_("route"), widget=forms.HiddenInput)

    class Meta:
        model = CountersignRouteStep
        fields = ["q", "route"]


class CountersignStepFilterSet(SearchFilterSet):
    search_fields = ("label", "countersign__contract__number", "countersign__contract__name")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=StepStatus.choices)
    contract = django_filters.NumberFilter(label=_("contract"), field_name="countersign__contract")
    mine = django_filters.BooleanFilter(label=_("open for me to sign"), method="filter_mine")

    class Meta:
        model = CountersignStep
        fields = ["q", "status", "contract", "mine"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if not value:
            return queryset
        from gongwu.contracts.services import pending_steps_for

        return queryset.filter(pk__in=pending_steps_for(self._user).values("pk"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self._user = user
