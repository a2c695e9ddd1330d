"""Forms of cost reviews and subcontract filings: validation only (the services in `reviews` write)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import reviews
from gongwu.contracts.models import Review, Subcontract
from gongwu.core.generic.forms import ScopedModelForm
from gongwu.core.models import Action, Organization, Role
from gongwu.core.models.organizations import COMPANY_KINDS


class ReviewForm(ScopedModelForm):
    class Meta:
        model = Review
        fields = [
            "kind",
            "project",
            "contract",
            "name",
            "submitted_amount",
            "submitted_on",
            "approved_amount",
            "approved_on",
            "reviewer",
            "note",
        ]
        help_texts = {
            "approved_amount": _("With the day it was approved, the review is approved (审定) and becomes a record."),
            "note": _("Required when the approved amount is above the submitted one (审增)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        self.fields["contract"].help_text = _("Empty for final accounts (决算), which are of the whole project.")
        self.fields["reviewer"].queryset = self.fields["reviewer"].queryset.filter(is_active=True)
        self.initial.setdefault("submitted_on", timezone.localdate())

    def _post_clean(self) -> None:
        super()._post_clean()
        for name, messages in reviews.review_errors(self.instance).items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class CompanyField(forms.ModelChoiceField):
    """A subcontractor named by its unified social credit code (or its id, as the API sends it)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and len(value.strip()) == 18:
            found = self.queryset.filter(credit_code=value.strip().upper()).first()
            if found is not None:
                return found
        return super().to_python(value)


class SubcontractForm(ScopedModelForm):
    class Meta:
        model = Subcontract
        fields = ["contract", "kind", "company", "scope", "amount", "start_on", "end_on", "filed_on", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = reviews.contract_choices(self.user)
        companies = Organization.objects.filter(kind__in=COMPANY_KINDS, is_active=True)
        if self.user is not None and self.user.role == Role.COMPANY and not self.user.is_superuser:
            # A company sees no other company's record: it names its subcontractor by its credit code.
            field = CompanyField(
                queryset=companies.exclude(pk=self.user.organization_id),
                label=self.fields["company"].label,
                help_text=_("The subcontractor's unified social credit code (18 characters)."),
                widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 18}),
            )
            if self.instance.company_id:
                self.initial["company"] = self.instance.company.credit_code
            self.fields["company"] = field
        else:
            self.fields["company"].queryset = companies
        self.initial.setdefault("filed_on", timezone.localdate())

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.instance.contract_id is None:
            return
        for name, messages in reviews.subcontract_errors(self.instance, self.user).items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
