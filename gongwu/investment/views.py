"""The investment app's generic pages per model, menu and search; the dashboard, the review of monthly
actuals, adjustment decisions and the monthly report are in pages.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongwu.core import navigation, search
from gongwu.core.generic.views import ObjectViewSet
from gongwu.investment import filters, forms, pages, services, tables
from gongwu.investment.imports import AnnualPlanLedger, MonthlyActualLedger, PaymentLedger
from gongwu.investment.models import (
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleTemplate,
)


class AnnualPlanViews(ObjectViewSet):
    model = AnnualPlan
    table = tables.AnnualPlanTable
    filterset = filters.AnnualPlanFilterSet
    form = forms.AnnualPlanForm
    ledger = AnnualPlanLedger
    select_related = ("project", "project__agency")
    money_fields = ("amount", "adjusted_amount", "funds_available")
    icon = "ti-calendar-dollar"
    detail_template = "investment/plan_detail.html"
    form_template = "investment/plan_form.html"
    create_service = services.save_annual_plan
    update_service = services.save_annual_plan
    delete_service = services.delete_annual_plan

    @classmethod
    def extra_detail_context(cls, obj: AnnualPlan, request: HttpRequest) -> dict[str, Any]:
        return pages.plan_context(obj, request)


class MonthlyActualViews(ObjectViewSet):
    model = MonthlyActual
    table = tables.MonthlyActualTable
    filterset = filters.MonthlyActualFilterSet
    form = forms.MonthlyActualForm
    ledger = MonthlyActualLedger
    select_related = ("project", "plan")
    money_fields = ("amount",)
    icon = "ti-report-money"
    detail_template = "investment/actual_detail.html"
    create_service = services.save_monthly_actual
    update_service = services.save_monthly_actual
    delete_service = services.delete_monthly_actual
    void_service = services.void_monthly_actual

    @classmethod
    def extra_detail_context(cls, obj: MonthlyActual, request: HttpRequest) -> dict[str, Any]:
        return pages.actual_context(obj, request)


class PlanAdjustmentViews(ObjectViewSet):
    model = PlanAdjustment
    table = tables.PlanAdjustmentTable
    filterset = filters.PlanAdjustmentFilterSet
    form = forms.PlanAdjustmentForm
    select_related = ("plan", "plan__project")
    money_fields = ("amount",)
    icon = "ti-arrows-diff"
    detail_template = "investment/adjustment_detail.html"

    @classmethod
    def extra_detail_context(cls, obj: PlanAdjustment, request: HttpRequest) -> dict[str, Any]:
        return pages.adjustment_context(obj, request)


class PaymentViews(ObjectViewSet):
    model = Payment
    table = tables.PaymentTable
    filterset = filters.PaymentFilterSet
    form = forms.PaymentForm
    ledger = PaymentLedger
    select_related = ("project", "payee", "claim")
    money_fields = ("amount",)
    icon = "ti-cash"
    create_service = services.save_payment
    update_service = services.save_payment
    delete_service = services.delete_payment


class ScheduleTemplateViews(ObjectViewSet):
    model = ScheduleTemplate
    table = tables.ScheduleTemplateTable
    filterset = filters.ScheduleTemplateFilterSet
    form = forms.ScheduleTemplateForm
    select_related = ("agency",)
    icon = "ti-timeline"


class InvestmentSettingsViews(ObjectViewSet):
    model = InvestmentSettings
    table = tables.InvestmentSettingsTable
    filterset = filters.InvestmentSettingsFilterSet
    form = forms.InvestmentSettingsForm
    select_related = ("agency",)
    icon = "ti-settings"


def register() -> None:
    from gongwu.core.navigation import MenuItem, MenuSection

    navigation.register(
        MenuSection("investment", _("Investment"), "ti-coin-yuan", 15),
        MenuItem(_("Dispatch dashboard"), "investment:dashboard", AnnualPlan, "ti-dashboard"),
        MenuItem(_("Annual plans"), "investment:annualplan_list", AnnualPlan, "ti-calendar-dollar"),
        MenuItem(_("Monthly actuals"), "investment:monthlyactual_list", MonthlyActual, "ti-report-money"),
        MenuItem(_("Review of actuals"), "investment:review", MonthlyActual, "ti-checks"),
        MenuItem(_("Plan adjustments"), "investment:planadjustment_list", PlanAdjustment, "ti-arrows-diff"),
        MenuItem(_("Payments"), "investment:payment_list", Payment, "ti-cash"),
        MenuItem(_("Monthly report"), "investment:report", AnnualPlan, "ti-file-spreadsheet"),
        MenuItem(_("Schedule templates"), "investment:scheduletemplate_list", ScheduleTemplate, "ti-timeline"),
        MenuItem(_("Investment settings"), "investment:investmentsettings_list", InvestmentSettings, "ti-settings"),
    )
    search.register(PaymentViews)
