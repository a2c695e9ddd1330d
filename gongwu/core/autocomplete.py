"""Search-as-you-type choices for foreign keys whose choice list can be large (projects, users, organizations).

A `ModelChoiceField` of a `ScopedModelForm` or a `SearchFilterSet` gets `AutocompleteSelect` as its widget
when its model has a list page with search fields. While the field's queryset holds at most `SELECT_MAX`
rows the widget is the plain `<select>` (it works without JavaScript); above that it renders a text input
with the current value's label and a hidden input with its id, and `static/gongwu/autocomplete.js` asks
`/autocomplete/<app>.<model>/?q=…` for at most `LIMIT` matches as the person types.

The endpoint returns only rows of `Model.objects.for_user(user)`. The field's own simple conditions (e.g. a
project's parent must be a top-level project) travel signed in the `scope` parameter, so the list offers only
what the field accepts; they can narrow the user's scope, never widen it. The form still validates the
submitted id against its scoped queryset.
"""

from __future__ import annotations

import types
from functools import reduce
from operator import or_
from typing import Any

from django import forms
from django.apps import apps
from django.core import signing
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, In, IsNull, LessThan, LessThanOrEqual
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.urls import get_resolver, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gongwu.core.models import Action

LIMIT = 20  # matches per answer
SELECT_MAX = 200  # up to this many choices, a plain <select>
SALT = "gongwu.autocomplete"
SEARCH_FIELDS: dict[type[models.Model], tuple[str, ...]] = {}
SIMPLE_LOOKUPS = (Exact, In, IsNull, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual)


def register(model: type[models.Model], search_fields: tuple[str, ...]) -> None:
    """Offer `model` to the autocomplete, matched on `search_fields` (called for every generic list page)."""
    if search_fields:
        SEARCH_FIELDS.setdefault(model, tuple(search_fields))


def search_fields(model: type[models.Model]) -> tuple[str, ...]:
    if not SEARCH_FIELDS:
        get_resolver().url_patterns  # noqa: B018 (the URLs declare the list pages, which register)
    return SEARCH_FIELDS.get(model, ())


def simple_conditions(queryset: QuerySet) -> dict[str, Any]:
    """The queryset's top-level AND conditions that are a plain lookup on one of its own columns, as
    filter() arguments (e.g. {"parent__isnull": True}); the others (ORs, joins, subqueries) are left out."""
    where = queryset.query.where
    if where.connector != "AND" or where.negated:
        return {}
    found: dict[str, Any] = {}
    for child in where.children:
        if not isinstance(child, SIMPLE_LOOKUPS):
            continue
        target = getattr(child.lhs, "target", None)
        if target is None or getattr(child.lhs, "alias", None) != queryset.query.base_table:
            continue
        value = child.rhs
        if isinstance(value, list | tuple | set):
            value = list(value)
            if not all(isinstance(v, str | int | bool) for v in value):
                continue
        elif not isinstance(value, str | int | bool):
            continue
        found[f"{target.name}__{child.lookup_name}"] = value
    return found


def match(queryset: QuerySet, fields: tuple[str, ...], text: str) -> QuerySet:
    """Rows in which every word of `text` (up to 5) is in one of `fields`, as the list pages search."""
    for word in text.split()[:5]:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    return queryset


def scoped_matches(user: Any, label: str, text: str, scope: str = "") -> list[dict[str, Any]] | None:
    """At most LIMIT + 1 rows of the model named `label` that `user` may view, match `text` and meet the
    signed `scope`; None when there is no such model to search (or the scope is forged)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    fields = search_fields(model)
    if not fields or not hasattr(model.objects, "for_user"):
        return None
    queryset = model.objects.for_user(user, Action.VIEW)
    if scope:
        try:
            conditions = signing.loads(scope, salt=f"{SALT}:{model._meta.label_lower}")
        except signing.BadSignature:
            return None
        queryset = queryset.filter(**conditions)
    rows = match(queryset, fields, text)[: LIMIT + 1]
    return [{"id": row.pk, "label": str(row)} for row in rows]


def render_select(widget: forms.Select, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
    """The HTML Django's select templates write, written in Python: the templates cost a template render per
    option, a third of a list page's time (bench/projects.py)."""
    context = widget.get_context(name, value, attrs)["widget"]
    parts = [format_html('<select name="{}"{}>', context["name"], flatatt(context["attrs"]))]
    for group_name, options, _index in context["optgroups"]:
        if group_name:
            parts.append(format_html('<optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>', option["value"], flatatt(option["attrs"]), option["label"]
                )
            )
        if group_name:
            parts.append(mark_safe("</optgroup>"))
    parts.append(mark_safe("</select>"))
    return mark_safe("".join(parts))  # noqa: S308 (every part went through format_html)


