from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import ClaimStatus
from gongwu.core.generic.forms import AgencyForm, ScopedModelForm
from gongwu.core.models import Action
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.investment import figures, services
from gongwu.investment.models import (
    MONTHS,
    AnnualPlan,
    InvestmentSettings,
    MonthlyActual,
    Payment,
    PlanAdjustment,
    ScheduleTemplate,
    validate_shares,
)

MONTH_FIELDS = tuple(f"m{m}" for m in MONTHS)
MONTH_INPUT_FORMATS = ["%Y-%m", "%Y-%m-%d", "%Y/%m", "%Y.%m", "%Y年%m月"]


def share_field(month: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("by the end of month %(month)s (%%)") % {"month": month},
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control"}),
    )


class ScheduleFields(forms.Form):
    """Twelve cumulative shares (%) as form fields m1 … m12; `shares()` gives them checked, or None if blank."""

    m1 = share_field(1)
    m2 = share_field(2)
    m3 = share_field(3)
    m4 = share_field(4)
    m5 = share_field(5)
    m6 = share_field(6)
    m7 = share_field(7)
    m8 = share_field(8)
    m9 = share_field(9)
    m10 = share_field(10)
    m11 = share_field(11)
    m12 = share_field(12)

    def set_month_initial(self, initial: list[Decimal] | None) -> None:
        if initial:
            for month, name in zip(MONTHS, MONTH_FIELDS, strict=True):
                self.initial.setdefault(name, initial[month - 1])

    def shares(self) -> list[Decimal] | None:
        values = [self.cleaned_data.get(name) for name in MONTH_FIELDS]
        if all(v is None for v in values):
            return None
        if any(v is None for v in values):
            raise ValidationError(_("Give the cumulative share of every month, or none to use a template."))
        return validate_shares(values)


class InvestmentSettingsForm(AgencyForm):
    class Meta:
        model = InvestmentSettings
        fields = ["agency", "attention_below", "supervision_below", "payment_rate_base"]


class ScheduleTemplateForm(AgencyForm, ScheduleFields):
    class Meta:
        model = ScheduleTemplate
        fields = ["agency", "name", "is_default"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_month_initial(self.instance.share_values() if self.instance.shares else None)
        for name in MONTH_FIELDS:
            self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name in self.errors for name in MONTH_FIELDS):
            # A month is missing or wrong: its own error says so, and there is no schedule to check.
            self.schedule_invalid = True
            return data
        try:
            shares = self.shares()
        except ValidationError as exc:
            self.add_error(None, exc)
            self.schedule_invalid = True
        else:
            self.instance.shares = [str(s) for s in shares or []]
        return data

    def _post_clean(self) -> None:
        # The model would check the shares again, against a field this form does not have.
        if not getattr(self, "schedule_invalid", False):
            super()._post_clean()


