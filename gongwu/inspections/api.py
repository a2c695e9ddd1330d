"""The inspections API: inspections (with their score sheets and completion), checklists and check items,
findings with photos, rectification notices (issue, the company's answer, the re-inspection), hazardous works,
accidents and the figures of a period.

CRUD goes through `crud_router`, so the API obeys the pages' forms, filters, scoping and change log; the
steps (add a sheet, record results, complete, issue, answer, re-inspect) go through `services`, like the
pages' buttons. A record you may not see answers 404, a step that is not yours 403, a refused step 422
with the reasons, and nothing changes.

Scores and points are JSON strings with two places ("86.50"), as the JGJ 59-2011 sheets write them.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from gongwu.core import services as core_services
from gongwu.core.figures import require_agencies
from gongwu.core.generic.api import (
    AUTH,
    Message,
    SelectionQuery,
    ValidationErrors,
    crud_router,
    form_errors,
    not_found,
    require,
    selection_from_api,
    validation_detail,
)
from gongwu.core.generic.forms import save_form
from gongwu.core.models import Action, Role
from gongwu.inspections import figures, services
from gongwu.inspections.models import (
    ChecklistTemplate,
    Finding,
    Inspection,
    NoticeKind,
    RectificationNotice,
    ScoreSheet,
    Severity,
)
from gongwu.inspections.views import (
    AccidentViews,
    CheckItemViews,
    ChecklistTemplateViews,
    FindingViews,
    HazardousWorkViews,
    InspectionViews,
    RectificationNoticeViews,
)

JSON_OR_FORM = ("multipart/form-data", "application/x-www-form-urlencoded")

# ---- output schemas -----------------------------------------------------------------------------


class InspectionOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    project_id: int
    section_id: int | None
    hazardous_work_id: int | None
    kind: str
    topic: str
    level: str = Field(description="self (自查), spot (抽查) or supervision (督查).")
    inspecting_org_id: int | None
    lead_id: int | None
    inspectors: str
    started_at: datetime.datetime
    weather: str
    result: str
    status: str = Field(description="in_progress or completed; a completed inspection's sheets no longer change.")
    score: Decimal | None = Field(description="The JGJ 59 汇总表 total (or the mean of quality checklists).")
    grade: str = Field(description="good (优良), pass (合格) or fail (不合格); empty without JGJ 59 sheets.")


class ChecklistTemplateOut(Schema):
    id: int
    agency_id: int | None = Field(description="null for the built-in JGJ 59-2011 sheets (read-only).")
    name: str
    kind: str
    code: str
    table_no: str
    summary_line: str
    order: int
    evidence_required: bool
    is_active: bool


class CheckItemOut(Schema):
    id: int
    template_id: int
    number: int
    group: str
    text: str
    points: Decimal
    guarantee: bool = Field(description="保证项目")
    default_severity: str
    category: str
    regulation: str


class HazardousWorkOut(Schema):
    id: int
    project_id: int
    section_id: int | None
    kind: str
    name: str
    over_scale: bool
    plan_approved_on: datetime.date | None
    expert_review_on: datetime.date | None
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    status: str
    note: str


class AccidentOut(Schema):
    id: int
    project_id: int
    occurred_on: datetime.date
    kind: str
    severity: str
    deaths: int
    serious_injuries: int
    minor_injuries: int
    description: str


class FindingOut(Schema):
    id: int
    inspection_id: int
    project_id: int
    item_id: int | None
    category: str
    severity: str = Field(description="general (一般), major (较大) or serious (重大).")
    description: str
    location: str
    responsible_org_id: int
    regulation: str
    deadline: datetime.date | None
    status: str = Field(description="open, notified (on a notice), rectified (answered) or closed (销项).")
    notice_id: int | None
    rectification: str
    rectified_on: datetime.date | None
    closed_on: datetime.date | None
    found_on: datetime.date


class NoticeFindingOut(Schema):
    id: int
    description: str
    category: str
    severity: str
    status: str
    rectification: str
    rectified_on: datetime.date | None


class NoticeOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    agency_id: int
    project_id: int
    section_id: int | None
    kind: str
    number: str = Field(description="安督〔2026〕1号: per agency, kind and year.")
    company_id: int = Field(description="The company the notice is addressed to; it answers.")
    issued_on: datetime.date
    working_days: int
    deadline: datetime.date
    requirements: str
    issued_by_id: int | None
    case_id: int | None = Field(description="The alerts case the notice's loop runs as.")
    status: str = Field(description="open, answered (awaiting re-inspection), overdue or closed.")
    findings: list[NoticeFindingOut]

    @staticmethod
    def resolve_status(obj: RectificationNotice) -> str:
        return services.notice_status(obj)

    @staticmethod
    def resolve_findings(obj: RectificationNotice) -> list[Any]:
        return list(obj.findings.all())


class PhotoOut(Schema):
    id: int
    name: str
    mime_type: str
    size: int
    description: str = Field(description="“On site” or “After rectification”.")
    url: str


class ItemResultOut(Schema):
    item_id: int
    number: int
    group: str
    text: str
    points: Decimal
    guarantee: bool
    deduction: Decimal
    not_applicable: bool = Field(description="缺项: the item does not apply on this site.")
    note: str


class SheetOut(Schema):
    id: int
    inspection_id: int
    template_id: int
    template_name: str
    table_no: str
    score: Decimal | None
    zero_reason: str = Field(
        description="Why the sheet scored 0 (JGJ 59 §4.0.3-3): guarantee_item_at_zero or "
        "guarantee_subtotal_below_40; empty otherwise."
    )
    items: list[ItemResultOut]


class InspectionScoreOut(Schema):
    id: int
    score: Decimal | None
    grade: str


class ResultsOut(Schema):
    sheet: SheetOut
    inspection: InspectionScoreOut = Field(description="The inspection's summary (汇总表) score and grade.")


# ---- helpers ------------------------------------------------------------------------------------


def error(loc: str, message: str) -> tuple[int, dict[str, Any]]:
    return 422, {"detail": [{"loc": ["body", loc], "msg": message}]}


def pydantic_errors(exc: pydantic.ValidationError) -> tuple[int, dict[str, Any]]:
    return 422, {"detail": [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]}


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object (empty for a request without a JSON body); ValueError for anything else."""
    if request.content_type != "application/json" or not request.body.strip():
        return {}
    values = json.loads(request.body)
    if not isinstance(values, dict):
        raise ValueError("not an object")
    return values


