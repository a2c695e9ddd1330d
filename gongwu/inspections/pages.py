"""The inspection walk (start on site, fill the checklists, record findings with photos, issue the notice),
a notice's page with the company's answer and the re-inspection, a hazardous work's page.

Made for a phone on site: short forms, big touch targets, one save per sheet. Everything is written through
`services`; the pages only read the models.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongwu.alerts.models import Case
from gongwu.core.generic.forms import ScopedModelForm, add_model_errors, save_form
from gongwu.core.models import Action, Role, user_may
from gongwu.inspections import jgj59, scoring, services
from gongwu.inspections.forms import FindingForm, NoticeForm, ReinspectForm
from gongwu.inspections.models import (
    QUALITY_KINDS,
    SAFETY_KINDS,
    CheckItem,
    ChecklistTemplate,
    Finding,
    FindingStatus,
    HazardousWork,
    Inspection,
    InspectionStatus,
    ItemResult,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
)
from gongwu.projects.models import Project, Section

STATUS_COLOUR = {"open": "blue", "answered": "purple", "overdue": "red", "closed": "green", "voided": "secondary"}
STATUS_LABEL = {
    "open": gettext_lazy("Awaiting rectification"),
    "answered": gettext_lazy("Answered: awaiting re-inspection"),
    "overdue": gettext_lazy("Overdue"),
    "closed": gettext_lazy("Closed (销项)"),
    "voided": gettext_lazy("Voided"),
}
FINDING_COLOUR = {"open": "orange", "notified": "blue", "rectified": "purple", "closed": "green"}
SEVERITY_COLOUR = {"general": "yellow", "major": "orange", "serious": "red"}
GRADE_COLOUR = {"good": "green", "pass": "blue", "fail": "red"}
ZERO_REASON_LABEL = {
    scoring.ZeroReason.GUARANTEE_ITEM_AT_ZERO.value: gettext_lazy("a guarantee item (保证项目) scored nothing"),
    scoring.ZeroReason.GUARANTEE_SUBTOTAL_BELOW_40.value: gettext_lazy(
        "the guarantee items (保证项目) scored less than 40"
    ),
}


def grade_label(grade: str) -> str:
    return scoring.Grade(grade).label if grade else ""


def may_change_inspection(inspection: Inspection, user: Any) -> bool:
    return (
        inspection.status != InspectionStatus.COMPLETED
        and inspection.voided_at is None
        and Inspection.objects.for_user(user, Action.CHANGE).filter(pk=inspection.pk).exists()
    )


def changeable_inspection(request: HttpRequest, pk: int) -> Inspection:
    """The inspection to change, or 404 (not visible) / 403 (visible, not changeable or completed)."""
    inspection = get_object_or_404(Inspection.objects.for_user(request.user).select_related("project"), pk=pk)
    if not may_change_inspection(inspection, request.user):
        raise PermissionDenied(_("This inspection is completed or you may not change it."))
    return inspection


def error_text(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def split_photos(finding: Finding) -> tuple[list[Any], list[Any]]:
    """A finding's photos: taken on site, and after rectification (uploaded by the company it is addressed to)."""
    before, after = [], []
    for photo in services.photos_of(finding).select_related("uploaded_by").order_by("created", "pk"):
        by_company = photo.uploaded_by is not None and photo.uploaded_by.organization_id == finding.responsible_org_id
        (after if by_company else before).append(photo)
    return before, after


def finding_row(finding: Finding) -> dict[str, Any]:
    before, after = split_photos(finding)
    return {
        "finding": finding,
        "before": before,
        "after": after,
        "severity_colour": SEVERITY_COLOUR.get(finding.severity, "secondary"),
        "status_colour": FINDING_COLOUR.get(finding.status, "secondary"),
    }


def notice_row(notice: RectificationNotice) -> dict[str, Any]:
    status = services.notice_status(notice)
    return {"notice": notice, "status": status, "label": STATUS_LABEL[status], "colour": STATUS_COLOUR[status]}


def sheet_rows(inspection: Inspection) -> list[dict[str, Any]]:
    return [
        {
            "sheet": sheet,
            "zero_reason": ZERO_REASON_LABEL.get(sheet.zero_reason, ""),
            "deducted": sum((r.deduction for r in sheet.results.all()), Decimal(0)),
        }
        for sheet in inspection.sheets.select_related("template").prefetch_related("results")
    ]


# ---- detail pages (rendered by the generic detail view) -----------------------------------------


