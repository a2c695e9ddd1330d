"""Tables of the change, claim, spot check and band lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import Change, ChangeBand, ChangeStatus, Claim, ClaimStatus, SpotCheck
from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable, VoidedColumn
from gongwu.core.money import format_money

STATUS_COLOUR = {
    ChangeStatus.DRAFT: "secondary",
    ChangeStatus.SUBMITTED: "blue",
    ChangeStatus.APPROVED: "green",
    ChangeStatus.REJECTED: "red",
    ChangeStatus.RETURNED: "orange",
    ClaimStatus.SUPERVISOR_REVIEWED: "azure",
    ClaimStatus.CONSULTANT_REVIEWED: "indigo",
}


def status_badge(value: Any, record: Any) -> str:
    return format_html('<span class="badge bg-{}-lt">{}</span>', STATUS_COLOUR.get(record.status, "secondary"), value)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


class ContractColumn(tables.Column):
    """A contract by its number, linking to its page (`list_name`: the list of its records of this kind, kept for
    callers that name it)."""

    def __init__(self, list_name: str, **kwargs: Any) -> None:
        self.list_name = list_name
        kwargs.setdefault("verbose_name", _("contract"))
        kwargs.setdefault("order_by", ("contract__number",))
        super().__init__(**kwargs)

    def render(self, value: Any, record: Any) -> str:
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.number or value.name)


class ChangeTable(ObjectTable):
    number = tables.Column(verbose_name=_("change number"), empty_values=())
    contract = ContractColumn("contracts:change_list")
    kind = tables.Column(verbose_name=_("kind"))
    title = tables.Column(verbose_name=_("title"))
    amount = MoneyColumn(verbose_name=_("amount"))
    status = tables.Column(verbose_name=_("status"))
    level_required = tables.Column(verbose_name=_("approval required"))
    cumulative_percent = tables.Column(verbose_name=_("cumulative change"))
    approved_on = DayColumn(verbose_name=_("approved on"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Change
        fields = (
            "number",
            "contract",
            "kind",
            "title",
            "amount",
            "status",
            "level_required",
            "cumulative_percent",
            "approved_on",
            "voided",
        )

    def render_number(self, value: Any, record: Change) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value or f"#{record.pk}")

    def render_status(self, value: Any, record: Change) -> str:
        return status_badge(value, record)

    def render_cumulative_percent(self, value: Decimal | None) -> str:
        return percent(value)


class ClaimTable(ObjectTable):
    contract = ContractColumn("contracts:claim_list")
    number = LinkColumn(verbose_name=_("claim number"))
    kind = tables.Column(verbose_name=_("kind"))
    period_end = DayColumn(verbose_name=_("period ending"))
    claimed_amount = MoneyColumn(verbose_name=_("claimed"))
    approved_amount = MoneyColumn(verbose_name=_("approved"))
    payable = tables.Column(
        verbose_name=_("payable"), empty_values=(), orderable=False, attrs={"td": {"class": "text-end text-nowrap"}}
    )
    status = tables.Column(verbose_name=_("status"))
    cumulative_percent = tables.Column(verbose_name=_("approved to date"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Claim
        fields = (
            "contract",
            "number",
            "kind",
            "period_end",
            "claimed_amount",
            "approved_amount",
            "payable",
            "status",
            "cumulative_percent",
            "voided",
        )

    def render_payable(self, record: Claim) -> str:
        return format_money(record.payable) if record.payable is not None else "—"

    def render_status(self, value: Any, record: Claim) -> str:
        return status_badge(value, record)

    def render_cumulative_percent(self, value: Decimal | None) -> str:
        return percent(value)


class SpotCheckTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    period_from = DayColumn(verbose_name=_("changes approved from"))
    period_to = DayColumn(verbose_name=_("changes approved to"))
    size = tables.Column(verbose_name=_("changes drawn"))
    population = tables.Column(verbose_name=_("changes in the period"))
    seed = tables.Column(verbose_name=_("draw seed"))

    class Meta(ObjectTable.Meta):
        model = SpotCheck
        fields = ("name", "period_from", "period_to", "size", "population", "seed")


class ChangeBandTable(ObjectTable):
    level = LinkColumn(verbose_name=_("approved by"))
    agency = tables.Column(verbose_name=_("agency"))
    max_amount = MoneyColumn(verbose_name=_("single change up to"), default="—")
    max_cumulative_percent = tables.Column(verbose_name=_("cumulative change below"), default="—")
    needs_committee = tables.BooleanColumn(verbose_name=_("technical committee"))
    flags_audit = tables.BooleanColumn(verbose_name=_("flags an audit"))

    class Meta(ObjectTable.Meta):
        model = ChangeBand
        fields = ("level", "agency", "max_amount", "max_cumulative_percent", "needs_committee", "flags_audit")

    def render_max_amount(self, value: Any) -> str:
        return format_money(value)

    def render_max_cumulative_percent(self, value: Decimal | None) -> str:
        return percent(value)
