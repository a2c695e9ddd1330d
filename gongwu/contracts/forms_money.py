"""Forms of changes, approval bands, spot checks and payment claims, and of their workflow steps. Forms only
validate; `changes` and `claims` write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongwu.contracts.models import IN_FORCE, Change, ChangeBand, Claim, Contract, SpotCheck
from gongwu.core.generic.forms import AgencyForm, ScopedModelForm
from gongwu.core.models import Action

MONEY_INPUT = {"step": "0.01", "class": "form-control"}


def contracts_in_force(user: Any) -> Any:
    contracts = Contract.objects.for_user(user, Action.VIEW) if user is not None else Contract.objects.none()
    return contracts.filter(status__in=IN_FORCE, voided_at__isnull=True).order_by("number")


class ChangeBandForm(AgencyForm):
    class Meta:
        model = ChangeBand
        fields = ["agency", "level", "max_amount", "max_cumulative_percent", "needs_committee", "flags_audit"]


class ChangeForm(ScopedModelForm):
    class Meta:
        model = Change
        fields = ["contract", "number", "kind", "title", "reason", "amount"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"number": _("Left empty: BG-001, BG-002 … within the contract when it is submitted.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["contract"].disabled = True
        else:
            self.fields["contract"].queryset = contracts_in_force(self.user)


class ClaimForm(ScopedModelForm):
    class Meta:
        model = Claim
        fields = ["contract", "kind", "period_end", "claimed_amount", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["contract"].disabled = True
        else:
            self.fields["contract"].queryset = contracts_in_force(self.user)


class SpotCheckForm(AgencyForm):
    class Meta:
        model = SpotCheck
        fields = ["agency", "name", "period_from", "period_to", "size", "conclusion"]
        widgets = {"conclusion": forms.Textarea(attrs={"rows": 3})}


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommitteeForm(forms.Form):
    committee_topic = forms.CharField(label=_("committee topic (议题)"), max_length=120)
    committee_decided_on = forms.DateField(
        label=_("committee decided on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ReviewForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount found (元)"),
        min_value=0,
        decimal_places=2,
        max_digits=16,
        widget=forms.NumberInput(MONEY_INPUT),
    )


class ApproveClaimForm(ReviewForm):
    retention_withheld = forms.DecimalField(
        label=_("retention withheld (元)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=16,
        help_text=_("Left empty: the amount approved × the contract's retention rate."),
        widget=forms.NumberInput(MONEY_INPUT),
    )
    advance_recovered = forms.DecimalField(
        label=_("advance recovered (元)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=16,
        help_text=_("Left empty: the amount approved × the contract's advance rate, up to what is still outstanding."),
        widget=forms.NumberInput(MONEY_INPUT),
    )


class FindingForm(forms.Form):
    finding = forms.CharField(label=_("finding"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    compliant = forms.NullBooleanField(
        label=_("compliant"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