def inspection_context(inspection: Inspection, request: HttpRequest) -> dict[str, Any]:
    """Header figures, the score sheets, the findings with thumbnails, the notices, what the user may do."""
    user = request.user
    findings = list(inspection.findings.select_related("responsible_org", "notice"))
    open_findings = [f for f in findings if f.status == FindingStatus.OPEN]
    editable = may_change_inspection(inspection, user)
    return {
        "sheets": sheet_rows(inspection),
        "findings": [finding_row(f) for f in findings],
        "notices": [
            notice_row(n)
            for n in RectificationNotice.objects.for_user(user)
            .filter(pk__in={f.notice_id for f in findings if f.notice_id})
            .select_related("case", "company")
        ],
        "grade_label": grade_label(inspection.grade),
        "grade_colour": GRADE_COLOUR.get(inspection.grade, "secondary"),
        "editable": editable,
        "may_change": editable,
        "may_issue": bool(open_findings) and user_may(user, RectificationNotice, Action.ADD),
        "open_count": len(open_findings),
    }


def finding_context(finding: Finding, request: HttpRequest) -> dict[str, Any]:
    """Photos before and after, its notice and its case (the notice's, or the 重大 finding's own)."""
    own_cases = Case.objects.filter(
        subject_type=ContentType.objects.get_for_model(Finding), subject_id=str(finding.pk)
    ).order_by("pk")
    notice = finding.notice
    return {
        **finding_row(finding),
        "notice_row": notice_row(notice) if notice else None,
        "cases": list(own_cases) + ([notice.case] if notice and notice.case_id else []),
    }


def notice_context(notice: RectificationNotice, request: HttpRequest) -> dict[str, Any]:
    """The notice's findings, status, and the answer or re-inspection form for whom it falls to."""
    user = request.user
    row = notice_row(notice)
    is_company = user.organization_id == notice.company_id
    may_answer = is_company and row["status"] in ("open", "overdue")
    may_reinspect = (
        row["status"] == "answered"
        and not is_company
        and user.role != Role.COMPANY
        and user_may(user, Finding, Action.CHANGE)
        and RectificationNotice.objects.for_user(user).filter(pk=notice.pk).exists()
    )
    findings = [finding_row(f) for f in notice.findings.select_related("responsible_org", "inspection")]
    return {
        "project_visible": Project.objects.for_user(request.user).filter(pk=notice.project_id).exists(),
        **row,
        "findings": findings,
        "today": timezone.localdate(),
        "may_answer": may_answer,
        "may_reinspect": may_reinspect,
        "evidence_required": services.evidence_required(notice),
        "reinspect_form": ReinspectForm(),
        "answer_texts": {},
        "answer_errors": [],
        "inspection": Inspection.objects.for_user(user)
        .filter(pk__in=[r["finding"].inspection_id for r in findings])
        .first(),
    }


def hazardous_work_context(work: HazardousWork, request: HttpRequest) -> dict[str, Any]:
    inspections = list(work.inspections.select_related("lead").order_by("-started_at"))
    findings = list(
        Finding.objects.for_user(request.user)
        .filter(inspection__hazardous_work=work)
        .select_related("responsible_org")
        .order_by("-found_on", "-pk")
    )
    query = {"project": work.project_id, "hazardous_work": work.pk}
    if work.section_id:
        query["section"] = work.section_id
    return {
        "inspections": [
            {"inspection": i, "grade_label": grade_label(i.grade), "grade_colour": GRADE_COLOUR.get(i.grade, "")}
            for i in inspections
        ],
        "findings": [finding_row(f) for f in findings],
        "may_start": user_may(request.user, Inspection, Action.ADD),
        "start_url": reverse("inspections:start") + "?" + urlencode(query),
    }


# ---- start an inspection on site ----------------------------------------------------------------


