"""Excel in and out: the annual plan, monthly actual and payment ledgers (import with preview and row
errors, export that re-imports unchanged), and the monthly report agencies send upward.

The monthly report has one row per project (年度计划, 时序目标, 本月完成, 累计完成, 完成率, 支付, 支付率,
状态) in 万元, a totals row, and a sheet of monthly cumulative curves with a native Excel line chart. Amounts
in a column are rounded so that the rows add up to the totals row (`figures.round_to_total`).
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from gongwu.contracts.models import Claim
from gongwu.core.generic.ledger import Column, ImportResult, Ledger
from gongwu.core.money import WAN, YI
from gongwu.core.spreadsheets import append_text_row, text_cell
from gongwu.investment import figures, rollup
from gongwu.investment.forms import MONTH_FIELDS, AnnualPlanForm, MonthlyActualForm, PaymentForm
from gongwu.investment.models import (
    MONTHS,
    AnnualPlan,
    FundingSource,
    MonthlyActual,
    Payment,
    PaymentRateBase,
    ScheduleMonth,
)

MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


class RollupLedger(Ledger):
    """An investment ledger: its import refreshes each plan's rollup once, at the end of its transaction."""

    def apply(
        self, rows: list[tuple[int, dict[str, Any]]], user: Any, progress: Callable[[int], None] | None = None
    ) -> ImportResult:
        with transaction.atomic(), rollup.deferred():
            return super().apply(rows, user, progress)


class AnnualPlanLedger(RollupLedger):
    model = AnnualPlan
    form = AnnualPlanForm
    sheet_title = gettext_lazy("Annual investment plans")
    keys = (("project", "year"),)
    columns = (
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("year", gettext_lazy("year"), width=8),
        Column("plan_category", gettext_lazy("plan category"), width=10),
        Column("funding_source", gettext_lazy("funding source"), width=14),
        Column("amount", gettext_lazy("annual plan (元)"), width=18),
        Column("funds_available", gettext_lazy("funds available (元)"), width=18),
        Column("over_approved", gettext_lazy("above the approved investment"), width=8),
        Column("note", gettext_lazy("note"), width=20),
        *(
            Column(name, gettext_lazy("cumulative %% by month %(month)s") % {"month": month}, width=8)
            for month, name in zip(MONTHS, MONTH_FIELDS, strict=True)
        ),
    )

    def prepare_export(self, objects: list[AnnualPlan]) -> None:
        super().prepare_export(objects)
        shares: dict[int, dict[int, Decimal]] = {plan.pk: {} for plan in objects}
        for plan_id, month, share in ScheduleMonth.objects.filter(plan__in=[p.pk for p in objects]).values_list(
            "plan_id", "month", "share"
        ):
            shares[plan_id][month] = share
        self._shares = shares

    def form_value(self, obj: AnnualPlan, name: str) -> Any:
        month = int(name[1:])
        return getattr(self, "_shares", {}).get(obj.pk, {}).get(month)


def month_text(value: Any) -> Any:
    """2026-03, 2026/3 or 2026年3月 as the first day of the month; other values as they are."""
    if isinstance(value, str):
        match = MONTH_TEXT.match(value.strip())
        if match:
            year, month = (int(part) for part in match.groups())
            if 1 <= month <= 12:
                return datetime.date(year, month, 1).isoformat()
    return value


class MonthlyActualLedger(RollupLedger):
    model = MonthlyActual
    form = MonthlyActualForm
    sheet_title = gettext_lazy("Monthly actuals")
    keys = (("project", "month"),)
    columns = (
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("month", gettext_lazy("month"), width=10),
        Column("amount", gettext_lazy("completed this month (元)"), width=18),
        Column("over_approved", gettext_lazy("above the approved investment"), width=8),
        Column("note", gettext_lazy("note"), width=24),
    )

    def form_data(self, values: dict[str, Any], user: Any, cache: dict) -> tuple[dict[str, Any], list[str]]:
        if "month" in values:
            values = {**values, "month": month_text(values["month"])}
        data, errors = super().form_data(values, user, cache)
        month = data.get("month")
        if isinstance(month, str) and month:
            try:
                data["month"] = datetime.date.fromisoformat(month).replace(day=1).isoformat()
            except ValueError:
                errors.append(
                    _("%(column)s: “%(value)s” is not a month; write it as 2026-03 or 2026年3月.")
                    % {"column": _("month"), "value": values.get("month")}
                )
                data.pop("month")
        return data, errors

    def export_value(self, obj: MonthlyActual, column: Column) -> Any:
        if column.field == "month":
            return f"{obj.month:%Y-%m}"
        return super().export_value(obj, column)