# ---- CRUD ---------------------------------------------------------------------------------------

inspections = crud_router(InspectionViews, InspectionOut, tag="inspections")
checklists = crud_router(ChecklistTemplateViews, ChecklistTemplateOut, tag="checklists")
check_items = crud_router(CheckItemViews, CheckItemOut, tag="checklists")
hazardous_works = crud_router(HazardousWorkViews, HazardousWorkOut, tag="hazardous works")
accidents = crud_router(AccidentViews, AccidentOut, tag="accidents")
notices = crud_router(
    RectificationNoticeViews,
    NoticeOut,
    tag="rectification notices",
    read_only=True,
    prepare=lambda qs: qs.prefetch_related("findings"),
)
# Findings are created from JSON or a form with photos, so their writes are spelled out below.
findings = crud_router(FindingViews, FindingOut, tag="findings", read_only=True)


# ---- inspections: complete, sheets --------------------------------------------------------------


class CompleteIn(Schema):
    result: str = Field("", description="The inspection's result (检查结论); the stored one stays when empty.")


COMPLETE_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": CompleteIn.model_json_schema()}},
    }
}


@inspections.post(
    "/{int:pk}/complete/",
    response={200: InspectionOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="inspection_complete",
    summary="Complete an inspection: scored by JGJ 59, its result written; its sheets no longer change",
    openapi_extra=COMPLETE_BODY,
)
def complete_inspection(request: HttpRequest, pk: int) -> Any:
    inspection = InspectionViews.get_queryset(request.user).filter(pk=pk).first()
    if inspection is None:
        return not_found()
    try:
        payload = CompleteIn.model_validate(json_body(request))
    except pydantic.ValidationError as exc:
        return pydantic_errors(exc)
    except ValueError:
        return error("non_field_errors", _("The body must be a JSON object."))
    try:
        services.complete_inspection(inspection, request.user, payload.result)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, InspectionViews.get_queryset(request.user).get(pk=pk)


def sheet_json(sheet: ScoreSheet) -> dict[str, Any]:
    results = sheet.results.select_related("item").order_by("item__number")
    return {
        "id": sheet.pk,
        "inspection_id": sheet.inspection_id,
        "template_id": sheet.template_id,
        "template_name": sheet.template.name,
        "table_no": sheet.template.table_no,
        "score": sheet.score,
        "zero_reason": sheet.zero_reason,
        "items": [
            {
                "item_id": r.item_id,
                "number": r.item.number,
                "group": r.item.group,
                "text": r.item.text,
                "points": r.item.points,
                "guarantee": r.item.guarantee,
                "deduction": r.deduction,
                "not_applicable": r.not_applicable,
                "note": r.note,
            }
            for r in results
        ],
    }


class AddSheetIn(Schema):
    template: int = Field(description="A checklist id: a built-in JGJ 59 sheet or one of the agency's.")


@inspections.post(
    "/{int:pk}/sheets/",
    response={201: SheetOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="inspection_add_sheet",
    summary="Start filling a checklist in an inspection: every item starts at full points",
)
def add_sheet(request: HttpRequest, pk: int, payload: AddSheetIn) -> Any:
    inspection = InspectionViews.get_queryset(request.user).filter(pk=pk).first()
    if inspection is None:
        return not_found()
    template = ChecklistTemplate.objects.for_user(request.user).filter(pk=payload.template, is_active=True).first()
    if template is None:
        return error("template", _("No such checklist among those you may use."))
    try:
        sheet = services.add_sheet(inspection, template, request.user)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 201, sheet_json(ScoreSheet.objects.select_related("template").get(pk=sheet.pk))


score_sheets = Router(tags=["inspections"], auth=AUTH)


def visible_sheet(user: Any, pk: int) -> ScoreSheet | None:
    require(user, ScoreSheet, Action.VIEW)
    return ScoreSheet.objects.for_user(user).select_related("template", "inspection").filter(pk=pk).first()


@score_sheets.get(
    "/{int:pk}/",
    response={200: SheetOut, 403: Message, 404: Message},
    operation_id="scoresheet_retrieve",
    summary="A score sheet: its items with their results, the computed score and why it is 0",
)
def retrieve_sheet(request: HttpRequest, pk: int) -> Any:
    sheet = visible_sheet(request.user, pk)
    if sheet is None:
        return not_found()
    return 200, sheet_json(sheet)


class ResultIn(Schema):
    item: int = Field(description="The check item's id.")
    deduction: Decimal = Field(Decimal(0), description="Points deducted, at most the item's points.")
    not_applicable: bool = Field(False, description="缺项: the item does not apply (no deduction then).")
    note: str = Field("", max_length=200)


class ResultsIn(Schema):
    results: list[ResultIn]


@score_sheets.post(
    "/{int:pk}/results/",
    response={200: ResultsOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="scoresheet_results",
    summary="Record the results of some items and rescore the sheet and the inspection",
    description="All or nothing: a deduction over an item's points, a deduction on an item marked 缺项, an item "
    "not on the sheet or a completed inspection answers 422 with the reasons and saves nothing.",
)
def record_results(request: HttpRequest, pk: int, payload: ResultsIn) -> Any:
    sheet = visible_sheet(request.user, pk)
    if sheet is None:
        return not_found()
    entries = {
        r.item: services.ItemEntry(deduction=r.deduction, not_applicable=r.not_applicable, note=r.note)
        for r in payload.results
    }
    try:
        services.record_results(sheet, entries, request.user)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    sheet.refresh_from_db()
    inspection = Inspection.objects.get(pk=sheet.inspection_id)
    return 200, {
        "sheet": sheet_json(sheet),
        "inspection": {"id": inspection.pk, "score": inspection.score, "grade": inspection.grade},
    }


# ---- figures ------------------------------------------------------------------------------------


class RecurringOut(Schema):
    project_id: int
    project_name: str
    category: str
    count: int
    last_found_on: datetime.date


class CompanyFiguresOut(Schema):
    company_id: int
    company_name: str
    findings: int
    serious: int
    closed: int
    average_days: Decimal | None = Field(description="Days from finding to closing, over the closed ones.")
    closure_rate: Decimal | None = Field(description="% of its findings closed.")


class FiguresOut(Schema):
    agency_ids: list[int]
    start: datetime.date
    end: datetime.date
    inspections: int
    by_kind: dict[str, int]
    by_level: dict[str, int]
    safety: int
    quality: int
    notices: int
    notices_by_kind: dict[str, int]
    notices_closed: int
    notices_overdue: int
    findings: int
    by_category: dict[str, int]
    by_severity: dict[str, int]
    closed: int = Field(description="Findings closed (销项).")
    closure_rate: Decimal | None = Field(description="% of the findings closed (整改率).")
    average_days: Decimal | None = Field(description="Days from finding to closing, over the closed ones.")
    recurring: list[RecurringOut] = Field(description="A category found twice or more on a project.")
    companies: list[CompanyFiguresOut]
    accidents: int
    deaths: int = Field(description="Accidents with deaths.")


def figures_json(agency_ids: list[int], fig: figures.PeriodFigures) -> dict[str, Any]:
    return {
        "agency_ids": agency_ids,
        **{
            name: getattr(fig, name)
            for name in (
                "start",
                "end",
                "inspections",
                "by_kind",
                "by_level",
                "safety",
                "quality",
                "notices",
                "notices_by_kind",
                "notices_closed",
                "notices_overdue",
                "findings",
                "by_category",
                "by_severity",
                "closed",
                "closure_rate",
                "average_days",
                "accidents",
                "deaths",
            )
        },
        "recurring": [
            {
                "project_id": row["project_id"],
                "project_name": row["project__name"],
                "category": row["category"],
                "count": row["n"],
                "last_found_on": row["last"],
            }
            for row in fig.recurring
        ],
        "companies": [
            {
                "company_id": row["responsible_org_id"],
                "company_name": row["responsible_org__name"],
                "findings": row["n"],
                "serious": row["serious"],
                "closed": row["closed"],
                "average_days": row["days"],
                "closure_rate": row["closure_rate"],
            }
            for row in fig.companies
        ],
    }


@inspections.get(
    "/figures/",
    response={200: FiguresOut, 403: Message, 422: ValidationErrors},
    operation_id="inspection_figures",
    summary="The figures of a period: inspections, notices, findings, closure rate, companies, accidents",
    description="Query: `agency` (one you oversee, or `all` of them, the default), `year` (this year by default) or "
    "`from` and `to`. An agency you do not oversee, or a period that ends before it starts, answers 422. The same "
    "numbers one by one, with the year before: `GET /api/figures/values/?key=inspections.count&…`.",
)
def inspection_figures(request: HttpRequest, query: Query[SelectionQuery]) -> Any:
    require(request.user, Inspection, Action.VIEW)
    if request.user.role == Role.COMPANY and not request.user.is_superuser:
        return 403, {"detail": _("The figures are for the agencies.")}
    try:
        sel = selection_from_api(request, query)
    except HttpError as exc:
        if exc.status_code != 404:
            raise
        return 422, {"detail": [{"loc": ["query", "agency"], "msg": _("Not an agency you oversee.")}]}
    require_agencies(sel, _("The figures are for the agencies."))
    agency_ids = sorted(sel.agency_ids)
    counted = figures.period_figures(agency_ids, sel.period.start, sel.period.end)
    return 200, figures_json(agency_ids, counted)


# ---- findings: create with photos, edit, delete, photos -----------------------------------------


class FindingIn(Schema):
    inspection_id: int = Field(description="The inspection the finding was made in (its project and day).")
    item_id: int | None = Field(None, description="The check item it breaks, if any.")
    category: str
    severity: Severity = Severity.GENERAL
    description: str
    location: str = ""
    responsible_org_id: int = Field(description="The company that is to rectify it.")
    regulation: str = ""
    deadline: datetime.date | None = None


class FindingPatch(Schema):
    item_id: int | None = None
    category: str | None = None
    severity: Severity | None = None
    description: str | None = None
    location: str | None = None
    responsible_org_id: int | None = None
    regulation: str | None = None
    deadline: datetime.date | None = None


def form_keys(values: dict[str, Any]) -> dict[str, Any]:
    """An API payload as form data: `x_id` as `x`, None as empty."""
    return {(k[:-3] if k.endswith("_id") else k): ("" if v is None else v) for k, v in values.items()}


PHOTO_FORM = {
    "type": "object",
    "properties": {
        **FindingIn.model_json_schema()["properties"],
        "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
    "required": ["inspection_id", "category", "description", "responsible_org_id"],
}
FINDING_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": FindingIn.model_json_schema()},
            "multipart/form-data": {"schema": PHOTO_FORM},
        },
        "description": "JSON, or a multipart form with `photos` (JPEG, PNG, WebP or HEIC, each at most 8 MB).",
    }
}


@findings.post(
    "/",
    response={201: FindingOut, 403: Message, 422: ValidationErrors},
    operation_id="finding_create",
    summary="Record a finding (隐患), with photos from a multipart form; a 重大 finding opens a red case",
    description="A file that is not a photo, or is too large, answers 422 and nothing is saved.",
    openapi_extra=FINDING_BODY,
)
def create_finding(request: HttpRequest) -> Any:
    require(request.user, Finding, Action.ADD)
    try:
        if request.content_type in JSON_OR_FORM:
            values = {k: (v if v != "" else None) for k, v in request.POST.items()}
            payload = FindingIn.model_validate({k: v for k, v in values.items() if v is not None})
            files = request.FILES
        else:
            payload, files = FindingIn.model_validate(json_body(request)), None
    except pydantic.ValidationError as exc:
        return pydantic_errors(exc)
    except ValueError:
        return error("non_field_errors", _("The body must be a JSON object or a form."))
    try:
        # Checked here too: FindingForm.clean_photos lets the check's field-keyed error escape (a 500).
        services.check_photos(files.getlist("photos") if files is not None else [])
    except ValidationError as exc:
        return 422, {"detail": [{"loc": ["body", "photos"], "msg": m} for m in exc.messages]}
    form = FindingViews.form(data=form_keys(payload.dict()), files=files, user=request.user)
    if not form.is_valid():
        return 422, form_errors(form)
    finding = save_form(form, request.user)
    if finding is None:
        return 422, form_errors(form)
    return 201, FindingViews.get_queryset(request.user).get(pk=finding.pk)


def changeable_finding(request: HttpRequest, pk: int, action: str) -> Finding | None:
    require(request.user, Finding, action)
    if not FindingViews.get_queryset(request.user).filter(pk=pk).exists():
        return None
    finding = Finding.objects.for_user(request.user, action).filter(pk=pk).first()
    if finding is None:
        raise PermissionDenied(_("You may not change this record."))
    return finding


@findings.patch(
    "/{int:pk}/",
    response={200: FindingOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="finding_update",
    summary="Edit a finding (not once it is closed); photos are added on its page",
)
def update_finding(request: HttpRequest, pk: int, payload: FindingPatch) -> Any:
    finding = changeable_finding(request, pk, Action.CHANGE)
    if finding is None:
        return not_found()
    fields = [n for n in FindingViews.form.base_fields if n != "photos"]
    data = {k: v for k, v in model_to_dict(finding, fields=fields).items() if v is not None}
    data.update(form_keys(payload.dict(exclude_unset=True)))
    form = FindingViews.form(data=data, instance=finding, user=request.user)
    if not form.is_valid():
        return 422, form_errors(form)
    if save_form(form, request.user) is None:
        return 422, form_errors(form)
    return 200, FindingViews.get_queryset(request.user).get(pk=pk)


@findings.delete(
    "/{int:pk}/",
    response={204: None, 403: Message, 404: Message, 409: Message},
    operation_id="finding_delete",
    summary="Delete a finding",
)
def delete_finding(request: HttpRequest, pk: int) -> Any:
    finding = changeable_finding(request, pk, Action.DELETE)
    if finding is None:
        return not_found()
    try:
        core_services.delete_object(instance=finding, actor=request.user)
    except ProtectedError:
        return 409, {"detail": _("Other records refer to this one; it cannot be deleted.")}
    return 204, None


@findings.get(
    "/{int:pk}/photos/",
    response={200: list[PhotoOut], 403: Message, 404: Message},
    operation_id="finding_photos",
    summary="A finding's photos: on site, and after rectification",
)
def finding_photos(request: HttpRequest, pk: int) -> Any:
    require(request.user, Finding, Action.VIEW)
    finding = FindingViews.get_queryset(request.user).filter(pk=pk).first()
    if finding is None:
        return not_found()
    return 200, [
        {
            "id": a.pk,
            "name": a.name,
            "mime_type": a.mime_type,
            "size": a.size,
            "description": a.description,
            "url": request.build_absolute_uri(reverse("core:attachment_download", args=[a.pk])),
        }
        for a in services.photos_of(finding).order_by("pk")
    ]


# ---- notices: issue, answer, re-inspect ---------------------------------------------------------


def notice_out(user: Any, pk: int) -> RectificationNotice:
    return RectificationNoticeViews.get_queryset(user).prefetch_related("findings").get(pk=pk)


class NoticeIn(Schema):
    findings: list[int] = Field(description="Open findings of one project, addressed to one company.")
    kind: NoticeKind = NoticeKind.RECTIFICATION
    working_days: int = Field(7, description="The deadline in working days (1–60).")
    requirements: str = ""


NOTICE_RESPONSES = {200: NoticeOut, 403: Message, 404: Message, 422: ValidationErrors}


@notices.post(
    "/",
    response={201: NoticeOut, 403: Message, 422: ValidationErrors},
    operation_id="rectificationnotice_create",
    summary="Issue a numbered notice for open findings; its case opens, addressed to the company",
    description="No findings, findings of several projects or companies, or findings already on a notice answer "
    "422 and nothing is issued.",
)
def issue_notice(request: HttpRequest, payload: NoticeIn) -> Any:
    require(request.user, RectificationNotice, Action.ADD)
    chosen = list(Finding.objects.for_user(request.user, Action.CHANGE).filter(pk__in=payload.findings))
    unknown = sorted(set(payload.findings) - {f.pk for f in chosen})
    if unknown:
        return error("findings", _("No such findings among those you may change: %(ids)s.") % {"ids": unknown})
    try:
        notice = services.open_rectification_notice(
            chosen,
            request.user,
            kind=payload.kind,
            working_days=payload.working_days,
            requirements=payload.requirements,
        )
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 201, notice_out(request.user, notice.pk)


class AnswerItemIn(Schema):
    finding: int
    text: str = Field(description="How the finding was rectified.")


class AnswerIn(Schema):
    answers: list[AnswerItemIn]


ANSWER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "For each finding of the notice: `text_<finding id>` and its after-photos "
                    "`photos_<finding id>`.",
                    "additionalProperties": True,
                }
            },
            "application/json": {"schema": AnswerIn.model_json_schema()},
        },
        "description": "A multipart form with each finding's text and after-photos, or JSON without photos "
        "when the notice's checklists do not require them.",
    }
}