class StartForm(ScopedModelForm):
    """The few things said on site; the lead, the organization and the time are the user's and now."""

    class Meta:
        model = Inspection
        fields = ["project", "section", "hazardous_work", "kind", "topic", "level", "weather"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = self.fields["project"].queryset.for_user(self.user, Action.CHANGE)
        self.fields["section"].queryset = Section.objects.for_user(self.user).select_related("project")
        self.fields["hazardous_work"].queryset = HazardousWork.objects.for_user(self.user).select_related("project")
        self.fields["weather"].widget.attrs["placeholder"] = _("e.g. 晴 28°C")
        self.fields["topic"].help_text = _("For a special inspection (专项检查).")


@login_required
def start_inspection(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Inspection, Action.ADD):
        raise PermissionDenied(_("You may not start inspections."))
    form = StartForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        form.instance.lead = request.user
        form.instance.inspecting_org_id = request.user.organization_id
        form.instance.started_at = timezone.now()
        inspection = save_form(form, request.user)
        if inspection is not None:
            messages.success(request, _("Inspection started. Add a checklist or record a finding."))
            return HttpResponseRedirect(inspection.get_absolute_url())
    return render(
        request,
        "inspections/start.html",
        {"form": form},
        status=422 if form.is_bound else 200,
    )


# ---- checklists ---------------------------------------------------------------------------------


@login_required
def add_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a checklist: the JGJ 59-2011 sheets by their summary line, then the agency's own."""
    inspection = changeable_inspection(request, pk)
    templates = ChecklistTemplate.objects.for_user(request.user).filter(is_active=True)
    templates = templates.filter(agency__isnull=True) | templates.filter(agency=inspection.project.agency_id)
    if request.method == "POST":
        template = templates.filter(pk=request.POST.get("template") or 0).first()
        if template is None:
            messages.error(request, _("Choose a checklist."))
        else:
            try:
                sheet = services.add_sheet(inspection, template, request.user)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, error_text(exc))
            else:
                return HttpResponseRedirect(sheet.get_absolute_url())
    taken = set(inspection.sheets.values_list("template_id", flat=True))
    builtin: OrderedDict[str, list[ChecklistTemplate]] = OrderedDict()
    own = []
    for template in templates.order_by("order", "name"):
        if template.is_builtin:
            builtin.setdefault(template.summary_line or _("Other"), []).append(template)
        else:
            own.append(template)
    return render(
        request,
        "inspections/add_sheet.html",
        {"inspection": inspection, "builtin": builtin, "own": own, "taken": taken},
    )


