"""Filters of the change, claim, spot check and band lists: one FilterSet serves the page, the export and the API."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import (
    ApprovalLevel,
    Change,
    ChangeBand,
    ChangeKind,
    ChangeStatus,
    Claim,
    ClaimKind,
    ClaimStatus,
    SpotCheck,
)
from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind


def agency_filter(path: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        label=_("agency"), field_name=path, queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY)
    )


def changes_over_q(percent: Decimal, prefix: str = "") -> Q:
    """Contracts whose approved changes reach `percent` of their price (either way)."""
    share = F(f"{prefix}amount") * percent / Decimal(100)
    return Q(**{f"{prefix}changes_amount__gte": share}) | Q(**{f"{prefix}changes_amount__lte": -share})


class ChangeFilterSet(SearchFilterSet):
    search_fields = ("number", "title", "contract__number", "contract__name", "contract__project__name")
    link_filters = ("contract", "contract_over")
    agency = agency_filter("contract__agency")
    contract = django_filters.NumberFilter(label=_("contract"), widget=forms.HiddenInput)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=ChangeKind.choices)
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ChangeStatus.choices)
    level_required = django_filters.ChoiceFilter(label=_("approval required"), choices=ApprovalLevel.choices)
    approved_from = django_filters.DateFilter(label=_("approved from"), field_name="approved_on", lookup_expr="gte")
    approved_to = django_filters.DateFilter(label=_("approved to"), field_name="approved_on", lookup_expr="lte")
    flags_audit = django_filters.BooleanFilter(label=_("flags an audit"))
    contract_over = django_filters.CharFilter(
        label=_("contract's cumulative change at least (%)"), method="filter_contract_over"
    )
    voided = voided_filter()

    class Meta:
        model = Change
        fields = [
            "q",
            "agency",
            "kind",
            "status",
            "level_required",
            "approved_from",
            "approved_to",
            "flags_audit",
            "contract",
            "contract_over",
            "voided",
        ]

    def filter_contract_over(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            percent = Decimal(value)
        except (InvalidOperation, TypeError):
            return queryset.none()
        return queryset.filter(changes_over_q(percent, "contract__"))


class ClaimFilterSet(SearchFilterSet):
    search_fields = ("contract__number", "contract__name", "contract__project__name", "note")
    link_filters = ("contract",)
    agency = agency_filter("contract__agency")
    contract = django_filters.NumberFilter(label=_("contract"), widget=forms.HiddenInput)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=ClaimKind.choices)
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=ClaimStatus.choices)
    period_from = django_filters.DateFilter(label=_("period ending from"), field_name="period_end", lookup_expr="gte")
    period_to = django_filters.DateFilter(label=_("period ending to"), field_name="period_end", lookup_expr="lte")
    approved_from = django_filters.DateFilter(label=_("approved from"), field_name="approved_on", lookup_expr="gte")
    approved_to = django_filters.DateFilter(label=_("approved to"), field_name="approved_on", lookup_expr="lte")
    voided = voided_filter()

    class Meta:
        model = Claim
        fields = [
            "q",
            "agency",
            "kind",
            "status",
            "period_from",
            "period_to",
            "approved_from",
            "approved_to",
            "contract",
            "voided",
        ]


class SpotCheckFilterSet(SearchFilterSet):
    search_fields = ("name", "conclusion")
    agency = agency_filter("agency")

    class Meta:
        model = SpotCheck
        fields = ["q", "agency"]


class ChangeBandFilterSet(SearchFilterSet):
    agency = agency_filter("agency")

    class Meta:
        model = ChangeBand
        fields = ["agency"]