class AnnualPlanForm(ScopedModelForm, ScheduleFields):
    template = forms.ModelChoiceField(
        label=_("apply schedule template"),
        queryset=ScheduleTemplate.objects.all(),
        required=False,
        help_text=_("Fills the monthly schedule; leave the months empty to use it (or the agency's default)."),
    )

    class Meta:
        model = AnnualPlan
        fields = [
            "project",
            "year",
            "plan_category",
            "funding_source",
            "amount",
            "funds_available",
            "over_approved",
            "note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        self.fields["template"].queryset = ScheduleTemplate.objects.for_user(self.user, Action.CHANGE)
        if self.instance.pk:
            self.fields["project"].disabled = True
            self.fields["year"].disabled = True
        self.set_month_initial(self.instance.share_values() if self.instance.pk else None)
        self.schedule: list[Decimal] | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        project = data.get("project") or (self.instance.project if self.instance.project_id else None)
        try:
            shares = self.shares()
        except ValidationError as exc:
            self.add_error(None, exc)
            return data
        template = data.get("template")
        if template is not None and project is not None and template.agency_id != project.agency_id:
            self.add_error("template", _("The template belongs to another agency."))
            return data
        if template is not None and (shares is None or not self.has_changed_months()):
            shares = template.share_values()
        if shares is None and not self.instance.pk and project is not None:
            default = services.default_template(project.agency_id)
            if default is None:
                self.add_error(
                    None,
                    _("Give the monthly schedule (cumulative % by the end of each month) or choose a template."),
                )
                return data
            shares = default.share_values()
        self.schedule = data["schedule"] = shares  # written with the plan by `services.save_annual_plan`
        return data

    def has_changed_months(self) -> bool:
        return any(name in self.changed_data for name in MONTH_FIELDS)


class MonthField(forms.DateField):
    """A month written 2026-03 (the browser's month input), 2026-03-01, 2026/3 or 2026年3月."""

    input_formats = MONTH_INPUT_FORMATS

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class MonthlyActualForm(ScopedModelForm):
    month = MonthField(label=_("month"))

    class Meta:
        model = MonthlyActual
        fields = ["project", "month", "amount", "over_approved", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        widget = self.fields["month"].widget
        widget.input_type = "month"
        widget.format = "%Y-%m"
        widget.attrs["class"] = "form-control"
        if not self.instance.pk:
            self.initial.setdefault("month", figures.default_month_date())
        else:
            self.fields["project"].disabled = True


class PlanAdjustmentForm(ScopedModelForm):
    class Meta:
        model = PlanAdjustment
        fields = ["plan", "direction", "amount", "reason", "requested_on", "document_number"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = AnnualPlan.objects.for_user(self.user, Action.CHANGE) if self.user else AnnualPlan.objects.none()
        self.fields["plan"].queryset = plans.select_related("project").order_by("-year", "project__code")


class PaymentForm(ScopedModelForm):
    claim_number = forms.IntegerField(
        label=_("claim number"),
        required=False,
        min_value=1,
        help_text=_("The number of the approved payment claim within the contract (instead of choosing it)."),
    )

    class Meta:
        model = Payment
        fields = [
            "project",
            "paid_on",
            "amount",
            "kind",
            "payee",
            "contract",
            "contract_number",
            "claim",
            "voucher_number",
            "over_approved",
            "note",
        ]
        help_texts = {
            "contract_number": _(
                "Typed: linked to the agency's contract of this number on the project when there is one."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        self.fields["payee"].queryset = self.fields["payee"].queryset.filter(kind__in=COMPANY_KINDS)
        self.fields["contract"].queryset = self.fields["contract"].queryset.filter(voided_at__isnull=True)
        self.fields["claim"].queryset = (
            self.fields["claim"]
            .queryset.filter(status=ClaimStatus.APPROVED, voided_at__isnull=True)
            .select_related("contract")
        )
        self.initial.setdefault("paid_on", timezone.localdate())
        if self.instance.claim_id:
            self.initial.setdefault("claim_number", self.instance.claim.number)

    def clean(self) -> dict[str, Any]:
        """A typed contract number names the agency's contract of the project; a claim number, its claim."""
        data = super().clean()
        project = data.get("project")
        contract = data.get("contract")
        if contract is None and project is not None and data.get("contract_number"):
            found = services.contract_by_number(project.agency_id, data["contract_number"])
            if found is not None and found.project_id == project.pk and self.visible(found):
                data["contract"] = self.instance.contract = contract = found
        number = data.get("claim_number")
        if number and data.get("claim") is None:
            if contract is None:
                self.add_error("claim_number", _("Name the contract whose claim this is."))
                return data
            claim = self.fields["claim"].queryset.filter(contract=contract, number=number).first()
            if claim is None:
                self.add_error(
                    "claim_number",
                    _("Contract %(contract)s has no approved claim no. %(number)s.")
                    % {"contract": contract.number or contract.name, "number": number},
                )
                return data
            data["claim"] = self.instance.claim = claim
        return data

    def visible(self, contract: Any) -> bool:
        return self.fields["contract"].queryset.filter(pk=contract.pk).exists()


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("reason returned"), max_length=300, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
