from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.forms import ScopedModelForm
from gongwu.core.models import Action, OrganizationKind, Role, User
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.inspections.models import (
    Accident,
    CheckItem,
    ChecklistTemplate,
    Finding,
    HazardousWork,
    Inspection,
    NoticeKind,
)


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (the camera on a phone); checked as images by `services.check_photos`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", PhotoInput(attrs={"accept": "image/*", "capture": "environment", "class": "form-control"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ChecklistTemplateForm(ScopedModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["agency", "name", "kind", "order", "evidence_required", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        agency.queryset = agency.queryset.filter(kind=OrganizationKind.AGENCY)
        if not getattr(self.user, "is_superuser", False):
            agency.required = True
            agency.empty_label = None


class CheckItemForm(ScopedModelForm):
    class Meta:
        model = CheckItem
        fields = [
            "template",
            "number",
            "group",
            "text",
            "points",
            "guarantee",
            "default_severity",
            "category",
            "regulation",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ChecklistTemplate.objects.for_user(self.user, Action.CHANGE)


class HazardousWorkForm(ScopedModelForm):
    class Meta:
        model = HazardousWork
        fields = [
            "project",
            "section",
            "kind",
            "name",
            "over_scale",
            "plan_approved_on",
            "expert_review_on",
            "starts_on",
            "ends_on",
            "status",
            "note",
        ]


class InspectionForm(ScopedModelForm):
    class Meta:
        model = Inspection
        fields = [
            "project",
            "section",
            "hazardous_work",
            "kind",
            "topic",
            "level",
            "inspecting_org",
            "lead",
            "inspectors",
            "started_at",
            "weather",
            "result",
        ]
        widgets = {
            "result": forms.Textarea(attrs={"rows": 3}),
            "started_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        self.fields["lead"].queryset = User.objects.filter(
            role__in=[Role.INSPECTOR, Role.STAFF, Role.LEADER, Role.DIRECTOR, Role.COMPANY], is_active=True
        )
        self.fields["started_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if not self.instance.pk and self.user is not None:
            self.initial.setdefault("lead", self.user.pk)
            self.initial.setdefault("inspecting_org", self.user.organization_id)


class FindingForm(ScopedModelForm):
    photos = PhotosField(
        label=_("photos"), help_text=_("Taken with the phone's camera; they are shrunk before upload.")
    )

    class Meta:
        model = Finding
        fields = [
            "inspection",
            "item",
            "category",
            "severity",
            "description",
            "location",
            "responsible_org",
            "regulation",
            "deadline",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.for_user(self.user, Action.CHANGE)
        self.fields["category"].label = _("finding category")
        self.fields["responsible_org"].queryset = self.fields["responsible_org"].queryset.filter(kind__in=COMPANY_KINDS)
        self.fields["responsible_org"].error_messages["invalid_choice"] = _(
            "A finding is addressed to a company taking part in the project."
        )
        self.checked_photos: list[Any] = []

    def clean_photos(self) -> list[Any]:
        """The photos with their checked image types, for `services.save_finding` to store."""
        from gongwu.inspections import services

        photos = self.cleaned_data.get("photos") or []
        try:
            self.checked_photos = services.check_photos(photos)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return self.checked_photos


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=NoticeKind.choices, initial=NoticeKind.RECTIFICATION)
    working_days = forms.IntegerField(label=_("deadline (working days)"), min_value=1, max_value=60, initial=7)
    requirements = forms.CharField(
        label=_("requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    findings = forms.ModelMultipleChoiceField(
        label=_("findings"), queryset=Finding.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, findings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if findings is not None:
            self.fields["findings"].queryset = findings
        self.fields["kind"].widget.attrs["class"] = "form-select"
        self.fields["working_days"].widget.attrs["class"] = "form-control"


class ReinspectForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=(("close", _("Rectified: close (销项)")), ("send_back", _("Not rectified: send back"))),
    )
    text = forms.CharField(
        label=_("re-inspection notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class AccidentForm(ScopedModelForm):
    class Meta:
        model = Accident
        fields = [
            "project",
            "occurred_on",
            "kind",
            "severity",
            "deaths",
            "serious_injuries",
            "minor_injuries",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
