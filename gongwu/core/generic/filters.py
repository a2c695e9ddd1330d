from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongwu.core.autocomplete import fast_select, use_autocomplete
from gongwu.core.models import Action

if TYPE_CHECKING:
    from gongwu.core.models import User


class SearchFilterSet(django_filters.FilterSet):
    """Base FilterSet: a `q` search box over `search_fields`, and object choices scoped to the user.

    One FilterSet per model serves the list page, the Excel export and the API list.
    """

    search_fields: tuple[str, ...] = ()
    # Filters that links set (a summary figure's list): on the page only while they hold a value.
    link_filters: tuple[str, ...] = ()
    base_filters: dict[str, Any]  # (django-filter's metaclass sets it)
    q = django_filters.CharFilter(method="search", label=_("Search"))

    def __init__(self, *args: Any, user: User | None = None, given_only: bool = False, **kwargs: Any) -> None:
        """`given_only` (the API, which shows no form) leaves out the filters the data does not name: an
        absent filter filters nothing, and building and scoping every filter's choices cost more than the page."""
        if given_only:
            given = set((args[0] if args else kwargs.get("data")) or ())
            # django-filter copies `self.base_filters` for each instance: only the given ones are copied.
            self.base_filters = {
                name: filter_
                for name, filter_ in type(self).base_filters.items()
                if name in given or any(key.startswith(f"{name}_") for key in given)
            }
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            # A filter on a column of the model itself cannot duplicate rows; DISTINCT would only stop
            # PostgreSQL from using an index for the sort (measured in bench/list_api.py).
            if "__" not in (filter_.field_name or ""):
                filter_.distinct = False
            if user is None:
                continue
            # ModelChoiceFilter keeps its queryset on the filter itself (and puts it into `extra` when it
            # makes the field); other filters with choices of objects keep it in `extra`.
            queryset = getattr(filter_, "queryset", None)
            if isinstance(queryset, QuerySet) and hasattr(queryset, "for_user"):
                filter_.queryset = filter_.extra["queryset"] = queryset.for_user(user, Action.VIEW)
                continue
            queryset = filter_.extra.get("queryset")
            if queryset is not None and hasattr(queryset, "for_user"):
                filter_.extra["queryset"] = queryset.for_user(user, Action.VIEW)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        if not words or not self.search_fields:
            return queryset
        for word in words[:5]:
            queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in self.search_fields)))
        return queryset

    @property
    def form(self) -> forms.Form:
        if hasattr(self, "_form"):
            return self._form
        form = super().form
        data = self.data or {}
        for name in self.link_filters:
            if name in form.fields and not data.get(name):
                del form.fields[name]
        for field in form.fields.values():
            use_autocomplete(field)
            widget = field.widget
            fast_select(widget)
            if isinstance(widget, forms.NullBooleanSelect):
                widget.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
        return form


VOIDED_CHOICES = (("live", _("Counted (not voided)")), ("voided", _("Voided")))


def voided_filter() -> django_filters.ChoiceFilter:
    """The “voided” filter of a voidable model's list: every record by default, marked; or either kind."""

    def by_voided(queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "live":
            return queryset.filter(voided_at__isnull=True)
        if value == "voided":
            return queryset.filter(voided_at__isnull=False)
        return queryset

    return django_filters.ChoiceFilter(label=_("voided"), choices=VOIDED_CHOICES, method=by_voided)
