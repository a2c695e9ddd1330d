import django_filters
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.filters import SearchFilterSet
from gongwu.core.models import (
    GOVERNMENT_KINDS,
    CalendarDay,
    ChangeAction,
    ChangeLogEntry,
    DayKind,
    Organization,
    OrganizationKind,
    Role,
    User,
)
from gongwu.core.models.organizations import INTERNAL_KINDS


class OrganizationFilterSet(SearchFilterSet):
    search_fields = ("name", "short_name", "credit_code", "contact_person")
    kind = django_filters.MultipleChoiceFilter(label=_("kind"), choices=OrganizationKind.choices)
    parent = django_filters.ModelChoiceFilter(
        label=_("parent organization"), queryset=Organization.objects.filter(kind__in=GOVERNMENT_KINDS)
    )
    region = django_filters.CharFilter(label=_("region"), lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "parent", "region", "is_active"]


class UserFilterSet(SearchFilterSet):
    search_fields = ("username", "display_name", "email", "phone")
    role = django_filters.MultipleChoiceFilter(label=_("role"), choices=Role.choices)
    organization = django_filters.ModelChoiceFilter(
        label=_("organization"), queryset=Organization.objects.filter(kind__in=INTERNAL_KINDS)
    )
    organization_name = django_filters.CharFilter(
        label=_("organization name"), field_name="organization__name", lookup_expr="icontains"
    )
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = User
        fields = ["q", "role", "organization", "organization_name", "is_active"]


class ChangeLogFilterSet(SearchFilterSet):
    search_fields = ("object_repr", "actor_name", "request_id")
    action = django_filters.ChoiceFilter(label=_("action"), choices=ChangeAction.choices)
    source = django_filters.CharFilter(label=_("source"))
    actor = django_filters.ModelChoiceFilter(label=_("by"), queryset=User.objects.all())
    since = django_filters.DateFilter(label=_("from"), field_name="time", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("to"), field_name="time", lookup_expr="date__lte")

    class Meta:
        model = ChangeLogEntry
        fields = ["q", "action", "source", "actor", "since", "until"]


class CalendarDayFilterSet(SearchFilterSet):
    search_fields = ("name", "notice")
    year = django_filters.NumberFilter(label=_("year"), field_name="date", lookup_expr="year")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=DayKind.choices)

    class Meta:
        model = CalendarDay
        fields = ["q", "year", "kind"]
