from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.forms import AgencyForm, ScopedModelForm
from gongwu.core.models import OrganizationKind, Role
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.projects import services
from gongwu.projects.models import (
    STAGE_ORDER,
    Approval,
    ApprovalKind,
    Award,
    Milestone,
    Participation,
    ProgressReport,
    Project,
    ProjectSettings,
    ProjectTag,
    Section,
    Stage,
    TaskItem,
    TaskList,
)
from gongwu.projects.services import KEY_DATES, key_date


class ProjectForm(AgencyForm):
    permit_date = forms.DateField(label=_("construction permit date"), required=False)
    start_date = forms.DateField(label=_("actual start date"), required=False)
    completion_date = forms.DateField(label=_("completion acceptance date"), required=False)

    class Meta:
        model = Project
        fields = [
            "agency",
            "code",
            "name",
            "parent",
            "department",
            "director",
            "category",
            "area",
            "delivery_method",
            "received_on",
            "received_source",
            "received_from",
            "tags",
            "stage",
            "stage_entered_on",
            "approved_investment",
            "budget_estimate",
            "user_unit",
            "address",
            "latitude",
            "longitude",
            "uses_bim",
            "is_green",
            "is_near_zero_carbon",
            "is_prefabricated",
            "prefabricated_area",
            "school_places",
            "hospital_beds",
            "parking_spaces",
            "road_length_km",
            "floor_area",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["department"].queryset = fields["department"].queryset.filter(kind=OrganizationKind.DEPARTMENT)
        fields["director"].queryset = fields["director"].queryset.filter(
            role__in=[Role.DIRECTOR, Role.STAFF, Role.LEADER]
        )
        fields["parent"].queryset = fields["parent"].queryset.filter(parent__isnull=True)
        fields["stage"].help_text = _("Later changes go through “Change stage”, which checks the gates.")
        for name in ("approved_investment", "budget_estimate"):
            fields[name].help_text = _("In 元: 4.18 亿元 is 418000000. Pages show it in 万元 or 亿元.")
        for name in (*KEY_DATES, "received_on"):
            fields[name].widget.input_type = "date"
            fields[name].widget.format = "%Y-%m-%d"
        if self.instance.pk:
            for name in KEY_DATES:
                self.initial.setdefault(name, key_date(self.instance, name))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        agency = data.get("agency") or (self.instance.agency if self.instance.agency_id else None)
        if agency is not None and any(tag.agency_id != agency.pk for tag in data.get("tags") or ()):
            self.add_error("tags", _("Tags must be the owner agency's own."))
        stage = data.get("stage")
        permit, start, completion = (data.get(n) for n in KEY_DATES)
        today = timezone.localdate()
        for name in KEY_DATES:
            if data.get(name) and data[name] > today:
                self.add_error(name, _("The date cannot be in the future."))
        if start and completion and completion < start:
            self.add_error("completion_date", _("Completion acceptance cannot come before the start."))
        if permit and start and start < permit and "start_date" not in self.errors:
            self.add_error("start_date", _("Construction cannot start before the construction permit."))
        if stage:
            previous = self.instance.stage if self.instance.pk else None
            if previous and STAGE_ORDER[stage] < STAGE_ORDER[previous]:
                self.add_error(
                    "stage", _("Moving a project back to an earlier stage needs an administrator's override.")
                )
            elif stage != previous:
                for problem in services.stage_gate_errors(
                    self.instance, stage, permit_date=permit, completion_date=completion
                ):
                    self.add_error("stage", problem)
        entered = data.get("stage_entered_on")
        if entered and entered > today:
            self.add_error("stage_entered_on", _("The date cannot be in the future."))
        elif entered and stage and self.instance.pk and stage != self.instance.stage:
            # The stage history is read in date order (figures count stages at a period's end from it).
            current = self.instance.stage_changes.order_by("-entered_on", "-id").values_list("entered_on", flat=True)
            if current and entered < current[0]:
                self.add_error(
                    "stage_entered_on",
                    _("The project entered its current stage on %(date)s; the new stage cannot start earlier.")
                    % {"date": current[0]},
                )
        return data


class StageChangeForm(forms.Form):
    stage = forms.ChoiceField(label=_("new stage"), choices=Stage.choices)
    entered_on = forms.DateField(label=_("entered on"), initial=timezone.localdate)
    override_reason = forms.CharField(
        label=_("override reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Administrators only: why the gate is overridden. It is kept in the change log."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "stage" else "form-control")
        self.fields["entered_on"].widget.input_type = "date"
        self.fields["entered_on"].widget.format = "%Y-%m-%d"


class ApprovalForm(ScopedModelForm):
    class Meta:
        model = Approval
        fields = ["project", "kind", "planned_date", "actual_date", "document_number", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = self.fields["kind"].queryset.filter(is_active=True)


class MilestoneForm(ScopedModelForm):
    class Meta:
        model = Milestone
        fields = ["project", "kind", "name", "planned_date", "actual_date", "note"]


class SectionForm(ScopedModelForm):
    class Meta:
        model = Section
        fields = ["project", "name", "contractor", "supervisor", "other_parties"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other_parties"].queryset = self.fields["other_parties"].queryset.filter(kind__in=COMPANY_KINDS)


class ParticipationForm(ScopedModelForm):
    """A company taking part in a project (or a section) entered by hand; sections keep their own."""

    class Meta:
        model = Participation
        fields = ["project", "section", "organization", "role", "started_on", "ended_on", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = self.fields["organization"].queryset.filter(kind__in=COMPANY_KINDS)


class ProgressReportForm(ScopedModelForm):
    class Meta:
        model = ProgressReport
        fields = ["project", "month", "percent", "note"]


class TaskListForm(AgencyForm):
    class Meta:
        model = TaskList
        fields = ["agency", "year", "name", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class TaskItemForm(ScopedModelForm):
    class Meta:
        model = TaskItem
        fields = ["task_list", "project", "kind", "planned_date", "note"]


class AwardForm(ScopedModelForm):
    class Meta:
        model = Award
        fields = ["project", "name", "level", "year", "issuer"]


class ProjectTagForm(AgencyForm):
    class Meta:
        model = ProjectTag
        fields = ["agency", "name", "color"]


class ApprovalKindForm(ScopedModelForm):
    class Meta:
        model = ApprovalKind
        fields = ["agency", "name", "order", "role", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = self.fields["agency"].queryset.filter(kind=OrganizationKind.AGENCY)
        self.fields["agency"].help_text = _("Empty: a built-in kind every agency uses (superusers only).")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        user = self.user
        if not data.get("agency") and not getattr(user, "is_superuser", False):
            data["agency"] = user.agency if user is not None else None
            self.instance.agency = data["agency"]
        return data


class ProjectSettingsForm(ScopedModelForm):
    class Meta:
        model = ProjectSettings
        fields = ["agency", "code_pattern", "agency_code", "lead_time_target", "lead_time_basis"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = self.fields["agency"].queryset.filter(kind=OrganizationKind.AGENCY)
