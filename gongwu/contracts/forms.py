"""Forms of the contracts app: validation only (the services write). Each area has its section."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from gongwu.contracts import documents, services
from gongwu.contracts.models import (
    Contract,
    ContractSettings,
    ContractTemplate,
    CountersignRoute,
    CountersignRouteStep,
)
from gongwu.core.generic.forms import AgencyForm, ScopedModelForm
from gongwu.core.models import Action, OrganizationKind
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.tenders.models import Tender

# ---- contracts -----------------------------------------------------------------------------------


DEFAULTED = ("provisional_sum", "advance_percent", "retention_percent")


class ContractForm(AgencyForm):
    class Meta:
        model = Contract
        fields = [
            "agency",
            "number",
            "name",
            "kind",
            "project",
            "sections",
            "tender",
            "contractor",
            "third_party",
            "consortium",
            "amount",
            "provisional_sum",
            "advance_percent",
            "retention_percent",
            "payment_terms",
            "signed_on",
            "start_on",
            "end_on",
            "text_template",
            "note",
        ]
        widgets = {
            "payment_terms": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "number": _("Left empty: the next number of the agency's pattern (contract settings)."),
            "signed_on": _("Set when the countersign is approved."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        if self.user is not None:
            fields["project"].queryset = fields["project"].queryset.for_user(self.user, Action.CHANGE)
        for name in ("contractor", "third_party", "consortium"):
            fields[name].queryset = fields[name].queryset.filter(kind__in=COMPANY_KINDS)
        fields["text_template"].queryset = fields["text_template"].queryset.filter(is_active=True)
        for name in DEFAULTED:
            fields[name].required = False  # left empty: the model's default (no provisional sum, 3% retention …)
        if not self.is_bound and not self.instance.pk:
            self.prefill_from_tender()

    def prefill_from_tender(self) -> None:
        """A new contract asked for with ?tender=… starts from the award (what the address gives wins)."""
        wanted = str(self.initial.get("tender") or "")
        if not wanted.isdigit() or self.user is None:
            return
        tender = Tender.objects.for_user(self.user, Action.VIEW).select_related("plan").filter(pk=wanted).first()
        if tender is None:
            return
        for name, value in services.prefill_from_tender(tender).items():
            if value not in (None, "", []):
                self.initial.setdefault(name, value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in DEFAULTED:
            if name in data and data[name] is None:
                data[name] = Contract._meta.get_field(name).get_default()
                setattr(self.instance, name, data[name])
        project, sections = data.get("project"), data.get("sections")
        if project is not None and sections:
            foreign = [s.name for s in sections if s.project_id != project.pk]
            if foreign:
                self.add_error(
                    "sections",
                    _("These sections belong to another project: %(names)s.") % {"names": "、".join(foreign)},
                )
        members = data.get("consortium") or []
        contractor = data.get("contractor")
        if contractor is not None and contractor in members:
            self.add_error("consortium", _("The contractor leads the consortium; list the other members here."))
        return data


# ---- settings and the standard text library -----------------------------------------------------------


class ContractSettingsForm(AgencyForm):
    class Meta:
        model = ContractSettings
        fields = [
            "agency",
            "number_pattern",
            "subcontract_max_percent",
            "subcontract_filing_days",
            "settlement_due_days",
            "final_accounts_due_days",
        ]


class ContractTemplateForm(AgencyForm):
    class Meta:
        model = ContractTemplate
        fields = ["agency", "kind", "name", "version", "file", "is_active", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = "、".join(f"{{{{ {name} }}}} {label}" for name, label in documents.FIELDS)
        self.fields["file"].help_text = _("A Word document with placeholders: %(names)s.") % {"names": names}
        self.fields["file"].widget.attrs["accept"] = ".docx"

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):  # none, or the stored file kept on an edit
            return upload
        if PurePosixPath(upload.name or "").suffix.lower() != ".docx":
            raise forms.ValidationError(_("Choose a Word document (.docx)."))
        if upload.size > settings.GONGWU_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": settings.GONGWU_MAX_UPLOAD_MB})
        try:
            used = documents.template_fields(upload)
        except documents.TemplateProblem as exc:
            raise forms.ValidationError(str(exc)) from exc
        unknown = sorted(used - set(documents.CONTEXT_NAMES))
        if unknown:
            raise forms.ValidationError(
                _("The template uses fields that do not exist: %(names)s.") % {"names": "、".join(unknown)}
            )
        return upload


# ---- countersign routes -----------------------------------------------------------------------------


class CountersignRouteForm(AgencyForm):
    class Meta:
        model = CountersignRoute
        fields = ["agency", "name", "kind", "min_amount", "max_amount", "is_active"]


class CountersignRouteStepForm(ScopedModelForm):
    class Meta:
        model = CountersignRouteStep
        fields = ["route", "order", "label", "department", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["route"].queryset = CountersignRoute.objects.for_user(self.user, Action.CHANGE)
        self.fields["department"].queryset = self.fields["department"].queryset.filter(kind=OrganizationKind.DEPARTMENT)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        route, department = data.get("route"), data.get("department")
        if route is not None and department is not None and department.home_agency() != route.agency:
            self.add_error("department", _("The department belongs to another agency."))
        return data


class StepActionForm(forms.Form):
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    signed_on = forms.DateField(
        label=_("signed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text=_("For the last step: the day the contract is signed (today when empty)."),
    )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=[])
    on = forms.DateField(label=_("date"), required=False)
