"""Tables of the contracts app's list pages. Each area has its section."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import (
    Contract,
    ContractSettings,
    ContractStatus,
    ContractTemplate,
    CountersignRoute,
    CountersignRouteStep,
    CountersignStep,
)
from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable, VoidedColumn

STATUS_COLOUR = {
    ContractStatus.DRAFT: "secondary",
    ContractStatus.COUNTERSIGNING: "blue",
    ContractStatus.SIGNED: "green",
    ContractStatus.PERFORMING: "teal",
    ContractStatus.COMPLETED: "cyan",
    ContractStatus.SETTLED: "purple",
    ContractStatus.CLOSED: "dark",
    "pending": "blue",
    "approved": "green",
    "returned": "red",
    "waiting": "secondary",
    "skipped": "secondary",
    "running": "blue",
}


def badge(status: str, text: Any) -> str:
    return format_html('<span class="badge bg-{}-lt">{}</span>', STATUS_COLOUR.get(status, "secondary"), text)


# ---- contracts -----------------------------------------------------------------------------------


class ContractTable(ObjectTable):
    number = tables.Column(verbose_name=_("contract number"), attrs={"td": {"class": "text-nowrap"}})
    name = tables.Column(verbose_name=_("contract name"), attrs={"td": {"class": "gw-wrap"}})
    contractor = tables.Column(
        verbose_name=_("contractor (乙方)"), order_by=("contractor__name",), attrs={"td": {"class": "gw-wrap"}}
    )
    amount = MoneyColumn(verbose_name=_("contract price"))
    signed_on = DayColumn(verbose_name=_("signed on"))
    status = tables.Column(verbose_name=_("status"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Contract
        fields = ("number", "name", "contractor", "amount", "signed_on", "status")
        # kind, project and completion date are filters and on the contract's page; a phone-width list keeps few

    def render_number(self, value: Any, record: Contract) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value or "—")

    def render_name(self, value: Any, record: Contract) -> str:
        if not record.number:  # the first column links; a contract without a number links by its name
            return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)
        return value

    def render_status(self, value: Any, record: Contract) -> str:
        return badge(record.status, record.get_status_display())


# ---- settings and the standard text library -----------------------------------------------------------


class ContractSettingsTable(ObjectTable):
    agency = LinkColumn(verbose_name=_("agency"), order_by=("agency__name",))
    number_pattern = tables.Column(verbose_name=_("contract number pattern"))
    subcontract_max_percent = tables.Column(verbose_name=_("subcontracted at most (%)"))

    class Meta(ObjectTable.Meta):
        model = ContractSettings
        fields = ("agency", "number_pattern", "subcontract_max_percent")


class ContractTemplateTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    kind = tables.Column(verbose_name=_("contract kind"))
    version = tables.Column(verbose_name=_("version"))
    is_active = tables.BooleanColumn(verbose_name=_("in use"))
    created = tables.DateTimeColumn(verbose_name=_("created"), format="Y-m-d")

    class Meta(ObjectTable.Meta):
        model = ContractTemplate
        fields = ("name", "kind", "version", "is_active", "created")


# ---- countersign -------------------------------------------------------------------------------------


class CountersignRouteTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    kind = tables.Column(verbose_name=_("contract kind"), default=_("every kind"))
    min_amount = MoneyColumn(verbose_name=_("from amount"))
    max_amount = MoneyColumn(verbose_name=_("below amount"), default="—")
    is_active = tables.BooleanColumn(verbose_name=_("in use"))

    class Meta(ObjectTable.Meta):
        model = CountersignRoute
        fields = ("name", "kind", "min_amount", "max_amount", "is_active")

    def render_kind(self, value: Any, record: CountersignRoute) -> str:
        return record.get_kind_display() if record.kind else str(_("every kind"))


class CountersignRouteStepTable(ObjectTable):
    order = tables.Column(verbose_name=_("order"))
    label = tables.Column(verbose_name=_("step"), linkify=True)
    department = tables.Column(verbose_name=_("department"))
    role = tables.Column(verbose_name=_("role"))

    class Meta(ObjectTable.Meta):
        model = CountersignRouteStep
        fields = ("order", "label", "department", "role")


class CountersignStepTable(ObjectTable):
    contract = tables.Column(
        verbose_name=_("contract"), accessor="countersign__contract", linkify=True, orderable=False
    )
    label = tables.Column(verbose_name=_("step"))
    status = tables.Column(verbose_name=_("status"))
    opened_at = tables.DateTimeColumn(verbose_name=_("opened"), format="Y-m-d H:i")

    class Meta(ObjectTable.Meta):
        model = CountersignStep
        fields = ("contract", "label", "status", "opened_at")

    def render_status(self, value: Any, record: CountersignStep) -> str:
        return badge(record.status, record.get_status_display())
