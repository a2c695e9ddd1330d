from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable, VoidedColumn
from gongwu.core.money import WAN
from gongwu.projects.tables import ProjectColumn
from gongwu.tenders.models import Bid, PlanStatus, SchemeTemplate, Tender, TenderPlan, TenderStatus

STATUS_COLOUR = {
    PlanStatus.DRAFT: "secondary",
    PlanStatus.APPROVED: "blue",
    PlanStatus.TENDERING: "azure",
    PlanStatus.DONE: "green",
    PlanStatus.CANCELLED: "red",
    TenderStatus.PREPARING: "secondary",
    TenderStatus.NOTICED: "blue",
    TenderStatus.OPENED: "azure",
    TenderStatus.EVALUATED: "purple",
    TenderStatus.AWARDED: "green",
    TenderStatus.FAILED: "orange",
    TenderStatus.CANCELLED: "red",
}


def badge(colour: str, text: Any) -> str:
    return format_html('<span class="badge bg-{}-lt">{}</span>', colour, text)


class WanColumn(MoneyColumn):
    """An amount in 万元 without the unit (it is in the heading), so the column's figures line up."""

    def render(self, value: Any) -> str:
        return "—" if value is None else f"{Decimal(value) / WAN:,.2f}"


class StatusColumn(tables.Column):
    def render(self, value: Any, record: Any) -> str:
        return badge(STATUS_COLOUR.get(record.status, "secondary"), record.get_status_display())


class SchemeTemplateTable(ObjectTable):
    name = LinkColumn(verbose_name=gettext_lazy("name"))
    agency = tables.Column(verbose_name=gettext_lazy("agency"))
    subject_kind = tables.Column(verbose_name=gettext_lazy("subject kind"))
    method = tables.Column(verbose_name=gettext_lazy("method"))
    organisation = tables.Column(verbose_name=gettext_lazy("organisation"))
    evaluation_method = tables.Column(verbose_name=gettext_lazy("evaluation method"))
    is_active = tables.BooleanColumn(verbose_name=gettext_lazy("in use"))

    class Meta(ObjectTable.Meta):
        model = SchemeTemplate
        fields = ("name", "agency", "subject_kind", "method", "organisation", "evaluation_method", "is_active")


class TenderPlanTable(ObjectTable):
    name = LinkColumn(verbose_name=gettext_lazy("name"))
    project = ProjectColumn(verbose_name=gettext_lazy("lead project"))
    subject_kind = tables.Column(verbose_name=gettext_lazy("subject kind"))
    method = tables.Column(verbose_name=gettext_lazy("method"))
    organisation = tables.Column(verbose_name=gettext_lazy("organisation"))
    estimate = WanColumn(verbose_name=gettext_lazy("estimate (万元)"))
    planned_notice_on = DayColumn(verbose_name=gettext_lazy("planned notice"))
    status = StatusColumn(verbose_name=gettext_lazy("status"))
    split_suspected = tables.Column(verbose_name=gettext_lazy("suspected split"), orderable=True)

    class Meta(ObjectTable.Meta):
        model = TenderPlan
        fields = (
            "name",
            "project",
            "subject_kind",
            "method",
            "organisation",
            "estimate",
            "planned_notice_on",
            "status",
            "split_suspected",
        )

    def render_split_suspected(self, value: bool) -> str:
        return badge("red", _("suspected split")) if value else ""


class TenderTable(ObjectTable):
    number = LinkColumn(verbose_name=gettext_lazy("tender number"))
    name = tables.Column(verbose_name=gettext_lazy("name"))
    subject_kind = tables.Column(verbose_name=gettext_lazy("subject kind"))
    method = tables.Column(verbose_name=gettext_lazy("method"))
    control_price = WanColumn(verbose_name=gettext_lazy("control price (万元)"))
    notice_on = DayColumn(verbose_name=gettext_lazy("notice"))
    status = StatusColumn(verbose_name=gettext_lazy("status"))
    winner = tables.Column(verbose_name=gettext_lazy("winner"))
    award_price = WanColumn(verbose_name=gettext_lazy("award price (万元)"))
    award_notice_on = DayColumn(verbose_name=gettext_lazy("award notice"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = Tender
        fields = (
            "number",
            "name",
            "subject_kind",
            "method",
            "control_price",
            "notice_on",
            "status",
            "winner",
            "award_price",
            "award_notice_on",
            "voided",
        )


class BidTable(ObjectTable):
    bidder = LinkColumn(verbose_name=gettext_lazy("bidder"), order_by=("bidder__name",))
    tender = tables.Column(verbose_name=gettext_lazy("tender"), accessor="tender__number", linkify=False)
    price = WanColumn(verbose_name=gettext_lazy("bid price (万元)"))
    bond_amount = WanColumn(verbose_name=gettext_lazy("bid bond (万元)"))
    bond_account_last4 = tables.Column(verbose_name=gettext_lazy("bond account"), orderable=False)
    qualified = tables.Column(verbose_name=gettext_lazy("qualified"))
    score = tables.Column(verbose_name=gettext_lazy("score"), attrs={"td": {"class": "text-end"}})
    recommended_rank = tables.Column(verbose_name=gettext_lazy("candidate rank"))

    class Meta(ObjectTable.Meta):
        model = Bid
        fields = (
            "bidder",
            "tender",
            "price",
            "bond_amount",
            "bond_account_last4",
            "qualified",
            "score",
            "recommended_rank",
        )

    def render_bond_account_last4(self, value: str) -> str:
        return f"…{value}" if value else "—"

    def render_qualified(self, value: bool, record: Bid) -> str:
        if value:
            return badge("green", _("qualified"))
        return format_html(
            "{} <span class='text-secondary small'>{}</span>",
            badge("red", _("disqualified")),
            record.disqualified_reason,
        )
