from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from gongwu.core.money import format_money


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


class DayColumn(tables.DateColumn):
    """A date as the agencies write it (2024-03-01), kept on one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "Y-m-d")
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)