def fast_select(widget: forms.Widget) -> None:
    """Render this select (single or multiple) with `render_select`."""
    if isinstance(widget, forms.Select) and not isinstance(widget, AutocompleteSelect):
        widget.render = types.MethodType(render_select, widget)  # type: ignore[method-assign]  # this widget's own


class CachedChoices(ModelChoiceIterator):
    """A model field's choices from rows already read."""

    def __init__(self, field: forms.ModelChoiceField, rows: list[models.Model]) -> None:
        super().__init__(field)
        self.rows = rows

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.rows:
            yield self.choice(row)

    def __len__(self) -> int:
        return len(self.rows) + (self.field.empty_label is not None)


class AutocompleteSelect(forms.Select):
    """A `<select>` for a small choice list; a search-as-you-type input for a large one (see the module)."""

    def small_choices(self, choices: ModelChoiceIterator) -> CachedChoices | None:
        """The choices, read once, when there are at most SELECT_MAX (or the model has no search); else None."""
        queryset = choices.queryset
        if not search_fields(queryset.model):
            return CachedChoices(choices.field, list(queryset))
        rows = list(queryset[: SELECT_MAX + 1])
        return CachedChoices(choices.field, rows) if len(rows) <= SELECT_MAX else None

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        if not isinstance(self.choices, ModelChoiceIterator) or isinstance(self.choices, CachedChoices):
            return render_select(self, name, value, attrs, renderer)
        small = self.small_choices(self.choices)
        if small is not None:
            self.choices = small
            return render_select(self, name, value, attrs, renderer)
        queryset = self.choices.queryset
        model = queryset.model
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id") or f"id_{name}"
        values = [v for v in self.format_value(value) if v]
        label = ""
        if values:
            try:
                chosen = queryset.filter(pk=values[0]).first()
            except (ValueError, TypeError):
                chosen = None
            label = self.choices.field.label_from_instance(chosen) if chosen is not None else ""
        scope = signing.dumps(simple_conditions(queryset), salt=f"{SALT}:{model._meta.label_lower}")
        classes = attrs.get("class", "").replace("form-select", "form-control")
        return format_html(
            '<div class="gw-autocomplete" data-gw-autocomplete="{url}" data-gw-scope="{scope}" data-gw-empty="{empty}">'
            '<input type="hidden" name="{name}" value="{value}" class="gw-autocomplete-value">'
            '<input type="text" id="{id}" class="{classes} gw-autocomplete-text" value="{label}" autocomplete="off"'
            ' role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="{id}-list"'
            ' placeholder="{placeholder}"{required}>'
            '<ul class="gw-autocomplete-list dropdown-menu" id="{id}-list" role="listbox" hidden></ul>'
            "</div>",
            url=reverse("core:autocomplete", args=[model._meta.label_lower]),
            scope=scope,
            empty=_("Nothing matches."),
            name=name,
            value=values[0] if values else "",
            id=widget_id,
            classes=classes,
            label=label,
            placeholder=_("Type to search"),
            required=mark_safe(" required") if attrs.get("required") else "",
        )


def use_autocomplete(field: forms.Field) -> None:
    """Give a single foreign-key choice field the autocomplete widget, keeping its attributes."""
    if not isinstance(field, forms.ModelChoiceField) or isinstance(field, forms.ModelMultipleChoiceField):
        return
    if type(field.widget) is not forms.Select:
        return
    widget = AutocompleteSelect(attrs=field.widget.attrs)  # small choices render as a select
    widget.is_required = field.widget.is_required
    field.widget = widget
    widget.choices = field.choices  # type: ignore[assignment]  # a ModelChoiceField's choices: its iterator
