"""The alerts API: cases (list, retrieve with the timeline, create, edit, the loop's transitions as
explicit actions), meetings, rules and their settings, the leader's board, and my notifications.

Writes take the same road as the pages: a case is opened through `CaseForm` (numbering, status and
timeline as on the page), moved through `services.transition` (locks, version check, timeline, change
log), and a rule's settings change through `RuleSettingForm` and the core services (logged).

The cases router is written out rather than built by `crud_router`: its retrieve answers with the
timeline and the caller's allowed actions (too much for every row of the list), and its PATCH takes
only what an owner may edit; who is responsible and the status change through the actions.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pydantic
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, create_model

from gongwu.alerts import figures, owners, services, sources
from gongwu.alerts.forms import CaseForm, RuleSettingForm
from gongwu.alerts.models import Case, Kind, Level, Notification, RuleSetting
from gongwu.alerts.rules import RULES, Rule
from gongwu.alerts.views import CaseViews, MeetingViews
from gongwu.core import services as core_services
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
from gongwu.core.generic.paging import (
    COUNT_DESCRIPTION,
    LIST_DESCRIPTION,
    json_response,
    page_of,
    page_schema,
    plain_columns,
)
from gongwu.core.http import SignedInRequest
from gongwu.core.models import Action, Attachment, Organization, OrganizationKind, User

# ---- schemas ------------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    voided_at: datetime.datetime | None = Field(None, description="Set when voided: it counts in no figure.")
    void_reason: str = ""
    number: str
    agency_id: int
    source: str = Field(json_schema_extra=sources.openapi_enum)
    kind: str
    level: str = Field(description="red, orange, yellow or blue.")
    title: str
    description: str
    subject_type_id: int | None = Field(description="Content type of the subject (the `subject_type` filter).")
    subject_model: str | None = Field(description="The subject's model, e.g. `projects.project`.")
    subject_id: str
    subject_label: str
    department_id: int | None
    responsible_org_id: int | None
    responsible_person_id: int | None
    opened_on: datetime.date
    deadline: datetime.date | None
    deadline_working_days: int | None
    status: str = Field(description="open, assigned, in_progress, submitted, closed or archived.")
    overdue: bool = Field(description="Still open and past its deadline.")
    evidence_required: bool
    measures: str
    response: str
    responded_on: datetime.date | None
    closed_on: datetime.date | None
    resolution: str
    feedback: str
    rule_code: str
    trigger: dict[str, Any] = Field(description="The data that made the rule open the case.")
    escalation_step: int
    meeting_id: int | None
    created_by_id: int | None
    version: int = Field(description="Send it back with an action or an edit: a stale version is refused (422).")

    @staticmethod
    def resolve_subject_model(obj: Case) -> str | None:
        if obj.subject_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(obj.subject_type_id)  # cached per process
        return f"{content_type.app_label}.{content_type.model}"


class EventOut(Schema):
    id: int
    time: datetime.datetime
    actor_id: int | None
    actor_name: str = Field(description="Empty for the system (the scan, escalation).")
    action: str
    from_status: str
    to_status: str
    text: str
    data: dict[str, Any]

    @staticmethod
    def resolve_actor_name(obj: Any) -> str:
        return str(obj.actor) if obj.actor_id else ""


class AttachmentOut(Schema):
    id: int
    name: str
    mime_type: str
    size: int
    description: str


class CaseDetailOut(CaseOut):
    """A case as `detail()` prepares it: with its timeline, the caller's actions and its files."""

    events: list[EventOut] = Field(description="The case's timeline, oldest first.")
    transitions: list[str] = Field(description="The actions the caller may take now.")
    attachments: list[AttachmentOut] = Field(description="Evidence and other files on the case.")

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:  # (a case as `detail()` prepares it, and so below)
        return obj.timeline

    @staticmethod
    def resolve_transitions(obj: Any) -> list[str]:
        return obj.allowed

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return obj.files


CasePage = page_schema(CaseOut, "CasePage")


class CaseIn(Schema):
    agency_id: int | None = Field(None, description="Your agency when left out.")
    kind: Kind = Kind.WARNING
    level: Level = Level.YELLOW
    title: str
    description: str = ""
    measures: str = Field("", description="整改措施: what is to be done.")
    department_id: int | None = None
    responsible_org_id: int | None = Field(None, description="Given (or a person): the case starts assigned.")
    responsible_person_id: int | None = None
    opened_on: datetime.date | None = Field(None, description="Today when left out.")
    deadline: datetime.date | None = Field(None, description="A date, or `deadline_working_days`.")
    deadline_working_days: int | None = None
    evidence_required: bool = False
    meeting_id: int | None = None


