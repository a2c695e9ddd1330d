"""Admin for superusers: the same forms (and so the same rules) as the pages, saved through the services."""

from django.contrib import admin

from gongwu.core.admin import FormAdmin, ReadOnlyAdmin
from gongwu.investment import forms
from gongwu.investment.models import (
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleMonth,
    ScheduleTemplate,
)


@admin.register(AnnualPlan)
class AnnualPlanAdmin(FormAdmin):
    form = forms.AnnualPlanForm
    list_display = ("project", "year", "funding_source", "amount", "adjusted_amount")
    list_filter = ("year", "funding_source")
    search_fields = ("project__code", "project__name")
    raw_id_fields = ("project",)


@admin.register(MonthlyActual)
class MonthlyActualAdmin(FormAdmin):
    form = forms.MonthlyActualForm
    list_display = ("project", "month", "amount", "status")
    list_filter = ("status",)
    raw_id_fields = ("project",)


@admin.register(PlanAdjustment)
class PlanAdjustmentAdmin(FormAdmin):
    form = forms.PlanAdjustmentForm
    list_display = ("plan", "direction", "amount", "status", "decided_on")
    raw_id_fields = ("plan",)


@admin.register(Payment)
class PaymentAdmin(FormAdmin):
    form = forms.PaymentForm
    list_display = ("project", "paid_on", "amount", "kind", "payee")
    raw_id_fields = ("project", "payee")


@admin.register(ScheduleTemplate)
class ScheduleTemplateAdmin(FormAdmin):
    form = forms.ScheduleTemplateForm
    list_display = ("name", "agency", "is_default")


@admin.register(InvestmentSettings)
class InvestmentSettingsAdmin(FormAdmin):
    form = forms.InvestmentSettingsForm
    list_display = ("agency", "attention_below", "supervision_below", "payment_rate_base")


admin.site.register(ScheduleMonth, ReadOnlyAdmin)