def answers_from(request: HttpRequest, notice: RectificationNotice) -> dict[int, services.Answer]:
    """Each finding's answer from the form (`text_<id>`, `photos_<id>`) or the JSON body."""
    answers: dict[int, services.Answer] = {}
    if request.content_type in JSON_OR_FORM:
        for key in [*request.POST, *request.FILES]:
            kind, _sep, rest = key.partition("_")
            if kind not in ("text", "photos") or not rest.isdigit():
                continue
            answers.setdefault(
                int(rest),
                services.Answer(
                    text=request.POST.get(f"text_{rest}", ""), photos=request.FILES.getlist(f"photos_{rest}")
                ),
            )
    else:
        for entry in AnswerIn.model_validate(json_body(request)).answers:
            answers[entry.finding] = services.Answer(text=entry.text)
    on_notice = set(notice.findings.values_list("pk", flat=True))
    strangers = sorted(set(answers) - on_notice)
    if strangers:
        raise ValidationError({"findings": _("Not on this notice: %(ids)s.") % {"ids": strangers}})
    return answers


@notices.post(
    "/{int:pk}/answer/",
    response=NOTICE_RESPONSES,
    operation_id="rectificationnotice_answer",
    summary="The company's answer: each finding's rectification with after-photos",
    description="Only the company the notice is addressed to answers (anyone else: 403). A finding without "
    "text, a missing or bad photo, or a notice not awaiting an answer answers 422 and nothing is saved.",
    openapi_extra=ANSWER_BODY,
)
def answer_notice(request: HttpRequest, pk: int) -> Any:
    notice = RectificationNoticeViews.get_queryset(request.user).filter(pk=pk).first()
    if notice is None:
        return not_found()
    try:
        answers = answers_from(request, notice)
        services.answer_notice(notice, answers, request.user)
    except pydantic.ValidationError as exc:
        return pydantic_errors(exc)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    except ValueError:
        return error("non_field_errors", _("The body must be a JSON object or a form."))
    return 200, notice_out(request.user, pk)


class ReinspectIn(Schema):
    close: bool = Field(description="true: rectified, close the notice and its findings (销项); false: send back.")
    text: str = Field("", description="The re-inspection's notes; the reason when sending back.")


@notices.post(
    "/{int:pk}/reinspect/",
    response=NOTICE_RESPONSES,
    operation_id="rectificationnotice_reinspect",
    summary="Re-inspect (复查): close the notice (销项) or send it back with the reason",
    description="The inspected company may not re-inspect (403). A notice not awaiting re-inspection, or a "
    "send-back without a reason, answers 422.",
)
def reinspect_notice(request: HttpRequest, pk: int, payload: ReinspectIn) -> Any:
    notice = RectificationNoticeViews.get_queryset(request.user).filter(pk=pk).first()
    if notice is None:
        return not_found()
    try:
        services.reinspect(notice, request.user, close=payload.close, text=payload.text)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, notice_out(request.user, pk)


__all__ = [
    "accidents",
    "check_items",
    "checklists",
    "findings",
    "hazardous_works",
    "inspections",
    "notices",
    "score_sheets",
]
