from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.alerts.models import DONE_STATUSES
from gongwu.core.generic.filters import VOIDED_CHOICES, SearchFilterSet, voided_filter
from gongwu.inspections.models import (
    Accident,
    AccidentKind,
    CheckItem,
    ChecklistKind,
    ChecklistTemplate,
    Finding,
    FindingCategory,
    FindingStatus,
    HazardKind,
    HazardousWork,
    HazardStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Level,
    NoticeKind,
    RectificationNotice,
    Severity,
    Topic,
)
from gongwu.projects.filters import ProjectChildFilterSet


class InspectionFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "result", "inspectors")
    link_filters = ("hazardous_work",)
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=InspectionKind.choices)
    topic = django_filters.ChoiceFilter(label=_("topic"), choices=Topic.choices)
    level = django_filters.ChoiceFilter(label=_("level"), choices=Level.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=InspectionStatus.choices)
    date_from = django_filters.DateFilter(label=_("from"), field_name="started_at__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("to"), field_name="started_at__date", lookup_expr="lte")
    grade = django_filters.CharFilter(label=_("grade"))
    hazardous_work = django_filters.NumberFilter(label=_("hazardous work"), widget=forms.HiddenInput)
    scored = django_filters.BooleanFilter(label=_("scored to JGJ 59"), method="filter_scored")
    voided = voided_filter()

    class Meta:
        model = Inspection
        fields = [
            "q",
            "kind",
            "topic",
            "level",
            "status",
            "date_from",
            "date_to",
            "agency",
            "project",
            "project_code",
            "grade",
            "hazardous_work",
        ]

    def filter_scored(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Scored on the JGJ 59 summary sheet (it gives a grade; an agency's own checklist gives a score only)."""
        if value is None:
            return queryset
        scored = Q(score__isnull=False, grade__gt="")
        return queryset.filter(scored) if value else queryset.exclude(scored)


class FindingFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "description", "location")
    link_filters = ("inspection", "notice", "responsible_org", "recurring_category")
    category = django_filters.MultipleChoiceFilter(label=_("category"), choices=FindingCategory.choices)
    severity = django_filters.MultipleChoiceFilter(label=_("severity"), choices=Severity.choices)
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=FindingStatus.choices)
    found_from = django_filters.DateFilter(label=_("found from"), field_name="found_on", lookup_expr="gte")
    found_to = django_filters.DateFilter(label=_("found to"), field_name="found_on", lookup_expr="lte")
    responsible_org = django_filters.NumberFilter(label=_("responsible company"), widget=forms.HiddenInput)
    inspection = django_filters.NumberFilter(label=_("inspection"), widget=forms.HiddenInput)
    notice = django_filters.NumberFilter(label=_("notice"), widget=forms.HiddenInput)
    kind_of_inspection = django_filters.MultipleChoiceFilter(
        label=_("kind of inspection"), field_name="inspection__kind", choices=InspectionKind.choices
    )
    # A finding is voided with its inspection: the figures leave it out, and so does "Counted (not voided)".
    voided = django_filters.ChoiceFilter(label=_("voided"), choices=VOIDED_CHOICES, method="filter_voided")

    class Meta:
        model = Finding
        fields = [
            "q",
            "category",
            "severity",
            "status",
            "found_from",
            "found_to",
            "kind_of_inspection",
            "agency",
            "project",
            "project_code",
            "responsible_org",
            "inspection",
            "notice",
        ]

    def filter_voided(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "live":
            return queryset.filter(inspection__voided_at__isnull=True)
        if value == "voided":
            return queryset.filter(inspection__voided_at__isnull=False)
        return queryset


NOTICE_STATES = (
    ("open", _("Awaiting rectification")),
    ("answered", _("Awaiting re-inspection")),
    ("closed", _("Closed")),
    ("overdue", _("Overdue")),
    ("voided", _("Voided")),
)


class RectificationNoticeFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "number", "company__name")
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=NoticeKind.choices)
    state = django_filters.ChoiceFilter(label=_("status"), choices=NOTICE_STATES, method="filter_state")
    issued_from = django_filters.DateFilter(label=_("issued from"), field_name="issued_on", lookup_expr="gte")
    issued_to = django_filters.DateFilter(label=_("issued to"), field_name="issued_on", lookup_expr="lte")
    company = django_filters.NumberFilter(label=_("addressed to"), widget=forms.HiddenInput)
    voided = voided_filter()

    class Meta:
        model = RectificationNotice
        fields = ["q", "kind", "state", "issued_from", "issued_to", "agency", "project", "project_code", "company"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "voided":
            return queryset.filter(voided_at__isnull=False)
        queryset = queryset.filter(voided_at__isnull=True)  # a voided notice is in none of the loop's states
        done = Q(case__status__in=DONE_STATUSES)
        if value == "closed":
            return queryset.filter(done)
        if value == "answered":
            return queryset.filter(case__status="submitted")
        if value == "overdue":
            return queryset.exclude(done).filter(deadline__lt=timezone.localdate())
        return queryset.exclude(done).exclude(case__status="submitted")


class HazardousWorkFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "name")
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=HazardKind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=HazardStatus.choices)
    over_scale = django_filters.BooleanFilter(label=_("exceeds the scale (超过一定规模)"))

    class Meta:
        model = HazardousWork
        fields = ["q", "kind", "status", "over_scale", "agency", "project", "project_code"]


class AccidentFilterSet(ProjectChildFilterSet):
    search_fields = ("project__name", "project__code", "description")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=AccidentKind.choices)
    occurred_from = django_filters.DateFilter(label=_("from"), field_name="occurred_on", lookup_expr="gte")
    occurred_to = django_filters.DateFilter(label=_("to"), field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = Accident
        fields = ["q", "kind", "occurred_from", "occurred_to", "agency", "project", "project_code"]


class ChecklistTemplateFilterSet(SearchFilterSet):
    search_fields = ("name", "table_no")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=ChecklistKind.choices)

    class Meta:
        model = ChecklistTemplate
        fields = ["q", "kind"]


class CheckItemFilterSet(SearchFilterSet):
    search_fields = ("text", "group")
    template = django_filters.ModelChoiceFilter(label=_("checklist"), queryset=ChecklistTemplate.objects.all())
    guarantee = django_filters.BooleanFilter(label=_("guarantee item (保证项目)"))

    class Meta:
        model = CheckItem
        fields = ["q", "template", "guarantee"]
