"""Forms validate only; the services write. The same forms serve the pages, the API and the Excel ledgers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongwu.core.generic.forms import AgencyForm, ScopedModelForm
from gongwu.core.models import Action, Organization
from gongwu.core.models.organizations import COMPANY_KINDS
from gongwu.projects.models import Project, Section
from gongwu.tenders.models import Bid, Method, Organisation, SchemeTemplate, Tender, TenderPlan

TEXTAREA = {"rows": 3}


class SchemeTemplateForm(AgencyForm):
    class Meta:
        model = SchemeTemplate
        fields = [
            "agency",
            "name",
            "subject_kind",
            "method",
            "organisation",
            "qualification",
            "evaluation_method",
            "award_method",
            "content",
            "is_active",
        ]
        widgets = {"qualification": forms.Textarea(attrs=TEXTAREA), "content": forms.Textarea(attrs={"rows": 6})}


class TenderPlanForm(AgencyForm):
    """A plan; started from a scheme template, the kind, method and organisation left empty are the scheme's."""

    class Meta:
        model = TenderPlan
        fields = [
            "agency",
            "project",
            "projects",
            "sections",
            "scheme",
            "name",
            "subject_kind",
            "method",
            "organisation",
            "estimate",
            "counterparty",
            "exemption",
            "legal_ground",
            "planned_notice_on",
            "planned_award_on",
            "note",
        ]
        widgets = {"legal_ground": forms.Textarea(attrs=TEXTAREA), "note": forms.Textarea(attrs=TEXTAREA)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.user
        projects = Project.objects.for_user(user, Action.CHANGE) if user else Project.objects.all()
        self.fields["project"].queryset = projects
        self.fields["projects"].queryset = projects
        self.fields["projects"].help_text = _("The lead project is always covered; add the others of a batch.")
        self.fields["sections"].queryset = (
            Section.objects.for_user(user, Action.VIEW) if user else Section.objects.all()
        ).select_related("project")
        self.fields["counterparty"].queryset = Organization.objects.filter(kind__in=COMPANY_KINDS)
        if user is not None:
            self.fields["scheme"].queryset = SchemeTemplate.objects.for_user(user, Action.VIEW).filter(is_active=True)
        for name in ("subject_kind", "method", "organisation"):
            self.fields[name].required = False
        self.fields["scheme"].help_text = _(
            "Starting from a scheme template, the subject kind, method and organisation left empty are its own."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scheme = data.get("scheme")
        agency = data.get("agency") or getattr(self.instance, "agency", None)
        if scheme is not None and agency is not None and scheme.agency_id != agency.pk:
            self.add_error("scheme", _("The scheme template belongs to another agency."))
        for name, default in (("subject_kind", ""), ("method", Method.OPEN), ("organisation", Organisation.SINGLE)):
            if not data.get(name):
                data[name] = getattr(scheme, name) if scheme is not None else default
                setattr(self.instance, name, data[name])
        if not data.get("subject_kind"):
            self.add_error("subject_kind", _("Choose the subject kind, or a scheme template."))
        return data


class TenderForm(AgencyForm):
    """A tender; from a plan, the name, kind and method left empty are the plan's, and the number the next."""

    class Meta:
        model = Tender
        fields = [
            "agency",
            "plan",
            "number",
            "name",
            "subject_kind",
            "method",
            "control_price",
            "notice_on",
            "opening_on",
            "evaluation_on",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs=TEXTAREA)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["plan"].queryset = TenderPlan.objects.for_user(self.user, Action.CHANGE)
        for name in ("number", "name", "subject_kind", "method"):
            self.fields[name].required = False
        self.fields["number"].help_text = _("Left empty: the agency's next number (ZB-year-001).")
        if self.instance.pk:
            self.fields["plan"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        plan = data.get("plan")
        agency = data.get("agency")
        if plan is not None:
            if agency is not None and plan.agency_id != agency.pk:
                self.add_error("plan", _("The plan belongs to another agency."))
            for name in ("name", "subject_kind", "method"):
                if not data.get(name):
                    data[name] = getattr(plan, name)
                    setattr(self.instance, name, data[name])
        return data


class BidForm(ScopedModelForm):
    """A bid. The bond's paying account is given in full and never stored: only its fingerprint and last four
    digits are kept (`services.save_bid`)."""

    bond_account = forms.CharField(
        label=_("bond paying account"),
        required=False,
        max_length=40,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("The full bank account number the bond was paid from; only its last 4 digits are kept."),
    )

    class Meta:
        model = Bid
        fields = [
            "tender",
            "bidder",
            "price",
            "bond_amount",
            "bond_account",
            "qualified",
            "disqualified_reason",
            "score",
            "submitted_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.user is not None:
            self.fields["tender"].queryset = Tender.objects.for_user(self.user, Action.CHANGE)
        self.fields["bidder"].queryset = Organization.objects.filter(kind__in=COMPANY_KINDS)
        self.fields["bond_account"].widget.attrs["class"] = "form-control"
        if self.instance.pk:
            self.fields["tender"].disabled = True
            self.fields["bidder"].disabled = True
            if self.instance.bond_account_last4:
                self.fields["bond_account"].help_text = _(
                    "Recorded: an account ending %(last4)s. Leave empty to keep it."
                ) % {"last4": self.instance.bond_account_last4}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )


class RecommendForm(forms.Form):
    """The evaluation committee's candidates: a rank for each qualified bid (empty: not recommended)."""

    evaluation_on = forms.DateField(
        label=_("evaluation (评标)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, bids: list[Bid], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bids = bids
        choices = [("", "—"), *((str(n), str(n)) for n in range(1, 4))]
        for bid in bids:
            self.fields[f"rank_{bid.pk}"] = forms.TypedChoiceField(
                label=str(bid.bidder),
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                initial=bid.recommended_rank or "",
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def rank_fields(self) -> list[tuple[Bid, Any]]:
        return [(bid, self[f"rank_{bid.pk}"]) for bid in self.bids]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ranked = [(data.get(f"rank_{bid.pk}"), bid) for bid in self.bids]
        ranked = [(rank, bid) for rank, bid in ranked if rank]
        ranks = sorted(rank for rank, _bid in ranked)
        if not ranked:
            raise forms.ValidationError(_("Give rank 1 to the first recommended candidate."))
        if ranks != list(range(1, len(ranks) + 1)):
            raise forms.ValidationError(_("Ranks go 1, 2, 3 without gaps or repeats."))
        data["candidates"] = [bid for _rank, bid in sorted(ranked, key=lambda pair: pair[0])]
        return data


class AwardForm(forms.Form):
    """The award committee's decision: a bidder of the tender, the reasons, the price and dates."""

    winner = forms.ModelChoiceField(
        label=_("winner"), queryset=Organization.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    award_price = forms.DecimalField(
        label=_("award price (元)"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text=_("Left empty: the winner's bid price."),
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    award_reason = forms.CharField(
        label=_("reasons for the award (定标理由)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("Required when the winner is not the first recommended candidate."),
    )
    decision_on = forms.DateField(
        label=_("award decision (定标)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    award_notice_on = forms.DateField(
        label=_("award notice (中标通知)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, tender: Tender, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every company may be named (so a non-bidder is refused with its reason, not as an unknown choice);
        # the list offers the bidders.
        self.fields["winner"].queryset = Organization.objects.filter(kind__in=COMPANY_KINDS)
        bidders = [(bid.bidder_id, str(bid.bidder)) for bid in tender.bids.select_related("bidder")]
        self.fields["winner"].choices = [("", "—"), *bidders]