def sheet_items(sheet: ScoreSheet, posted: dict[int, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The check items by group (保证项目 first), with their results or what was posted."""
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    results = sheet.results.select_related("item").order_by("item__number")
    for result in results:
        item = result.item
        group = jgj59.GUARANTEE if item.guarantee else (item.group or jgj59.GENERAL)
        entry = (posted or {}).get(item.pk)
        groups.setdefault(group, []).append(
            {
                "result": result,
                "item": item,
                "deduction": entry["deduction"]
                if entry
                else (result.deduction.normalize() if result.deduction else ""),
                "not_applicable": entry["not_applicable"] if entry else result.not_applicable,
                "note": entry["note"] if entry else result.note,
                "error": entry.get("error", "") if entry else "",
                "finding_url": reverse("inspections:add_finding", args=[sheet.inspection_id])
                + "?"
                + urlencode({"item": item.pk, "sheet": sheet.pk}),
            }
        )
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != jgj59.GUARANTEE, kv[0] == jgj59.GENERAL))
    return [{"name": name, "items": items, "subtotal": sum(i["item"].points for i in items)} for name, items in ordered]


def read_entries(request: HttpRequest, sheet: ScoreSheet) -> tuple[dict[int, services.ItemEntry], dict[int, Any]]:
    """The posted results by check item, and per item what was typed and what is wrong with it."""
    entries: dict[int, services.ItemEntry] = {}
    posted: dict[int, dict[str, Any]] = {}
    for result in sheet.results.select_related("item"):
        item = result.item
        raw = request.POST.get(f"d-{item.pk}", "").strip().replace(",", ".")
        not_applicable = request.POST.get(f"na-{item.pk}") == "on"
        note = request.POST.get(f"note-{item.pk}", "").strip()[:200]
        error = ""
        try:
            deduction = Decimal(raw) if raw else Decimal(0)
            if not deduction.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            deduction, error = Decimal(0), _("Enter the points deducted as a number.")
        if not error and deduction < 0:
            error = _("Points deducted cannot be negative.")
        elif not error and deduction > item.points:
            error = _("At most %(points)s points can be deducted on this item.") % {
                "points": f"{item.points.normalize():f}"
            }
        elif not error and not_applicable and deduction:
            error = _("An item that does not apply has no deduction.")
        posted[item.pk] = {"deduction": raw, "not_applicable": not_applicable, "note": note, "error": error}
        entries[item.pk] = services.ItemEntry(deduction=deduction, not_applicable=not_applicable, note=note)
    return entries, posted


@login_required
def walk_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill a checklist item by item; one save stores all or, on any error, nothing."""
    sheet = get_object_or_404(
        ScoreSheet.objects.for_user(request.user).select_related("template", "inspection", "inspection__project"),
        pk=pk,
    )
    inspection = sheet.inspection
    editable = may_change_inspection(inspection, request.user)
    posted = None
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("This inspection is completed or you may not change it."))
        entries, posted = read_entries(request, sheet)
        if any(p["error"] for p in posted.values()):
            errors.append(_("Nothing was saved: correct the items marked below."))
        else:
            try:
                services.record_results(sheet, entries, request.user)
            except (ValidationError, PermissionDenied) as exc:
                errors.append(error_text(exc))
            else:
                messages.success(request, _("Sheet saved."))
                return HttpResponseRedirect(sheet.get_absolute_url() + "#sheet-score")
    sheet.refresh_from_db()
    inspection.refresh_from_db()
    return render(
        request,
        "inspections/sheet.html",
        {
            "sheet": sheet,
            "inspection": inspection,
            "groups": sheet_items(sheet, posted),
            "errors": errors,
            "editable": editable,
            "zero_reason": ZERO_REASON_LABEL.get(sheet.zero_reason, ""),
            "sheets": sheet_rows(inspection),
            "grade_label": grade_label(inspection.grade),
            "grade_colour": GRADE_COLOUR.get(inspection.grade, "secondary"),
        },
        status=422 if errors else 200,
    )


# ---- findings -----------------------------------------------------------------------------------


def finding_form(request: HttpRequest, inspection: Inspection) -> FindingForm:
    """The finding form for this inspection: prefilled from a check item, the section's parties first."""
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["inspection"] = str(inspection.pk)
    initial: dict[str, Any] = {"inspection": inspection.pk}
    section = inspection.section
    if section is not None and section.contractor_id:
        initial["responsible_org"] = section.contractor_id
    item = None
    item_id = request.GET.get("item", "")
    if item_id.isdigit():
        item = CheckItem.objects.for_user(request.user).filter(pk=item_id).first()
    if item is not None:
        initial.update(item=item.pk, category=item.category, severity=item.default_severity)
        initial["regulation"] = item.regulation or f"{jgj59.STANDARD} {item.template.table_no} {item.text}".strip()
        note = ItemResult.objects.filter(sheet__inspection=inspection, item=item).values_list("note", flat=True).first()
        initial["description"] = f"{item.text}：{note}" if note else f"{item.text}："
    form = FindingForm(data, request.FILES or None, user=request.user, initial=initial)
    form.fields["inspection"].widget = forms.HiddenInput()
    form.fields["item"].widget = forms.HiddenInput()
    form.fields["inspection"].queryset = Inspection.objects.filter(pk=inspection.pk)
    parties = []
    if section is not None:
        parties = [pk for pk in (section.contractor_id, section.supervisor_id) if pk]
        parties += list(section.other_parties.values_list("pk", flat=True))
    org = form.fields["responsible_org"]
    org.queryset = org.queryset.annotate(
        party=When_(When(pk__in=parties, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("party", "name")
    form.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()
    form.fields["photos"].widget.attrs["data-shrink"] = "1600"
    return form


@login_required
def add_finding(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = changeable_inspection(request, pk)
    if not user_may(request.user, Finding, Action.ADD):
        raise PermissionDenied(_("You may not record findings."))
    form = finding_form(request, inspection)
    if request.method == "POST" and form.is_valid():
        finding = save_form(form, request.user)
        if finding is not None:
            messages.success(request, _("Finding recorded."))
            sheet = request.GET.get("sheet", "")
            if sheet.isdigit() and inspection.sheets.filter(pk=sheet).exists():
                return HttpResponseRedirect(reverse("inspections:scoresheet_detail", args=[sheet]))
            return HttpResponseRedirect(inspection.get_absolute_url() + "#findings")
    return render(
        request,
        "inspections/finding_form.html",
        {"form": form, "inspection": inspection},
        status=422 if form.is_bound else 200,
    )


# ---- notices ------------------------------------------------------------------------------------


def default_notice_kind(inspection: Inspection) -> str:
    if inspection.kind in SAFETY_KINDS:
        return NoticeKind.SAFETY
    if inspection.kind in QUALITY_KINDS:
        return NoticeKind.QUALITY
    return NoticeKind.RECTIFICATION


@login_required
def issue_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose open findings of one company; the notice is numbered and its case opened."""
    inspection = get_object_or_404(Inspection.objects.for_user(request.user).select_related("project"), pk=pk)
    if not user_may(request.user, RectificationNotice, Action.ADD):
        raise PermissionDenied(_("You may not issue notices."))
    open_findings = (
        Finding.objects.for_user(request.user)
        .filter(inspection=inspection, status=FindingStatus.OPEN)
        .select_related("responsible_org")
        .order_by("responsible_org__name", "pk")
    )
    form = NoticeForm(request.POST or None, findings=open_findings, initial={"kind": default_notice_kind(inspection)})
    form.fields["findings"].error_messages["required"] = _("Choose the findings the notice covers.")
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.open_rectification_notice(
                form.cleaned_data["findings"],
                request.user,
                kind=form.cleaned_data["kind"],
                working_days=form.cleaned_data["working_days"],
                requirements=form.cleaned_data["requirements"],
            )
        except ValidationError as exc:
            add_model_errors(form, exc)
        else:
            messages.success(request, _("Notice %(number)s issued.") % {"number": notice.number})
            return HttpResponseRedirect(notice.get_absolute_url())
    chosen = {str(v) for v in (request.POST.getlist("findings") if request.method == "POST" else [])}
    if request.method != "POST":
        companies = {f.responsible_org_id for f in open_findings}
        if len(companies) == 1:  # one company: every finding is on the notice unless unticked
            chosen = {str(f.pk) for f in open_findings}
    groups: OrderedDict[Any, list[dict[str, Any]]] = OrderedDict()
    for finding in open_findings:
        row = finding_row(finding)
        row["checked"] = str(finding.pk) in chosen
        groups.setdefault(finding.responsible_org, []).append(row)
    return render(
        request,
        "inspections/issue_notice.html",
        {"form": form, "inspection": inspection, "groups": list(groups.items())},
        status=422 if form.is_bound else 200,
    )


def render_notice(request: HttpRequest, notice: RectificationNotice, status: int, **extra: Any) -> HttpResponse:
    """The notice's page again (the generic detail view's context), with what went wrong."""
    from gongwu.core.generic.views import ObjectDetailView
    from gongwu.inspections.views import RectificationNoticeViews

    view = ObjectDetailView(viewset=RectificationNoticeViews)
    view.setup(request, pk=notice.pk)
    context = view.detail_context(notice)
    context.update(extra)
    return render(request, RectificationNoticeViews.detail_template, context, status=status)


def visible_notice(request: HttpRequest, pk: int) -> RectificationNotice:
    return get_object_or_404(
        RectificationNotice.objects.for_user(request.user).select_related("case", "company", "project"), pk=pk
    )


@login_required
@require_POST
def answer_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The company's answer: per finding what was done, with photos after rectification."""
    notice = visible_notice(request, pk)
    findings = list(notice.findings.all())
    answers = {
        f.pk: services.Answer(
            text=request.POST.get(f"text-{f.pk}", ""),
            photos=[p for p in request.FILES.getlist(f"photos-{f.pk}") if p],
        )
        for f in findings
    }
    try:
        services.answer_notice(notice, answers, request.user)
    except PermissionDenied as exc:
        raise PermissionDenied(error_text(exc)) from exc
    except ValidationError as exc:
        return render_notice(
            request,
            notice,
            422,
            answer_errors=exc.messages,
            answer_texts={f.pk: answers[f.pk].text for f in findings},
        )
    messages.success(request, _("Your answer was sent; the inspector will re-inspect."))
    return HttpResponseRedirect(notice.get_absolute_url())


@login_required
@require_POST
def reinspect(request: HttpRequest, pk: int) -> HttpResponse:
    """复查: close the notice (销项) or send it back with the reason."""
    notice = visible_notice(request, pk)
    if request.user.role == Role.COMPANY or request.user.organization_id == notice.company_id:
        raise PermissionDenied(_("The company that was inspected cannot re-inspect its own rectification."))
    form = ReinspectForm(request.POST)
    if form.is_valid() and form.cleaned_data["decision"] == "send_back" and not form.cleaned_data["text"].strip():
        form.add_error("text", _("Say why the rectification is not accepted."))
    if not form.is_valid():
        return render_notice(request, notice, 422, reinspect_form=form)
    close = form.cleaned_data["decision"] == "close"
    try:
        services.reinspect(notice, request.user, close=close, text=form.cleaned_data["text"])
    except ValidationError as exc:
        form.add_error(None, exc)
        return render_notice(request, notice, 422, reinspect_form=form)
    messages.success(
        request, _("Closed (销项).") if close else _("Sent back to %(company)s.") % {"company": notice.company}
    )
    return HttpResponseRedirect(notice.get_absolute_url())


# ---- completing -------------------------------------------------------------------------------


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = changeable_inspection(request, pk)
    try:
        services.complete_inspection(inspection, request.user, request.POST.get("result", "").strip())
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Inspection completed."))
    return HttpResponseRedirect(inspection.get_absolute_url())