class PaymentLedger(RollupLedger):
    model = Payment
    form = PaymentForm
    sheet_title = gettext_lazy("Payments")
    keys = (("project", "voucher_number"),)
    columns = (
        Column("project", gettext_lazy("project code"), lookup="code", width=14),
        Column("paid_on", gettext_lazy("paid on"), width=12),
        Column("amount", gettext_lazy("amount (元)"), width=18),
        Column("kind", gettext_lazy("kind"), width=14),
        Column("payee", gettext_lazy("payee"), lookup="name", width=28),
        Column("contract_number", gettext_lazy("contract number"), width=16),
        Column("claim_number", gettext_lazy("claim number"), width=8),
        Column("voucher_number", gettext_lazy("voucher number"), width=16),
        Column("over_approved", gettext_lazy("above the approved investment"), width=8),
        Column("note", gettext_lazy("note"), width=20),
    )

    def prepare_export(self, objects: list[Payment]) -> None:
        super().prepare_export(objects)
        claim_ids = {p.claim_id for p in objects if p.claim_id}
        self._claim_numbers = dict(Claim.objects.filter(pk__in=claim_ids).values_list("pk", "number"))

    def form_value(self, obj: Payment, name: str) -> Any:
        if name == "claim_number":
            return getattr(self, "_claim_numbers", {}).get(obj.claim_id) if obj.claim_id else None
        return super().form_value(obj, name)


# ---- the monthly report -------------------------------------------------------------------------

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def _percent(value: Decimal | None) -> Any:
    return float(value) if value is not None else ""


def report_title(agency_names: list[str], year: int, month: int) -> str:
    return _("%(agency)s fixed-asset investment, January–%(month)s %(year)s") % {
        "agency": "、".join(agency_names),
        "month": _("%(month)s月") % {"month": month},
        "year": year,
    }


