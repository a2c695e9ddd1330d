from __future__ import annotations

import logging
from typing import Any

import django_tables2 as tables
import django_tables2.utils
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
