from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.alerts import sources
from gongwu.alerts.models import (
    OPEN_STATUSES,
    Case,
    EscalationStep,
    Kind,
    Level,
    Meeting,
    MeetingKind,
    RuleSetting,
    Status,
)
from gongwu.core.generic.filters import SearchFilterSet, voided_filter
from gongwu.core.models import Organization, OrganizationKind


class CaseFilterSet(SearchFilterSet):
    search_fields = ("title", "number", "subject_label", "description")
    link_filters = ("subject_type", "subject_id", "opened_from", "opened_to", "closed_from", "closed_to", "meeting")
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=Status.choices)
    live = django_filters.BooleanFilter(label=_("still open"), method="filter_live")
    overdue = django_filters.BooleanFilter(label=_("overdue"), method="filter_overdue")
    level = django_filters.MultipleChoiceFilter(label=_("level"), choices=Level.choices)
    source = django_filters.MultipleChoiceFilter(label=_("source"), choices=sources.case_source_choices)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=Kind.choices)
    agency = django_filters.ModelChoiceFilter(
        label=_("agency"), queryset=Organization.objects.filter(kind=OrganizationKind.AGENCY)
    )
    department = django_filters.ModelChoiceFilter(
        label=_("supervising department"), queryset=Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)
    )
    responsible_name = django_filters.CharFilter(
        label=_("responsible organization"), field_name="responsible_org__name", lookup_expr="icontains"
    )
    rule_code = django_filters.CharFilter(label=_("rule"))
    subject_type = django_filters.NumberFilter(widget=forms.HiddenInput)
    subject_id = django_filters.CharFilter(widget=forms.HiddenInput)
    subject_label = django_filters.CharFilter(label=_("subject"), lookup_expr="icontains")
    opened_from = django_filters.DateFilter(label=_("opened from"), field_name="opened_on", lookup_expr="gte")
    opened_to = django_filters.DateFilter(label=_("opened to"), field_name="opened_on", lookup_expr="lte")
    closed_from = django_filters.DateFilter(label=_("closed from"), field_name="closed_on", lookup_expr="gte")
    closed_to = django_filters.DateFilter(label=_("closed to"), field_name="closed_on", lookup_expr="lte")
    meeting = django_filters.NumberFilter(widget=forms.HiddenInput)
    voided = voided_filter()

    class Meta:
        model = Case
        fields = ["q", "status", "live", "overdue", "level", "source", "kind", "agency", "department", "voided"]

    def filter_live(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(status__in=OPEN_STATUSES)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = Q(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class MeetingFilterSet(SearchFilterSet):
    search_fields = ("title", "minutes", "participants")
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=MeetingKind.choices)
    date_from = django_filters.DateFilter(label=_("from"), field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("to"), field_name="date", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields = ["q", "kind", "date_from", "date_to"]


class RuleSettingFilterSet(SearchFilterSet):
    search_fields = ("code",)

    class Meta:
        model = RuleSetting
        fields = ["q", "enabled"]


class EscalationStepFilterSet(SearchFilterSet):
    class Meta:
        model = EscalationStep
        fields = ["q", "action"]