class CasePatch(Schema):
    """What an owner may edit; the responsible unit and the status change through the actions."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, description="The version you saw; refused (422) when the case changed since.")
    kind: Kind | None = None
    level: Level | None = None
    title: str | None = None
    description: str | None = None
    measures: str | None = None
    department_id: int | None = None
    deadline: datetime.date | None = None
    deadline_working_days: int | None = None
    evidence_required: bool | None = None
    meeting_id: int | None = None


PATCH_FIELDS = [name for name in CasePatch.model_fields if name != "version"]


class TransitionIn(Schema):
    text: str = Field("", description="Response, reason for sending back, closing note or archive feedback.")
    version: int | None = Field(None, description="The version you saw; refused (422) when the case changed since.")
    responsible_org_id: int | None = Field(None, description="assign: who is responsible.")
    responsible_person_id: int | None = Field(None, description="assign: the person responsible.")
    deadline: datetime.date | None = Field(None, description="assign: a new deadline.")


TRANSITION_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": TransitionIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **TransitionIn.model_json_schema()["properties"],
                        "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                }
            },
        },
        "description": "JSON, or a multipart form with `evidence` files (photos, PDFs) for `respond`.",
    }
}

TRANSITION_SUMMARIES = {
    "assign": "Assign the case to an organization or person (owners)",
    "start": "Start work on the case (the responsible unit)",
    "respond": "Submit the response, with evidence when required (the responsible unit)",
    "close": "Verify the response and close the case (owners)",
    "send_back": "Send the response back with a reason (owners)",
    "archive": "Archive a closed case with feedback (owners)",
}


class MeetingOut(Schema):
    id: int
    agency_id: int
    kind: str
    title: str
    date: datetime.date
    chair: str
    participants: str
    minutes: str


class ParamOut(Schema):
    name: str
    label: str
    default: int
    min: int
    max: int
    help: str


class RuleSettingOut(Schema):
    agency_id: int | None
    configured: bool = Field(description="False: nothing stored yet, the rule's defaults apply.")
    enabled: bool
    level: str
    params: dict[str, int] = Field(description="Every parameter, defaults filled in.")
    last_scan: datetime.datetime | None


class RuleOut(Schema):
    code: str
    title: str
    description: str
    kind: str
    default_level: str
    deadline_working_days: int
    params: list[ParamOut]
    setting: RuleSettingOut


class RulePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    level: Level | None = None
    params: dict[str, Any] | None = Field(None, description="Only the parameters to change; the others stay.")


class PeriodOut(Schema):
    start: datetime.date
    end: datetime.date


class BoardGroupOut(Schema):
    key: str | None = Field(description="The code (level, source, kind) or the name; null for none.")
    label: str
    count: int = Field(description="Open cases.")
    overdue: int


class OpenedBySourceOut(Schema):
    key: str
    label: str
    opened: int
    closed: int


class SubjectsOut(Schema):
    supervision: int = Field(description="Subjects under a supervision order (督办).")
    attention: int = Field(description="Subjects drawn to attention (提请关注) and not supervised.")


class BoardOut(Schema):
    period: PeriodOut
    agency_id: int | None
    opened: int = Field(description="Cases opened in the period.")
    closed: int = Field(description="Of those, closed or archived.")
    closed_on_time: int
    closure_rate: float | None = Field(description="closed ÷ opened in %, one decimal (整改率).")
    average_days_to_close: float | None = Field(description="Over the cases closed in the period.")
    closed_in_period: int
    voided: int = Field(description="Cases opened in the period and voided since (counted nowhere else).")
    open: int = Field(description="Open now.")
    overdue: int = Field(description="Open now and past the deadline.")
    by_level: list[BoardGroupOut]
    by_source: list[BoardGroupOut]
    by_kind: list[BoardGroupOut]
    by_department: list[BoardGroupOut]
    by_responsible: list[BoardGroupOut]
    by_subject: list[BoardGroupOut] = Field(description="The 20 subjects with most open cases.")
    opened_by_source: list[OpenedBySourceOut]
    subjects: SubjectsOut


class NotificationOut(Schema):
    id: int
    text: str
    case_id: int | None
    created: datetime.datetime
    read_at: datetime.datetime | None


NotificationPage = page_schema(
    NotificationOut, "NotificationPage", unread=(int, Field(..., description="All my unread notifications."))
)


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="The notifications to mark read; all of mine when left out.")


class ReadOut(Schema):
    marked: int
    unread: int


# ---- helpers ------------------------------------------------------------------------------------


def error(loc: str, message: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body", loc], "msg": message}]}


def detail(case: Any, user: User) -> Case:
    """`case` with what `CaseDetailOut` shows besides its fields (attributes of its own, hence `Any`)."""
    case.timeline = list(case.events.select_related("actor").order_by("time", "id"))
    case.allowed = services.allowed_transitions(case, user)
    case.files = list(
        Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=str(case.pk))
    )
    return case


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """An API payload as form data: `x_id` as `x`, None as empty."""
    return {
        (key[:-3] if key.endswith("_id") else key): ("" if value is None else value) for key, value in values.items()
    }


# ---- cases --------------------------------------------------------------------------------------

cases = Router(tags=["cases"], auth=AUTH)
CASE_FILTERS: dict[str, Any] = {
    **dict.fromkeys(CaseViews.filterset.base_filters, (str | None, None)),
    "source": (str | None, Field(None, json_schema_extra=sources.openapi_enum)),
}
CaseFilters = create_model("CaseFilters", **CASE_FILTERS, __base__=Schema)
SORTABLE = {f.name for f in Case._meta.concrete_fields}


@cases.get(
    "/",
    response={200: CasePage, 400: ValidationErrors, 403: Message},
    operation_id="case_list",
    summary="List cases",
    description="The filters of the case list page (`status`, `level`, `source` and `kind` may repeat). "
    + LIST_DESCRIPTION,
)
def list_cases(
    request: SignedInRequest,
    filters: Query[CaseFilters],  # type: ignore[valid-type]  # a schema made at run time
    limit: int = 50,
    offset: int = 0,
    order_by: str = "",
    count: bool = Query(False, description=COUNT_DESCRIPTION),
) -> Any:
    require(request.user, Case, Action.VIEW)
    filterset = CaseViews.filterset(
        request.GET, queryset=CaseViews.get_queryset(request.user), user=request.user, given_only=True
    )
    if not filterset.is_valid():
        return 400, form_errors(filterset.form)
    queryset: QuerySet = filterset.qs
    if order_by:
        if order_by.lstrip("-") not in SORTABLE:
            message = _("Cannot sort by “%(field)s”.") % {"field": order_by}
            return 400, {"detail": [{"loc": ["query", "order_by"], "msg": message}]}
        queryset = queryset.order_by(order_by, "pk")
    return 200, page_of(request, queryset, limit, offset, count=count)


@cases.get(
    "/{int:pk}/",
    response={200: CaseDetailOut, 404: Message, 403: Message},
    operation_id="case_retrieve",
    summary="A case with its timeline and the actions you may take",
)
def retrieve_case(request: SignedInRequest, pk: int) -> Any:
    require(request.user, Case, Action.VIEW)
    case = CaseViews.get_queryset(request.user).filter(pk=pk).first()
    if case is None:
        return not_found()
    return 200, detail(case, request.user)


@cases.post(
    "/",
    response={201: CaseDetailOut, 403: Message, 422: ValidationErrors},
    operation_id="case_create",
    summary="Open a manual case",
    description="Validated by the case form of the page: numbered, on the timeline (opened, and assigned when "
    "someone is responsible), and the responsible people are notified.",
)
def create_case(request: SignedInRequest, payload: CaseIn) -> Any:
    require(request.user, Case, Action.ADD)
    data = form_data(payload.dict())
    data["opened_on"] = data["opened_on"] or timezone.localdate()
    form = CaseForm(data=data, user=request.user)
    if not form.is_valid() or (case := save_form(form, request.user)) is None:
        return 422, form_errors(form)
    return 201, detail(CaseViews.get_queryset(request.user).get(pk=case.pk), request.user)


@cases.patch(
    "/{int:pk}/",
    response={200: CaseDetailOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="case_update",
    summary="Edit what an owner may edit",
    description="Title, description, measures, kind, level, department, deadline, evidence, meeting. Who is "
    "responsible and the status change only through the actions (`assign`, `respond`, `close` …).",
)
def update_case(request: SignedInRequest, pk: int, payload: CasePatch) -> Any:
    user = request.user
    require(user, Case, Action.CHANGE)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version", None)
    with transaction.atomic():
        # Locked, so a transition taken meanwhile is neither lost nor overwritten by this edit.
        case = Case.objects.for_user(user, Action.VIEW).select_for_update().filter(pk=pk).first()
        if case is None:
            return not_found()
        if not services.is_owner(user, case):
            raise PermissionDenied(_("Only the agency's staff may do this."))
        if version is not None and version != case.version:
            message = _(
                "Someone else changed this case meanwhile (it is now “%(status)s”); reload it and try again."
            ) % {"status": case.get_status_display()}
            return 422, error("version", message)
        for name in ("deadline", "deadline_working_days"):
            if name in changes and changes[name] != getattr(case, name):
                message = _(
                    "The deadline changes only with `POST /api/cases/{id}/reschedule/` and a reason, by the "
                    "case's owners."
                )
                return 422, error(name, message)
            changes.pop(name, None)
        before = core_services.snapshot(case)
        data = model_to_dict(case, fields=list(CaseForm.base_fields))
        data.update(form_data(changes))
        form = CaseForm(data=data, instance=case, user=user)
        if not form.is_valid():
            return 422, form_errors(form)
        if core_services.snapshot(form.instance) != before:  # the form has put the changes on the case
            form.instance.version = case.version + 1
        if save_form(form, user) is None:
            return 422, form_errors(form)
    return 200, detail(CaseViews.get_queryset(user).get(pk=pk), user)


@cases.delete(
    "/{int:pk}/",
    response={204: None, 403: Message, 404: Message, 409: Message},
    operation_id="case_delete",
    summary="Refused: a case is never deleted (409); void it with a reason (`POST …/void/`)",
)
def delete_case(request: SignedInRequest, pk: int) -> Any:
    require(request.user, Case, Action.DELETE)
    if not CaseViews.get_queryset(request.user).filter(pk=pk).exists():
        return not_found()
    case = Case.objects.for_user(request.user, Action.DELETE).filter(pk=pk).first()
    if case is None:
        raise PermissionDenied(_("You may not delete this record."))
    try:
        core_services.delete_object(instance=case, actor=request.user)
    except core_services.VoidInstead as exc:
        return 409, {"detail": str(exc)}
    except ProtectedError:
        return 409, {"detail": _("Other records refer to this one; it cannot be deleted.")}
    return 204, None


def transition_input(request: SignedInRequest) -> tuple[TransitionIn, list[Any]]:
    """The action's body: JSON, or a multipart form whose `evidence` files are the response's evidence."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        values = {key: (value if value != "" else None) for key, value in request.POST.items()}
        values["text"] = values.get("text") or ""
        return TransitionIn.model_validate(values), request.FILES.getlist("evidence")
    values = json.loads(request.body or b"{}")
    if not isinstance(values, dict):
        raise ValueError("not an object")
    return TransitionIn.model_validate(values), []


