from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.tables import DayColumn, LinkColumn, MoneyColumn, ObjectTable, VoidedColumn
from gongwu.core.money import WAN
from gongwu.investment import figures
from gongwu.investment.models import (
    ActualStatus,
    AdjustmentStatus,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleTemplate,
)
from gongwu.projects.tables import ProjectColumn

STATUS_COLOUR = {
    ActualStatus.DRAFT: "secondary",
    ActualStatus.SUBMITTED: "blue",
    ActualStatus.CONFIRMED: "green",
    ActualStatus.RETURNED: "red",
    AdjustmentStatus.PENDING: "blue",
    AdjustmentStatus.APPROVED: "green",
    AdjustmentStatus.REJECTED: "red",
}


def badge(colour: str, text: Any) -> str:
    return format_html('<span class="badge bg-{}-lt">{}</span>', colour, text)


def percent_text(value: Any) -> str:
    return "—" if value is None else f"{value}%"


class WanColumn(MoneyColumn):
    """An amount in 万元 without the unit (it is in the heading), so a column's figures line up."""

    def render(self, value: Any) -> str:
        return "—" if value is None else f"{Decimal(value) / WAN:,.2f}"


class StatusColumn(tables.Column):
    def render(self, value: Any, record: Any) -> str:
        return badge(STATUS_COLOUR.get(record.status, "secondary"), record.get_status_display())


class AnnualPlanTable(ObjectTable):
    """Plans with their figures at the list's month (annotated by `figures.with_figures`)."""

    project = LinkColumn(verbose_name=_("project"), order_by=("project__code",))
    year = tables.Column(verbose_name=_("year"))
    funding_source = tables.Column(verbose_name=_("funding source"))
    adjusted_amount = WanColumn(verbose_name=_("adjusted plan (万元)"))
    scheduled = WanColumn(verbose_name=_("scheduled to date (万元)"), accessor="pk", orderable=False)
    actual_to_date = WanColumn(verbose_name=_("completed to date (万元)"))
    percent_of_schedule = tables.Column(
        verbose_name=_("schedule completion (%)"), accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}}
    )
    paid_to_date = WanColumn(verbose_name=_("paid to date (万元)"))
    lag = tables.Column(verbose_name=_("schedule"), accessor="pk", orderable=False)

    class Meta(ObjectTable.Meta):
        model = AnnualPlan
        fields = (
            "project",
            "lag",
            "year",
            "funding_source",
            "adjusted_amount",
            "scheduled",
            "actual_to_date",
            "percent_of_schedule",
            "paid_to_date",
        )
        sequence = ("project", "lag", "...")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits: dict[int, tuple[int, int]] | None = None

    def limits(self, agency_id: int) -> tuple[int, int]:
        if self._limits is None:
            self._limits = figures.thresholds(InvestmentSettings.objects.values_list("agency_id", flat=True))
        return self._limits[agency_id]

    @staticmethod
    def _scheduled(record: AnnualPlan) -> Any:
        return figures.scheduled_amount(record.adjusted_amount, getattr(record, "scheduled_share", None))

    def render_scheduled(self, record: AnnualPlan) -> str:
        return self.columns["scheduled"].column.render(self._scheduled(record))

    def render_percent_of_schedule(self, record: AnnualPlan) -> str:
        return percent_text(figures.rate(record.actual_to_date, self._scheduled(record)))

    def render_lag(self, record: AnnualPlan) -> str:
        attention, supervision = self.limits(record.project.agency_id)
        lag = figures.classify_investment_lag(record.actual_to_date, self._scheduled(record), attention, supervision)
        return badge(figures.LAG_COLOUR[lag], figures.Lag(lag).label)


class ScheduleTemplateTable(ObjectTable):
    name = LinkColumn(verbose_name=_("name"))
    agency = tables.Column(verbose_name=_("agency"))
    shares = tables.Column(verbose_name=_("cumulative shares (%)"), orderable=False)
    is_default = tables.BooleanColumn(verbose_name=_("default"))

    class Meta(ObjectTable.Meta):
        model = ScheduleTemplate
        fields = ("name", "agency", "shares", "is_default")

    def render_shares(self, value: list[str]) -> str:
        return " · ".join(str(v).removesuffix(".00") for v in value)


class InvestmentSettingsTable(ObjectTable):
    agency = LinkColumn(verbose_name=_("agency"))
    attention_below = tables.Column(verbose_name=_("提请关注 threshold (share of schedule, %)"))
    supervision_below = tables.Column(verbose_name=_("督办滞后 threshold (share of schedule, %)"))
    payment_rate_base = tables.Column(verbose_name=_("payment rate measured against"))

    class Meta(ObjectTable.Meta):
        model = InvestmentSettings
        fields = ("agency", "attention_below", "supervision_below", "payment_rate_base")


class MonthlyActualTable(ObjectTable):
    month = LinkColumn(verbose_name=_("month"))
    project = ProjectColumn()
    amount = MoneyColumn(verbose_name=_("completed this month"))
    status = StatusColumn(verbose_name=_("status"))
    submitted_at = tables.DateTimeColumn(verbose_name=_("submitted"), format="Y-m-d")
    note = tables.Column(verbose_name=_("note"))
    voided = VoidedColumn()

    class Meta(ObjectTable.Meta):
        model = MonthlyActual
        fields = ("month", "project", "amount", "status", "submitted_at", "note", "voided")

    def render_month(self, value: Any, record: MonthlyActual) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), f"{value:%Y-%m}")


class PlanAdjustmentTable(ObjectTable):
    plan = LinkColumn(verbose_name=_("plan"), accessor="plan", order_by=("plan__project__code",))
    direction = tables.Column(verbose_name=_("direction"))
    amount = MoneyColumn(verbose_name=_("amount"))
    status = StatusColumn(verbose_name=_("approval status"))
    requested_on = DayColumn(verbose_name=_("requested on"))
    decided_on = DayColumn(verbose_name=_("decided on"))
    document_number = tables.Column(verbose_name=_("approval document"))

    class Meta(ObjectTable.Meta):
        model = PlanAdjustment
        fields = ("plan", "direction", "amount", "status", "requested_on", "decided_on", "document_number")

    def render_plan(self, record: PlanAdjustment) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.plan)


class PaymentTable(ObjectTable):
    paid_on = LinkColumn(verbose_name=_("paid on"))
    project = ProjectColumn()
    amount = MoneyColumn(verbose_name=_("amount"))
    kind = tables.Column(verbose_name=_("kind"))
    payee = tables.Column(verbose_name=_("payee"))
    contract_number = tables.Column(verbose_name=_("contract number"))
    claim = tables.Column(verbose_name=_("payment claim"), accessor="claim__number", default="")

    class Meta(ObjectTable.Meta):
        model = Payment
        fields = ("paid_on", "project", "amount", "kind", "payee", "contract_number", "claim")

    def render_contract_number(self, value: Any, record: Payment) -> str:
        if record.contract_id:
            url = reverse("contracts:contract_detail", args=[record.contract_id])
            return format_html('<a href="{}">{}</a>', url, value)
        return value

    def render_claim(self, value: Any, record: Payment) -> str:
        return format_html('<a href="{}">{}</a>', reverse("contracts:claim_detail", args=[record.claim_id]), value)

    def render_paid_on(self, value: Any, record: Payment) -> str:
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value.isoformat())
