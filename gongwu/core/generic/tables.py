from __future__ import annotations

import logging
from typing import Any

import django_tables2 as tables
import django_tables2.rows
import django_tables2.utils
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.html import format_html

from gongwu.core.money import format_money

logger = logging.getLogger(__name__)

# The version whose `utils.signature` and `utils.call_with_appropriate` the cache below was written against.
PATCHED_TABLES2_VERSION = "3.0.1"
_library_signature = django_tables2.utils.signature
_signatures: dict[Any, Any] = {}


def _cached_signature(fn: Any) -> Any:
    """django-tables2 inspects a column's render function for every cell; its parameters never change.

    Keyed by the function's code (a bound method or a closure is a new object for every table).
    """
    function = getattr(fn, "__func__", fn)
    # Only parameter names and kinds are read, which the code object fixes (closures share it).
    key = (getattr(function, "__code__", function), hasattr(fn, "__func__"))
    found = _signatures.get(key)
    if found is None:
        found = _signatures[key] = _library_signature(fn)
    return found


_library_accessor = django_tables2.rows.A
_accessors: dict[str, Any] = {}


def _cached_accessor(value: Any) -> Any:
    """django-tables2 makes a new Accessor (a str subclass) for every cell; one per path is enough.

    Only plain paths are cached: an accessor carrying call arguments is made as the library makes it.
    """
    if getattr(value, "callable_args", None) or getattr(value, "callable_kwargs", None):
        return _library_accessor(value)
    key = str(value)
    found = _accessors.get(key)
    if found is None:
        found = _accessors[key] = _library_accessor(value)
    return found


def install_signature_cache() -> bool:
    """Cache django-tables2's signatures (about 30% of a list page's cell rendering), on the version it fits.

    Called from CoreConfig.ready(). On another version the library is left as it is, with a warning: the
    pages stay right, only slower, until the patch is checked against it (tests/test_tables2_patch.py).
    """
    utils = django_tables2.utils
    fits = (
        django_tables2.__version__ == PATCHED_TABLES2_VERSION
        and "signature" in utils.call_with_appropriate.__code__.co_names
    )
    if not fits:
        logger.warning(
            "django-tables2 %s is not %s: its signature cache is not installed",
            django_tables2.__version__,
            PATCHED_TABLES2_VERSION,
        )
        return False
    utils.signature = _cached_signature
    if django_tables2.rows.A is _library_accessor:
        django_tables2.rows.A = _cached_accessor
    return True


class ObjectTable(tables.Table):
    """Base table: the first column links to the object; money columns shown in 万元/亿元."""

    class Meta:
        template_name = "core/table.html"
        attrs = {"class": "table table-vcenter card-table table-striped table-sm"}
        empty_text = " "


class LinkColumn(tables.Column):
    def render(self, value: Any, record: Any) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)


class MoneyColumn(tables.Column):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return format_money(value)


class DayColumn(tables.Column):
    """A date as the agencies write it (2024-03-01), kept on one line.

    (django-tables2's DateColumn compiles a template for every cell: a third of a list page's time.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        return value.isoformat()


class VoidedColumn(tables.Column):
    """A voidable record's mark in its list: a “voided” badge, nothing while it counts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.utils.translation import gettext_lazy

        kwargs.setdefault("verbose_name", gettext_lazy("voided"))
        kwargs.setdefault("accessor", "voided_at")
        kwargs.setdefault("default", "")
        kwargs.setdefault("orderable", True)
        super().__init__(*args, **kwargs)

    def render(self, value: Any) -> str:
        from django.utils.translation import gettext

        return format_html('<span class="badge bg-red-lt gw-voided-badge">{}</span>', gettext("Voided"))


def stable_order(queryset: QuerySet) -> QuerySet:
    """The queryset's order with the primary key last, so that equal sort keys page the same way every time."""
    query = queryset.query
    ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    names = {"pk", "-pk", queryset.model._meta.pk.name, f"-{queryset.model._meta.pk.name}"}
    if any(isinstance(o, str) and o in names for o in ordering):
        return queryset
    return queryset.order_by(*ordering, "pk")


def page_rows(page: QuerySet) -> list[Any]:
    """The rows of one page (a sliced queryset): first their ids, sorted and filtered with only the joins the
    sort and the filters need, then those rows with the queryset's select_related joins and prefetches.

    Joining every row before the sort made a regulator's sorted page of 100,000 projects take half a
    second (bench/projects.py); joined after the LIMIT, it is the same as the first page.
    """
    if page.query.combinator:  # a union cannot be filtered by id again
        return list(page)
    ids = list(page.prefetch_related(None).values_list("pk", flat=True))
    if not ids:
        return []
    rows = page.all()
    rows.query.clear_limits()
    rows.query.clear_ordering(force=True)
    by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


class IdFirstPaginator(Paginator):
    """A paginator for django-tables2 over a queryset that fetches each page with `page_rows`."""

    def __init__(self, object_list: Any, *args: Any, **kwargs: Any) -> None:
        data: Any = getattr(object_list, "data", None)  # BoundRows → TableQuerysetData → the ordered queryset
        if isinstance(getattr(data, "data", None), QuerySet):
            data.data = stable_order(data.data)
        super().__init__(object_list, *args, **kwargs)

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Any:
        if isinstance(getattr(object_list, "data", None), QuerySet):
            object_list.data = page_rows(object_list.data)
        return super()._get_page(object_list, number, paginator)  # type: ignore[misc]  # Paginator's hook, not in its stubs