def write_monthly_report(
    rows: list[figures.PlanRow],
    *,
    title: str,
    year: int,
    month: int,
    base: str,
    curves: dict[str, list[Decimal]],
    stream: io.BytesIO,
    progress: Callable[[int], None] | None = None,
) -> None:
    """The report as an .xlsx workbook written to `stream`."""
    rows = sorted(rows, key=lambda r: (r.agency, r.code))
    several_agencies = len({r.agency_id for r in rows}) > 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Monthly report")[:31]
    headers = [
        _("No."),
        *([_("agency")] if several_agencies else []),
        _("project code"),
        _("project name"),
        _("funding source"),
        _("annual plan"),
        _("schedule target to date"),
        _("completed this month"),
        _("completed to date"),
        _("completion rate (%)"),
        _("schedule completion (%)"),
        _("paid to date"),
        _("payment rate (%)"),
        _("status"),
    ]
    money_columns = ("plan", "scheduled", "actual_month", "actual", "paid")
    shown = {
        name: figures.round_to_total([getattr(r, name) / WAN for r in rows], Decimal("0.01")) for name in money_columns
    }
    width = len(headers)
    append_text_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    base_label = force_str(PaymentRateBase(base).label)
    sheet.append(
        [_("Unit: 万元. Payment rate against %(base)s. Only confirmed figures are counted.") % {"base": base_label}]
    )
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append([force_str(h) for h in headers])
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lag_labels = dict(figures.Lag.choices)
    for index, row in enumerate(rows):
        funds = {PaymentRateBase.PLAN: row.plan, PaymentRateBase.ACTUAL: row.actual}.get(base, row.funds)
        append_text_row(
            sheet,
            [
                index + 1,
                *([row.agency] if several_agencies else []),
                row.code,
                row.name,
                force_str(FundingSource(row.funding_source).label),
                *(float(shown[name][index]) for name in ("plan", "scheduled", "actual_month", "actual")),
                _percent(row.percent_of_plan),
                _percent(row.percent_of_schedule),
                float(shown["paid"][index]),
                _percent(figures.rate(row.paid, funds)),
                force_str(lag_labels[row.lag]),
            ],
        )
        if progress is not None and (index + 1) % 500 == 0:
            progress(index + 1)
    totals = figures.Totals(base=base)
    for row in rows:
        totals.add(row)
    total_row = [
        _("Total"),
        *([""] if several_agencies else []),
        _("%(count)d projects") % {"count": len(rows)},
        "",
        "",
        *(float(sum(shown[name], Decimal(0))) for name in ("plan", "scheduled", "actual_month", "actual")),
        _percent(totals.percent_of_plan),
        _percent(totals.percent_of_schedule),
        float(sum(shown["paid"], Decimal(0))),
        _percent(totals.payment_rate),
        _("%(attention)d 提请关注, %(supervision)d 督办滞后")
        % {"attention": totals.lags[figures.Lag.ATTENTION], "supervision": totals.lags[figures.Lag.SUPERVISION]},
    ]
    append_text_row(sheet, total_row)
    first_money = 5 + (1 if several_agencies else 0)
    money = {first_money, first_money + 1, first_money + 2, first_money + 3, first_money + 6}
    rates = {first_money + 4, first_money + 5, first_money + 7}
    # Named styles: setting a border and a format on each of 10,000 × 14 cells one by one took two thirds of
    # the report's time (bench/investment.py).
    for name, number_format in (("gw-plain", "General"), ("gw-money", "#,##0.00"), ("gw-rate", "0.00")):
        workbook.add_named_style(NamedStyle(name=name, border=BOX, number_format=number_format))
    style_of = ["gw-money" if p in money else "gw-rate" if p in rates else "gw-plain" for p in range(1, width + 1)]
    for row_cells in sheet.iter_rows(min_row=4, max_row=sheet.max_row):
        for cell, style in zip(row_cells, style_of, strict=False):
            cell.style = style
            text_cell(cell)  # a named style resets the quote prefix that keeps user text from becoming a formula
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = Font(bold=True), TOTAL_FILL
    widths = [6, *([12] if several_agencies else []), 14, 36, 12, 14, 14, 14, 14, 10, 10, 14, 10, 12]
    for position, value in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = value
    sheet.freeze_panes = "A4"

    curve_sheet = workbook.create_sheet(_("Monthly curves")[:31])
    curve_sheet.append(
        [
            force_str(_("month")),
            force_str(_("Annual plan")),
            force_str(_("Schedule")),
            force_str(_("Completed (confirmed)")),
            force_str(_("Paid")),
        ]
    )
    for m in MONTHS:
        reached = m <= month
        curve_sheet.append(
            [
                _("%(month)s月") % {"month": m},
                _yi(curves["plan"][m - 1]),
                _yi(curves["schedule"][m - 1]),
                _yi(curves["actual"][m - 1]) if reached else None,
                _yi(curves["paid"][m - 1]) if reached else None,
            ]
        )
    curve_sheet.add_chart(_curve_chart(curve_sheet), "G2")
    sheet.add_chart(_curve_chart(curve_sheet), f"B{sheet.max_row + 3}")
    workbook.save(stream)


def _yi(value: Decimal) -> float:
    return float((value / YI).quantize(Decimal("0.0001")))


def _curve_chart(curve_sheet: Any) -> LineChart:
    """A native line chart of the curves sheet: plan, schedule, completed and paid, cumulative, in 亿元."""
    chart = LineChart()
    chart.title = _("Cumulative investment (亿元)")
    chart.y_axis.title = _("亿元")
    chart.height, chart.width = 9, 18
    chart.add_data(Reference(curve_sheet, min_col=2, max_col=5, min_row=1, max_row=13), titles_from_data=True)
    chart.set_categories(Reference(curve_sheet, min_col=1, min_row=2, max_row=13))
    return chart