def evidence_attachments(
    uploads: list[Any], user: User, agency: Organization | None = None
) -> tuple[list[Attachment], str | None]:
    from gongwu.core.forms import AttachmentForm

    attachments = []
    for upload in uploads:
        form = AttachmentForm(files={"file": upload}, agency=agency)
        if not form.is_valid():
            return [], f"{upload.name}: {' '.join(map(str, form.errors['file']))}"
        stored = form.cleaned_data["file"]
        attachments.append(
            Attachment(
                file=stored, name=stored.name[:200], size=stored.size, mime_type=stored.gongwu_mime, uploaded_by=user
            )
        )
    return attachments, None


def take_transition(request: SignedInRequest, pk: int, name: str) -> Any:
    user = request.user
    case = Case.objects.for_user(user, Action.VIEW).filter(pk=pk).first()
    if case is None:
        return not_found()
    try:
        payload, uploads = transition_input(request)
    except pydantic.ValidationError as exc:
        detail_rows = [{"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
        return 422, {"detail": detail_rows}
    except ValueError:
        return 422, error("non_field_errors", _("The body must be a JSON object or a form."))
    choices = CaseForm(user=user).fields
    org = person = None
    if payload.responsible_org_id is not None:
        org = choices["responsible_org"].queryset.filter(pk=payload.responsible_org_id).first()
        if org is None:
            return 422, error("responsible_org_id", _("No such organization among those you may assign."))
    if payload.responsible_person_id is not None:
        person = choices["responsible_person"].queryset.filter(pk=payload.responsible_person_id).first()
        if person is None:
            return 422, error("responsible_person_id", _("No such person among those you may assign."))
    evidence, problem = evidence_attachments(uploads, user, case.agency)
    if problem:
        return 422, error("evidence", problem)
    try:
        case = services.transition(
            case,
            name,
            user,
            text=payload.text,
            version=payload.version,
            responsible_org=org,
            responsible_person=person,
            deadline=payload.deadline,
            evidence=evidence,
        )
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, detail(CaseViews.get_queryset(user).get(pk=case.pk), user)


def add_transition(name: str) -> None:
    def act(request: SignedInRequest, pk: int) -> Any:
        return take_transition(request, pk, name)

    act.__name__ = f"case_{name}"
    cases.post(
        f"/{{int:pk}}/{name}/",
        response={200: CaseDetailOut, 403: Message, 404: Message, 422: ValidationErrors},
        operation_id=f"case_{name}",
        summary=TRANSITION_SUMMARIES[name],
        description="A refused step (wrong status, stale `version`, missing text or evidence) answers 422 with "
        "the reason and changes nothing; a step that is not yours answers 403.",
        openapi_extra=TRANSITION_BODY,
    )(act)


for _name in services.TRANSITIONS:
    add_transition(_name)


class RescheduleIn(Schema):
    deadline: datetime.date
    reason: str = Field(description="Why the deadline moves; kept on the case's timeline.")
    version: int | None = None


class ReassignIn(Schema):
    responsible_org_id: int | None = None
    responsible_person_id: int | None = None
    reason: str = Field(description="Why the case changes hands; kept on the case's timeline.")
    version: int | None = None


class CaseVoidIn(Schema):
    reason: str = Field(description="Why the case is voided; kept on its timeline.")


OWNER_STEP_RESPONSES = {200: CaseDetailOut, 403: Message, 404: Message, 422: ValidationErrors}


@cases.post(
    "/{int:pk}/reschedule/",
    response=OWNER_STEP_RESPONSES,
    operation_id="case_reschedule",
    summary="Move a live case's deadline with a reason (the case's owners)",
)
def reschedule_case(request: SignedInRequest, pk: int, payload: RescheduleIn) -> Any:
    return owner_step(
        request,
        pk,
        lambda case: services.reschedule(
            case, request.user, deadline=payload.deadline, reason=payload.reason, version=payload.version
        ),
    )


@cases.post(
    "/{int:pk}/reassign/",
    response=OWNER_STEP_RESPONSES,
    operation_id="case_reassign",
    summary="Give a live case to another organization or person with a reason (the case's owners)",
)
def reassign_case(request: SignedInRequest, pk: int, payload: ReassignIn) -> Any:
    user = request.user

    def reassign(case: Case) -> None:
        choices = CaseForm(user=user).fields
        org = person = None
        if payload.responsible_org_id is not None:
            org = choices["responsible_org"].queryset.filter(pk=payload.responsible_org_id).first()
            if org is None:
                raise ValidationError({"responsible_org_id": _("No such organization among those you may assign.")})
        if payload.responsible_person_id is not None:
            person = choices["responsible_person"].queryset.filter(pk=payload.responsible_person_id).first()
            if person is None:
                raise ValidationError({"responsible_person_id": _("No such person among those you may assign.")})
        services.reassign(
            case, user, reason=payload.reason, responsible_org=org, responsible_person=person, version=payload.version
        )

    return owner_step(request, pk, reassign)


@cases.post(
    "/{int:pk}/void/",
    response=OWNER_STEP_RESPONSES,
    operation_id="case_void",
    summary="Void a case with a reason (cases are never deleted; a voided case leaves the board's figures)",
)
def void_case(request: SignedInRequest, pk: int, payload: CaseVoidIn) -> Any:
    def void(case: Case) -> None:
        if owners.owns(case, "void"):
            raise PermissionDenied(owners.refusal(case))
        if not core_services.may_void(request.user, case) and not case.is_voided:
            raise PermissionDenied(_("You may not void this record."))
        services.void_case(instance=case, actor=request.user, reason=payload.reason)

    return owner_step(request, pk, void)


def owner_step(request: SignedInRequest, pk: int, step: Callable[[Case], Any]) -> Any:
    """An owner's step on a visible case: 404 when not visible, 422 with the service's reasons, else the case."""
    case = Case.objects.for_user(request.user, Action.VIEW).filter(pk=pk).first()
    if case is None:
        return not_found()
    try:
        step(case)
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 200, detail(CaseViews.get_queryset(request.user).get(pk=pk), request.user)


# ---- meetings -----------------------------------------------------------------------------------

meetings = crud_router(MeetingViews, MeetingOut, tag="meetings")


# ---- rules --------------------------------------------------------------------------------------

rules = Router(tags=["rules"], auth=AUTH)


def rules_agency(request: SignedInRequest, agency: int | None) -> Organization | None:
    if agency is None:
        return request.user.agency
    return Organization.objects.for_user(request.user).filter(pk=agency, kind=OrganizationKind.AGENCY).first()


def rule_json(rule: Rule, setting: RuleSetting | None, agency: Organization | None) -> dict[str, Any]:
    return {
        "code": rule.code,
        "title": force_str(rule.title),
        "description": force_str(rule.description),
        "kind": rule.kind,
        "default_level": rule.level,
        "deadline_working_days": rule.deadline_working_days,
        "params": [
            {
                "name": p.name,
                "label": force_str(p.label),
                "default": p.default,
                "min": p.minimum,
                "max": p.maximum,
                "help": force_str(p.help),
            }
            for p in rule.params
        ],
        "setting": {
            "agency_id": agency.pk if agency is not None else None,
            "configured": setting is not None,
            "enabled": setting.enabled if setting is not None else True,
            "level": setting.level if setting is not None else rule.level,
            "params": rule.clean_params(setting.params if setting is not None else None),
            "last_scan": setting.last_scan if setting is not None else None,
        },
    }


def settings_of(user: User, agency: Organization | None) -> dict[str, RuleSetting]:
    if agency is None:
        return {}
    return {s.code: s for s in RuleSetting.objects.for_user(user).filter(agency=agency)}


@rules.get(
    "/",
    response={200: list[RuleOut], 403: Message, 404: Message},
    operation_id="rule_list",
    summary="The registered rules, their parameters and your agency's settings",
)
def list_rules(request: SignedInRequest, agency: int | None = None) -> Any:
    require(request.user, RuleSetting, Action.VIEW)
    chosen = rules_agency(request, agency)
    if agency is not None and chosen is None:
        return not_found()
    stored = settings_of(request.user, chosen)
    return 200, [rule_json(rule, stored.get(code), chosen) for code, rule in sorted(RULES.items())]


@rules.get(
    "/{code}/", response={200: RuleOut, 403: Message, 404: Message}, operation_id="rule_retrieve", summary="One rule"
)
def retrieve_rule(request: SignedInRequest, code: str, agency: int | None = None) -> Any:
    require(request.user, RuleSetting, Action.VIEW)
    chosen = rules_agency(request, agency)
    if code not in RULES or (agency is not None and chosen is None):
        return not_found()
    return 200, rule_json(RULES[code], settings_of(request.user, chosen).get(code), chosen)


@rules.patch(
    "/{code}/",
    response={200: RuleOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="rule_update",
    summary="Switch a rule on or off, set its level or parameters for your agency",
    description="A parameter out of its range answers 422 with the allowed range and changes nothing. "
    "The change is logged; the next scan uses it.",
)
def update_rule(request: SignedInRequest, code: str, payload: RulePatch, agency: int | None = None) -> Any:
    user = request.user
    require(user, RuleSetting, Action.CHANGE)
    chosen = rules_agency(request, agency)
    if code not in RULES or chosen is None:
        return not_found()
    rule = RULES[code]
    setting = RuleSetting.objects.for_user(user, Action.CHANGE).filter(agency=chosen, code=code).first()
    if setting is None:
        require(user, RuleSetting, Action.ADD)
    changes = payload.dict(exclude_unset=True)
    current = rule_json(rule, setting, chosen)["setting"]
    data = {
        "agency": chosen.pk,
        "code": code,
        "enabled": current["enabled"] if changes.get("enabled") is None else changes["enabled"],
        "level": changes.get("level") or current["level"],
        "params": {**current["params"], **(changes.get("params") or {})},
    }
    form = RuleSettingForm(data=data, instance=setting, user=user)
    if not form.is_valid() or (saved := save_form(form, user)) is None:
        return 422, form_errors(form)
    return 200, rule_json(rule, saved, chosen)


# ---- the leader's board -------------------------------------------------------------------------

board = Router(tags=["alerts"], auth=AUTH)


def groups(rows: list[dict[str, Any]], field: str, labels: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "key": row[field],
            "label": force_str(labels.get(row[field], row[field])) if labels else (row[field] or ""),
            "count": row["n"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]


def number(value: Any) -> float | None:
    return None if value is None else float(value)


def board_json(figures: dict[str, Any], agency: Organization | None) -> dict[str, Any]:
    """`figures.board` as the stable JSON of `BoardOut`."""
    levels, kinds = dict(Level.choices), dict(Kind.choices)
    return {
        "period": {"start": figures["period"].start, "end": figures["period"].end},
        "agency_id": agency.pk if agency is not None else None,
        **{
            k: figures[k]
            for k in ("opened", "closed", "closed_on_time", "closed_in_period", "voided", "open", "overdue")
        },
        "closure_rate": number(figures["closure_rate"]),
        "average_days_to_close": number(figures["average_days_to_close"]),
        "by_level": groups(figures["by_level"], "level", levels),
        "by_source": groups(figures["by_source"], "source", dict(sources.case_source_choices())),
        "by_kind": groups(figures["by_kind"], "kind", kinds),
        "by_department": groups(figures["by_department"], "department__name"),
        "by_responsible": groups(figures["by_responsible"], "responsible_org__name"),
        "by_subject": groups(figures["by_subject"], "subject_label"),
        "opened_by_source": [
            {
                "key": row["source"],
                "label": sources.label(row["source"]),
                "opened": row["n"],
                "closed": row["closed"],
            }
            for row in figures["opened_by_source"]
        ],
        "subjects": figures["subjects"],
    }


@board.get(
    "/board/",
    response={200: BoardOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="alerts_board",
    summary="The leader's board: open cases by level, source, kind, department, subject; closure rate",
    description="Over the cases you see, or one agency's (`agency`: an id, or `all`, the default; a user of one "
    "agency always gets that agency's). The period (a calendar `year`, this year by default, or `from`/`to`) "
    "counts the cases opened and closed in it; the open and overdue counts are as of today. The same numbers one "
    "by one, with the year before: `GET /api/figures/values/?key=alerts.opened&…`.",
)
def board_figures(request: SignedInRequest, query: Query[SelectionQuery]) -> Any:
    require(request.user, Case, Action.VIEW)
    sel = selection_from_api(request, query)
    counted = figures.board(figures.board_cases(request.user, sel), sel.period)
    return 200, board_json(counted, sel.agency)


# ---- notifications ------------------------------------------------------------------------------

notifications = Router(tags=["notifications"], auth=AUTH)


NOTIFICATION_COLUMNS = plain_columns(NotificationOut, Notification)


@notifications.get(
    "/",
    response=NotificationPage,
    operation_id="notification_list",
    summary="My notifications, newest first",
    description=LIST_DESCRIPTION,
)
def list_notifications(
    request: SignedInRequest,
    unread: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    count: bool = Query(False, description=COUNT_DESCRIPTION),
) -> Any:
    mine = Notification.objects.filter(user=request.user)
    queryset = mine.filter(read_at__isnull=unread) if unread is not None else mine
    if NOTIFICATION_COLUMNS is None:
        return {**page_of(request, queryset, limit, offset, count=count), "unread": services.unread_count(request.user)}
    rows = queryset.values(*NOTIFICATION_COLUMNS)
    page = page_of(request, rows, limit, offset, count=count)
    return json_response({**page, "unread": services.unread_count(request.user)})


@notifications.post("/read/", response=ReadOut, operation_id="notification_read", summary="Mark my notifications read")
def read_notifications(request: SignedInRequest, payload: ReadIn) -> Any:
    queryset = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if payload.ids is not None:
        queryset = queryset.filter(pk__in=payload.ids)
    marked = queryset.update(read_at=timezone.now())
    return {"marked": marked, "unread": services.unread_count(request.user)}


__all__ = ["board", "cases", "meetings", "notifications", "rules"]
