"""The contracts API. CRUD goes through `crud_router` (the pages' forms, filters, scoping and change log); the
actions (countersign, a step's approval or return, a status step, the Word document) through `services`, like
the pages' buttons. Money is exact Decimal 元 as a JSON string. Each area has its section."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

from gongwu.contracts import documents, filters, services, tables
from gongwu.contracts.models import ContractTemplate, CountersignStep
from gongwu.contracts.views import (
    ContractSettingsViews,
    ContractTemplateViews,
    ContractViews,
    CountersignRouteStepViews,
    CountersignRouteViews,
)
from gongwu.core.generic.api import (
    Message,
    ValidationErrors,
    crud_router,
    form_errors,
    not_found,
    require,
    validation_detail,
)
from gongwu.core.generic.forms import save_form
from gongwu.core.generic.views import ObjectViewSet
from gongwu.core.models import Action
from gongwu.tenders.models import Tender

# ---- contracts -----------------------------------------------------------------------------------


class ContractOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    agency_id: int
    number: str
    name: str
    kind: str
    project_id: int
    sections: list[int] = Field(description="Section ids.")
    tender_id: int | None
    contractor_id: int = Field(description="乙方")
    third_party_id: int | None = Field(description="丙方")
    consortium: list[int] = Field(description="Consortium members' ids.")
    amount: Decimal = Field(description="签约合同价, 元.")
    provisional_sum: Decimal = Field(description="暂列金额, 元.")
    advance_percent: Decimal
    retention_percent: Decimal
    payment_terms: str
    signed_on: datetime.date | None
    start_on: datetime.date | None
    end_on: datetime.date | None
    completed_on: datetime.date | None
    settled_on: datetime.date | None
    status: str = Field(description="draft, countersigning, signed, performing, completed, settled or closed.")
    text_template_id: int | None
    note: str

    @staticmethod
    def resolve_sections(obj: Any) -> list[int]:
        return sorted(s.pk for s in obj.sections.all())

    @staticmethod
    def resolve_consortium(obj: Any) -> list[int]:
        return sorted(o.pk for o in obj.consortium.all())


contracts = crud_router(
    ContractViews, ContractOut, tag="contracts", prepare=lambda qs: qs.prefetch_related("sections", "consortium")
)


def contract_of(request: HttpRequest, pk: int) -> Any:
    return ContractViews.get_queryset(request.user).filter(pk=pk).first()


class FromTenderIn(Schema):
    tender_id: int = Field(ge=1, description="An awarded tender: its winner, price, kind, project and sections.")
    number: str = ""
    name: str = ""


@contracts.post(
    "/from-tender/",
    response={201: ContractOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="contract_from_tender",
    summary="Draft a contract from a tender's award (winner, award price, kind, project and sections)",
)
def from_tender(request: HttpRequest, payload: FromTenderIn) -> Any:
    require(request.user, ContractViews.model, Action.ADD)
    tender = Tender.objects.for_user(request.user, Action.VIEW).filter(pk=payload.tender_id).first()
    if tender is None:
        return not_found()
    if tender.winner_id is None or tender.award_price is None:
        return 422, {"detail": [{"loc": ["body", "tender_id"], "msg": _("The tender has no award yet.")}]}
    data = {k: v for k, v in services.prefill_from_tender(tender).items() if v not in (None, "")}
    data.update({k: v for k, v in (("number", payload.number), ("name", payload.name)) if v})
    form = ContractViews.form(data=data, user=request.user)
    if not form.is_valid():
        return 422, form_errors(form)
    contract = save_form(form, request.user)
    if contract is None:
        return 422, form_errors(form)
    return 201, ContractViews.get_queryset(request.user).get(pk=contract.pk)


class TransitionIn(Schema):
    status: str = Field(description="performing, completed, settled or closed (the next status of the contract).")
    on: datetime.date | None = Field(None, description="The day (start, completion, settlement); today by default.")


@contracts.post(
    "/{int:pk}/transition/",
    response={200: ContractOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="contract_transition",
    summary="Move a contract on: signed → performing → completed → settled → closed",
    description="Draft, countersigning and signed are reached through countersign; any other step answers 422.",
)
def transition(request: HttpRequest, pk: int, payload: TransitionIn) -> Any:
    contract = contract_of(request, pk)
    if contract is None:
        return not_found()
    try:
        services.transition_contract(contract=contract, status=payload.status, actor=request.user, on=payload.on)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, ContractViews.get_queryset(request.user).get(pk=pk)


@contracts.get(
    "/{int:pk}/word/",
    response={200: None, 404: Message, 422: ValidationErrors},
    operation_id="contract_word",
    summary="The contract's Word document (.docx), filled from its standard text",
    openapi_extra={"responses": {200: {"description": "The .docx", "content": {documents.DOCX_MIME: {}}}}},
)
def word(request: HttpRequest, pk: int) -> Any:
    contract = contract_of(request, pk)
    if contract is None:
        return not_found()
    try:
        content, name = services.contract_document(contract=contract, actor=request.user)
    except documents.TemplateProblem as exc:
        return 422, {"detail": [{"loc": ["text_template"], "msg": str(exc)}]}
    response = HttpResponse(content, content_type=documents.DOCX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ---- countersign -------------------------------------------------------------------------------------


class CountersignStepOut(Schema):
    id: int
    countersign_id: int
    contract_id: int
    round: int
    order: int = Field(description="Steps of the same order sign in parallel.")
    label: str
    department_id: int | None
    role: str
    status: str = Field(description="waiting, pending (to sign), approved, returned or skipped (not needed).")
    opened_at: datetime.datetime | None
    acted_at: datetime.datetime | None
    acted_by_id: int | None
    comment: str

    @staticmethod
    def resolve_contract_id(obj: Any) -> int:
        return obj.countersign.contract_id

    @staticmethod
    def resolve_round(obj: Any) -> int:
        return obj.countersign.round


class CountersignOut(Schema):
    id: int
    contract_id: int
    route_id: int
    round: int
    status: str = Field(description="running, approved or returned.")
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    steps: list[CountersignStepOut]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.select_related("countersign").order_by("order", "id"))


@contracts.post(
    "/{int:pk}/countersign/",
    response={201: CountersignOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="contract_start_countersign",
    summary="Send a draft contract to countersign along the route for its kind and amount",
    description="No route for the contract, or a contract that is not a draft, answers 422 and changes nothing.",
)
def start_countersign(request: HttpRequest, pk: int) -> Any:
    contract = contract_of(request, pk)
    if contract is None:
        return not_found()
    try:
        round_ = services.start_countersign(contract=contract, actor=request.user)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 201, round_


class CountersignStepViews(ObjectViewSet):
    """The API's view of countersign steps (read-only; acted on with approve / return). No pages: the contract
    page and "my countersign tasks" show them."""

    model = CountersignStep
    table = tables.CountersignStepTable
    filterset = filters.CountersignStepFilterSet
    form = None  # type: ignore[assignment]
    read_only = True
    select_related = ("countersign",)


countersign_steps = crud_router(CountersignStepViews, CountersignStepOut, tag="countersign", read_only=True)


class ActIn(Schema):
    comment: str = Field("", description="Required to return.")
    signed_on: datetime.date | None = Field(None, description="For the last step: the signing day (today).")


STEP_DESCRIPTION = (
    "Only one of those the step names (its department and role), who may see the contract, acts on it; anyone "
    "else gets 403 and nothing changes. A step that is not open answers 422."
)


def act(request: HttpRequest, pk: int, payload: ActIn, approve: bool) -> Any:
    step = CountersignStep.objects.for_user(request.user).select_related("countersign").filter(pk=pk).first()
    if step is None:
        return not_found()
    try:
        services.act_on_step(
            step=step, actor=request.user, approve=approve, comment=payload.comment, signed_on=payload.signed_on
        )
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, CountersignStep.objects.select_related("countersign").get(pk=pk)


@countersign_steps.post(
    "/{int:pk}/approve/",
    response={200: CountersignStepOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="countersignstep_approve",
    summary="Approve a countersign step (the last one signs the contract)",
    description=STEP_DESCRIPTION,
)
def approve_step(request: HttpRequest, pk: int, payload: ActIn) -> Any:
    return act(request, pk, payload, approve=True)


@countersign_steps.post(
    "/{int:pk}/return/",
    response={200: CountersignStepOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="countersignstep_return",
    summary="Return a contract from a countersign step, with a comment: the round ends, the contract is a draft",
    description=STEP_DESCRIPTION + " A return without a comment answers 422.",
)
def return_step(request: HttpRequest, pk: int, payload: ActIn) -> Any:
    return act(request, pk, payload, approve=False)


class CountersignRouteStepOut(Schema):
    id: int
    route_id: int
    order: int
    label: str
    department_id: int | None
    role: str


class CountersignRouteOut(Schema):
    id: int
    agency_id: int
    name: str
    kind: str = Field(description="Empty: every kind.")
    min_amount: Decimal = Field(description="From this amount (元, included).")
    max_amount: Decimal | None = Field(description="Below this amount (元); null: no upper bound.")
    is_active: bool
    steps: list[CountersignRouteStepOut]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.steps.all())


countersign_routes = crud_router(
    CountersignRouteViews, CountersignRouteOut, tag="countersign", prepare=lambda qs: qs.prefetch_related("steps")
)
countersign_route_steps = crud_router(CountersignRouteStepViews, CountersignRouteStepOut, tag="countersign")


# ---- settings and the standard text library -----------------------------------------------------------


class ContractSettingsOut(Schema):
    id: int
    agency_id: int
    number_pattern: str
    subcontract_max_percent: Decimal
    subcontract_filing_days: int
    settlement_due_days: int
    final_accounts_due_days: int


contract_settings = crud_router(ContractSettingsViews, ContractSettingsOut, tag="contract settings")


class ContractTemplateOut(Schema):
    id: int
    agency_id: int
    kind: str
    name: str
    version: str
    file: str = Field(description="The stored file's name.")
    is_active: bool
    note: str

    @staticmethod
    def resolve_file(obj: Any) -> str:
        name = obj["file"] if isinstance(obj, dict) else obj.file.name
        return name or ""


contract_templates = crud_router(ContractTemplateViews, ContractTemplateOut, tag="contract settings", read_only=True)

TEMPLATE_FORM = {
    "type": "object",
    "properties": {
        "agency": {"type": "integer"},
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "version": {"type": "string"},
        "is_active": {"type": "boolean"},
        "note": {"type": "string"},
        "file": {"type": "string", "format": "binary"},
    },
    "required": ["kind", "name", "file"],
}


@contract_templates.post(
    "/",
    response={201: ContractTemplateOut, 403: Message, 422: ValidationErrors},
    operation_id="contracttemplate_create",
    summary="Upload a standard contract text: a multipart form with the Word template as `file`",
    description="A file that is not a .docx, or whose placeholders are not the contract's fields, answers 422.",
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": TEMPLATE_FORM}}}},
)
def upload_template(request: HttpRequest) -> Any:
    require(request.user, ContractTemplate, Action.ADD)
    if request.content_type != "multipart/form-data":
        return 422, {"detail": [{"loc": ["body"], "msg": _("Send a multipart form with the template as “file”.")}]}
    form = ContractTemplateViews.form(data=request.POST, files=request.FILES, user=request.user)
    if not form.is_valid():
        return 422, form_errors(form)
    template = save_form(form, request.user)
    if template is None:
        return 422, form_errors(form)
    return 201, ContractTemplateViews.get_queryset(request.user).get(pk=template.pk)
