from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongwu.alerts.models import Case, EscalationStep, Kind, Meeting, RuleSetting
from gongwu.alerts.rules import RULES
from gongwu.core.generic.forms import AgencyForm
from gongwu.core.models import Organization, OrganizationKind, Role, User
from gongwu.core.models.organizations import COMPANY_KINDS

# What the loop owns on an existing case: the agency and opening day stay; the deadline and who is
# responsible change only through the owners' reasoned actions (reschedule, reassign), on the timeline.
FIXED_AFTER_OPENING = (
    "agency",
    "opened_on",
    "responsible_org",
    "responsible_person",
    "deadline",
    "deadline_working_days",
)


class CaseForm(AgencyForm):
    """A manual case (or a meeting decision's action item): the service opens it. On an existing case the
    form offers only what may change by editing (`FIXED_AFTER_OPENING` is left out)."""

    class Meta:
        model = Case
        fields = [
            "agency",
            "kind",
            "level",
            "title",
            "description",
            "measures",
            "department",
            "responsible_org",
            "responsible_person",
            "opened_on",
            "deadline",
            "deadline_working_days",
            "evidence_required",
            "meeting",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "measures": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = self.fields["department"].queryset.filter(kind=OrganizationKind.DEPARTMENT)
        self.fields["responsible_org"].queryset = Organization.objects.filter(is_active=True).order_by("kind", "name")
        if self.user is not None:
            self.fields["responsible_org"].queryset = (
                (Organization.objects.for_user(self.user) | Organization.objects.filter(kind__in=COMPANY_KINDS))
                .filter(is_active=True)
                .distinct()
                .order_by("kind", "name")
            )
        people = User.objects.filter(is_active=True).filter(
            Q(organization__kind__in=COMPANY_KINDS)
            | Q(pk__in=User.objects.for_user(self.user).values("pk") if self.user is not None else [])
        )
        self.fields["responsible_person"].queryset = people.order_by("organization", "username")
        if self.instance.pk is not None and not getattr(self, "keeps_loop_fields", False):
            for name in FIXED_AFTER_OPENING:
                self.fields.pop(name, None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None and "deadline" not in self.fields:
            self.check_supervision_kept(data)
            return data
        if not data.get("deadline") and not data.get("deadline_working_days"):
            self.add_error("deadline", _("Give a deadline: a date or a number of working days."))
        return data

    def check_supervision_kept(self, data: dict[str, Any]) -> None:
        """Making a case a 督办, or undoing one, is the leadership's decision (as moving its deadline is)."""
        stored = Case.objects.filter(pk=self.instance.pk).values_list("kind", flat=True).first()
        new = data.get("kind") or stored
        if Kind.SUPERVISION not in (stored, new) or new == stored:
            return
        user = self.user
        if user is not None and (user.is_superuser or user.role in (Role.LEADER, Role.ADMIN)):
            return
        self.add_error("kind", _("Only the agency's leaders turn a case into a supervision order (督办) or undo one."))

    def _post_clean(self) -> None:
        # Defaults only (agency, numbering on save, status): the model's validation then sees the case as
        # it will be saved. Nothing is written here; `services.create_case` saves and records the opening.
        if self.instance.pk is None and not self.errors:
            from gongwu.alerts import services

            for name in ("agency", "responsible_org", "responsible_person", "opened_on"):
                if name in self.cleaned_data:
                    setattr(self.instance, name, self.cleaned_data[name])
            services.prepare_new_case(self.instance, self.user)
            self.cleaned_data["responsible_org"] = self.instance.responsible_org
        super()._post_clean()  # type: ignore[misc]  # ModelForm's own hook, not in its stubs


class MeetingForm(AgencyForm):
    class Meta:
        model = Meeting
        fields = ["agency", "kind", "title", "date", "chair", "participants", "minutes"]
        widgets = {"participants": forms.Textarea(attrs={"rows": 2}), "minutes": forms.Textarea(attrs={"rows": 6})}


class RuleSettingForm(AgencyForm):
    class Meta:
        model = RuleSetting
        fields = ["agency", "code", "enabled", "level", "params"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"] = forms.ChoiceField(
            label=_("rule"), choices=[(code, rule.title) for code, rule in sorted(RULES.items())]
        )
        self.fields["code"].widget.attrs["class"] = "form-select"
        self.fields["params"].help_text = _('As JSON, e.g. {"grace_days": 5}; empty for the rule\'s defaults.')


class EscalationStepForm(AgencyForm):
    class Meta:
        model = EscalationStep
        fields = ["agency", "order", "days_overdue", "action"]
