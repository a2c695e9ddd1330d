from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from gongwu.core import money

register = template.Library()


@register.filter
def wan(value: Any) -> str:
    """Yuan shown in 万元."""
    return money.format_wan(value)


@register.filter
def yi(value: Any) -> str:
    """Yuan shown in 亿元."""
    return money.format_yi(value)


@register.filter(name="money")
def money_filter(value: Any) -> str:
    """Yuan shown in 亿元 or 万元, whichever reads naturally."""
    return money.format_money(value)


@register.filter
def localtime_short(value: Any) -> str:
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def filesize(value: int) -> str:
    size = float(value or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@register.simple_tag(takes_context=True)
def query_with(context: dict, *pairs: Any, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links).

    Positional arguments come in name, value pairs, for names known only at render time.
    """
    params = context["request"].GET.copy()
    kwargs.update(dict(zip(pairs[::2], pairs[1::2], strict=True)))
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag
def table_cells(table: Any, row: Any) -> str:
    """A table row's cells. Each column's <td> attributes are worked out once per table, not per cell
    (django-tables2 deep-copies them for every cell: a tenth of a list page's time)."""
    cached = table.__dict__.setdefault("_gongwu_td_attrs", {})
    cells = []
    for column, cell in row.items():
        attrs = cached.get(column.name)
        if attrs is None:
            attrs = cached[column.name] = column.attrs["td"].as_html()
        cells.append(format_html("<td {}>{}</td>", attrs, cell))
    return mark_safe("".join(cells))  # noqa: S308 — every part went through format_html
