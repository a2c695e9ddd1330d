"""The projects API: CRUD per model (the pages' forms, filters, scoping and change log), plus the actions
and figures of the project pages: stage change, approval lead time, task-list results, portfolio summary.

Decimal model values (money in 元, coordinates, areas, percentages) are JSON strings, exact and safe to
send back; the portfolio summary's figures are JSON numbers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from gongwu.core.figures import ALL, Figure, visible_agencies
from gongwu.core.generic.api import (
    Message,
    SelectionQuery,
    ValidationErrors,
    crud_router,
    selection_from_api,
    validation_detail,
)
from gongwu.core.models import Action, Organization, user_may
from gongwu.projects import figures as project_figures
from gongwu.projects import services
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    Category,
    Project,
    ProjectSettings,
    Stage,
    TaskList,
)
from gongwu.projects.pages import summary_projects
from gongwu.projects.views import (
    ApprovalKindViews,
    ApprovalViews,
    AwardViews,
    MilestoneViews,
    ParticipationViews,
    ProgressReportViews,
    ProjectTagViews,
    ProjectViews,
    SectionViews,
    TaskItemViews,
    TaskListViews,
)

# ---- output schemas -----------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    agency_id: int
    parent_id: int | None
    department_id: int | None
    director_id: int | None
    category: str
    area: str
    delivery_method: str
    received_on: datetime.date | None = Field(description="The day the agency took the project over (接收).")
    received_source: str = Field(description="How it came: plan, user_unit, preliminary, agency, other; or empty.")
    received_from: str = Field(description="Who handed it over.")
    tags: list[int] = Field(description="Ids of the project's tags (see /api/project-tags/).")
    stage: str
    stage_entered_on: datetime.date | None
    approved_investment: Decimal | None = Field(description="元")
    budget_estimate: Decimal | None = Field(description="元")
    user_unit_id: int | None
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    uses_bim: bool
    is_green: bool
    is_near_zero_carbon: bool
    is_prefabricated: bool
    prefabricated_area: Decimal | None
    school_places: int | None
    hospital_beds: int | None
    parking_spaces: int | None
    road_length_km: Decimal | None
    floor_area: Decimal | None
    description: str
    permit_date: datetime.date | None = Field(description="Construction permit (施工许可) actual date.")
    started_on: datetime.date | None = Field(description="Actual start (开工 milestone); set it with `start_date`.")
    completed_on: datetime.date | None = Field(
        description="Completion acceptance (竣工验收 milestone); set it with `completion_date`."
    )
    progress: Decimal | None = Field(description="Latest reported physical progress, %.")

    @staticmethod
    def resolve_tags(obj: Project) -> list[int]:
        return [tag.pk for tag in obj.tags.all()]


class ApprovalOut(Schema):
    id: int
    project_id: int
    kind_id: int
    planned_date: datetime.date | None
    actual_date: datetime.date | None
    document_number: str
    note: str
    is_late: bool


class MilestoneOut(Schema):
    id: int
    project_id: int
    kind: str
    name: str
    planned_date: datetime.date | None
    actual_date: datetime.date | None
    note: str
    is_overdue: bool


class ParticipationOut(Schema):
    id: int
    project_id: int
    section_id: int | None
    organization_id: int
    role: str
    started_on: datetime.date
    ended_on: datetime.date | None
    source: str
    note: str


class ProgressReportOut(Schema):
    id: int
    project_id: int
    month: datetime.date
    percent: Decimal
    note: str


class TaskListOut(Schema):
    id: int
    agency_id: int
    year: int
    name: str
    note: str


class TaskItemOut(Schema):
    id: int
    task_list_id: int
    project_id: int
    kind: str
    planned_date: datetime.date | None
    note: str


class AwardOut(Schema):
    id: int
    project_id: int
    name: str
    level: str
    year: int
    issuer: str


class ApprovalKindOut(Schema):
    id: int
    agency_id: int | None
    name: str
    order: int
    role: str
    is_active: bool


class ProjectTagOut(Schema):
    id: int
    agency_id: int
    name: str
    color: str


def with_key_dates(queryset: QuerySet) -> QuerySet:
    """Tags and the construction permit date in the same few queries for any number of projects."""
    permit = Approval.objects.filter(project=OuterRef("pk"), kind__role=ApprovalRole.CONSTRUCTION_PERMIT).exclude(
        actual_date=None
    )
    return queryset.prefetch_related("tags").annotate(permit_date=Subquery(permit.values("actual_date")[:1]))


class SectionOut(Schema):
    id: int
    project_id: int
    name: str
    contractor_id: int | None
    supervisor_id: int | None
    other_parties: list[int]

    @staticmethod
    def resolve_other_parties(obj: Any) -> list[int]:
        return [org.pk for org in obj.other_parties.all()]


projects = crud_router(ProjectViews, ProjectOut, tag="projects", prepare=with_key_dates)
approvals = crud_router(ApprovalViews, ApprovalOut, tag="approvals")
milestones = crud_router(MilestoneViews, MilestoneOut, tag="milestones")
progress_reports = crud_router(ProgressReportViews, ProgressReportOut, tag="progress reports")
task_lists = crud_router(TaskListViews, TaskListOut, tag="task lists")
task_items = crud_router(TaskItemViews, TaskItemOut, tag="task lists")
awards = crud_router(AwardViews, AwardOut, tag="awards")
sections = crud_router(
    SectionViews, SectionOut, tag="sections", prepare=lambda qs: qs.prefetch_related("other_parties")
)
participations = crud_router(ParticipationViews, ParticipationOut, tag="participations")
approval_kinds = crud_router(ApprovalKindViews, ApprovalKindOut, tag="approvals", read_only=True)
project_tags = crud_router(ProjectTagViews, ProjectTagOut, tag="projects", read_only=True)


# ---- stage change -------------------------------------------------------------------------------


class StageChangeIn(Schema):
    stage: Stage
    entered_on: datetime.date | None = Field(None, description="Defaults to today.")
    override_reason: str = Field(
        "", description="Administrators only: why a gate (or a step back) is overridden; kept in the change log."
    )


class StageChangeOut(Schema):
    id: int
    project_id: int
    from_stage: str
    stage: str
    entered_on: datetime.date
    override_reason: str
    actor_id: int | None


@projects.post(
    "/{int:pk}/stage/",
    response={201: StageChangeOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="project_change_stage",
    summary="Move a project to another stage",
    description="The gates are enforced: 在建 needs a construction permit, 完工 a completion acceptance date. "
    "An administrator may override a gate with `override_reason`; anyone else gets 403 for trying.",
)
def change_stage(request: HttpRequest, pk: int, payload: StageChangeIn) -> Any:
    project = Project.objects.for_user(request.user, Action.VIEW).filter(pk=pk).first()
    if project is None:
        return 404, {"detail": _("Not found.")}
    try:
        change = services.change_stage(
            project=project,
            stage=Stage(payload.stage).value,
            actor=request.user,
            entered_on=payload.entered_on,
            override_reason=payload.override_reason,
        )
    except ValidationError as exc:
        return 422, validation_detail(exc)
    return 201, change


@projects.get(
    "/{int:pk}/stage/",
    response={200: list[StageChangeOut], 404: Message},
    operation_id="project_stage_history",
    summary="A project's stage history, oldest first",
)
def stage_history(request: HttpRequest, pk: int) -> Any:
    project = Project.objects.for_user(request.user, Action.VIEW).filter(pk=pk).first()
    if project is None:
        return 404, {"detail": _("Not found.")}
    return 200, list(project.stage_changes.order_by("entered_on", "id"))


# ---- approval lead time -------------------------------------------------------------------------


class LeadTimeOut(Schema):
    project_id: int
    approval_date: datetime.date | None = Field(description="Project approval (立项) actual date.")
    permit_date: datetime.date | None = Field(description="Construction permit (施工许可) actual date.")
    running: bool = Field(description="No permit yet: the days are counted up to today.")
    calendar_days: int | None
    working_days: int | None = Field(description="Statutory working days (holidays and 调休 make-up days).")
    basis: str = Field(description="What the target counts: calendar or working days.")
    days: int | None = Field(description="The days on the target's basis.")
    target: int
    over_target: bool


@projects.get(
    "/{int:pk}/lead-time/",
    response={200: LeadTimeOut, 404: Message},
    operation_id="project_lead_time",
    summary="Days from project approval (立项) to construction permit, against the agency's target",
)
def lead_time(request: HttpRequest, pk: int) -> Any:
    project = Project.objects.for_user(request.user, Action.VIEW).select_related("agency").filter(pk=pk).first()
    if project is None:
        return 404, {"detail": _("Not found.")}
    figures = services.lead_time(project, ProjectSettings.for_agency(project.agency))
    return 200, {
        "project_id": project.pk,
        "approval_date": figures.start,
        "permit_date": figures.end,
        "running": figures.start is not None and figures.end is None,
        "calendar_days": figures.calendar_days,
        "working_days": figures.working_days,
        "basis": figures.basis,
        "days": figures.days,
        "target": figures.target,
        "over_target": figures.over_target,
    }


# ---- task-list results --------------------------------------------------------------------------


class TaskResultRow(Schema):
    item_id: int
    project_id: int
    project_code: str
    project_name: str
    planned_date: datetime.date | None
    actual_date: datetime.date | None = Field(description="Derived from the project's milestones.")
    status: str = Field(description="done, done_late, pending, behind or missed.")


class TaskResultGroup(Schema):
    kind: str = Field(description="start, advance or complete.")
    label: str
    planned: int
    achieved: int
    behind: int
    rate: float | None = Field(description="Achieved as a percentage of planned.")
    rows: list[TaskResultRow]


class TaskListResultsOut(Schema):
    task_list_id: int
    agency_id: int
    year: int
    planned: int
    achieved: int
    groups: list[TaskResultGroup]


@task_lists.get(
    "/{int:pk}/results/",
    response={200: TaskListResultsOut, 404: Message},
    operation_id="tasklist_results",
    summary="Plan against actual per list (start / advance / complete), with the projects behind each number",
)
def task_list_results(request: HttpRequest, pk: int) -> Any:
    task_list = TaskList.objects.for_user(request.user, Action.VIEW).filter(pk=pk).first()
    if task_list is None:
        return 404, {"detail": _("Not found.")}
    groups = services.task_list_results(task_list)
    return 200, {
        "task_list_id": task_list.pk,
        "agency_id": task_list.agency_id,
        "year": task_list.year,
        "planned": sum(g.planned for g in groups),
        "achieved": sum(g.achieved for g in groups),
        "groups": [
            {
                "kind": group.kind,
                "label": group.label,
                "planned": group.planned,
                "achieved": group.achieved,
                "behind": group.behind,
                "rate": number(group.rate),
                "rows": [
                    {
                        "item_id": row.item.pk,
                        "project_id": row.item.project_id,
                        "project_code": row.item.project.code,
                        "project_name": row.item.project.name,
                        "planned_date": row.item.planned_date,
                        "actual_date": row.actual,
                        "status": row.status,
                    }
                    for row in group.rows
                ],
            }
            for group in groups
        ],
    }


# ---- portfolio summary --------------------------------------------------------------------------


def number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else float(value)


class PeriodOut(Schema):
    start: datetime.date
    end: datetime.date


class KeyCount(Schema):
    key: str
    label: str
    count: int


class HappenedOut(Schema):
    total: int
    previous: int | None = Field(description="The same count for the same period a year earlier (not for advancing).")
    groups: dict[str, int] = Field(
        description="road, school, hospital, other_building (buildings other than schools and hospitals), "
        "building (all buildings), municipal (all municipal works)."
    )
    categories: dict[str, int] = Field(description="Every category, zero included.")


class OutcomeOut(Schema):
    field: str = Field(description="school_places, hospital_beds, parking_spaces, road_length_km or floor_area.")
    label: str
    value: float = Field(description="Total over the projects completed in the period.")
    previous: float = Field(description="The same total a year earlier.")
    change: float | None = Field(description="Year-on-year change in %, one decimal; null without a previous value.")


class PlanOut(Schema):
    year: int
    total: int = Field(description="Projects with an annual plan in the year.")
    counts: dict[str, int] = Field(
        description='Per plan category (continuing, new_start, unplanned, reserve; "" for plans without one).'
    )


class ReceivedOut(Schema):
    count: int = Field(description="Top-level projects received (接收) in the period.")
    investment: float = Field(description="Their approved total investment, 元.")
    previous: int = Field(description="The same count a year earlier.")
    previous_investment: float = Field(description="元")


class LeadTimePeriodOut(Schema):
    count: int = Field(description="Top-level projects whose construction permit was obtained in the period.")
    average: float | None = Field(description="Average days 立项 → 施工许可, one decimal; null without any.")
    median: float | None


class LeadTimeSummaryOut(Schema):
    basis: str = Field(description="calendar or working days (each agency's setting), or mixed.")
    now: LeadTimePeriodOut
    previous: LeadTimePeriodOut = Field(description="The same period a year earlier.")
    change_days: float | None = Field(description="Average now minus a year earlier, in days.")
    change: float | None = Field(description="The same change in % of the earlier average.")


class AwardsOut(Schema):
    total: int
    by_level: list[KeyCount]


class ApprovalCount(Schema):
    kind: str
    count: int


class FlagsOut(Schema):
    bim: int
    green: int
    near_zero_carbon: int
    prefabricated: int
    prefabricated_area: float = Field(description="㎡")
    overdue: int = Field(description="Projects with a milestone or approval past its planned date.")


class SummaryOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut
    agency_id: int | None = Field(description="The agency asked for; null for every agency the user sees.")
    total: int = Field(description="Top-level projects (sub-projects are counted under their parent).")
    sub_projects: int
    investment: float = Field(description="Approved total investment of the top-level projects, 元.")
    by_stage: list[KeyCount] = Field(description="Stages at `stage_day`, from each project's stage history.")
    stage_day: datetime.date = Field(description="The period's end, or today while the period runs.")
    by_group: list[KeyCount]
    started: HappenedOut
    completed: HappenedOut
    advancing: HappenedOut = Field(description="Started before the period and not completed by its end.")
    outcomes: list[OutcomeOut]
    received: ReceivedOut
    plan: PlanOut | None = Field(
        description="Projects by plan category in the year's annual plans; only for a period within one year."
    )
    lead_time: LeadTimeSummaryOut = Field(description="Lead time of the projects whose permit came in the period.")
    milestones: list[KeyCount] = Field(description="Milestones reached in the period, per kind.")
    topped_out_hospitals: int
    awards: AwardsOut
    approvals: list[ApprovalCount] = Field(description="Approvals obtained in the period, per kind, most first.")
    flags: FlagsOut


def happened(figures: dict[str, Any], previous: int | None) -> dict[str, Any]:
    return {
        "total": figures["total"],
        "previous": previous,
        "groups": figures["groups"],
        "categories": {c: figures["categories"].get(c, 0) for c in Category.values},
    }


def key_counts(rows: list[tuple[str, Any, int]]) -> list[dict[str, Any]]:
    return [{"key": key, "label": force_str(label), "count": count} for key, label, count in rows]


def summary_json(figures: dict[str, Any], agency: Organization | None, plan: Figure | None = None) -> dict[str, Any]:
    """`figures.portfolio_summary` as the stable JSON of `SummaryOut`."""
    flags, received = figures["flags"], figures["received"]
    lead: project_figures.LeadTimeFigure = figures["lead_time"]
    outcome_labels = {name: Project._meta.get_field(name).verbose_name for name in project_figures.OUTCOME_FIELDS}
    return {
        "period": {"start": figures["period"].start, "end": figures["period"].end},
        "previous_period": {"start": figures["previous"].start, "end": figures["previous"].end},
        "agency_id": agency.pk if agency is not None else None,
        "total": figures["total"],
        "sub_projects": flags["sub_projects"],
        "investment": number(figures["investment"]),
        "by_stage": key_counts(figures["by_stage"]),
        "stage_day": figures["stage_day"],
        "by_group": key_counts(figures["by_group"]),
        "started": happened(figures["started"], figures["started_previous"]),
        "completed": happened(figures["completed"], figures["completed_previous"]),
        "advancing": happened(figures["advancing"], None),
        "outcomes": [
            {
                "field": row["field"],
                "label": force_str(outcome_labels[row["field"]]),
                "value": number(row["value"]),
                "previous": number(row["previous"]),
                "change": number(row["change"]),
            }
            for row in figures["outcomes"]
        ],
        "received": {
            "count": received["count"],
            "investment": number(received["investment"]),
            "previous": received["previous"],
            "previous_investment": number(received["previous_investment"]),
        },
        "plan": None
        if plan is None
        else {
            "year": figures["period"].start.year,
            "total": plan.value,
            "counts": {f.key: f.value for f in plan.children},
        },
        "lead_time": {
            "basis": lead.basis,
            "now": lead_time_json(lead.now),
            "previous": lead_time_json(lead.previous),
            "change_days": number(lead.change_days),
            "change": number(lead.change),
        },
        "milestones": key_counts(figures["milestones"]),
        "topped_out_hospitals": figures["topped_out_hospitals"],
        "awards": {"total": figures["awards_total"], "by_level": key_counts(figures["awards"])},
        "approvals": [{"kind": kind, "count": count} for kind, count in figures["approvals"]],
        "flags": {
            "bim": flags["bim"],
            "green": flags["green"],
            "near_zero_carbon": flags["near_zero_carbon"],
            "prefabricated": flags["prefabricated"],
            "prefabricated_area": number(flags["prefabricated_area"] or 0),
            "overdue": flags["overdue"],
        },
    }


def lead_time_json(times: project_figures.LeadTimes) -> dict[str, Any]:
    return {"count": times.count, "average": number(times.average), "median": number(times.median)}


class SummaryQuery(SelectionQuery):
    pass


@projects.get(
    "/summary/",
    response={200: SummaryOut, 403: Message, 404: Message, 422: ValidationErrors},
    operation_id="project_summary",
    summary="Portfolio summary: the counts of the yearly report",
    description="Over the projects the user sees, or one agency's (`agency`, an id or `all`). The period is a "
    "calendar `year` (this year by default) or `from`/`to` (YYYY-MM-DD). Each count matches the project list "
    "filtered with `level=top`, `happened=started|completed|advancing|received|permitted`, `period_from` and "
    "`period_to`; a stage count with `stage` and `stage_on` (the stage day).",
)
def summary(request: HttpRequest, query: Query[SummaryQuery]) -> Any:
    if not user_may(request.user, Project, Action.VIEW):
        return 403, {"detail": _("You may not view projects.")}
    if query.start and query.end and query.end < query.start:
        return 422, {"detail": [{"loc": ["query", "to"], "msg": _("The period ends before it starts.")}]}
    asked = query.agency if query.agency and query.agency != ALL else None
    if asked and asked.isdigit() and int(asked) not in {a.pk for a in visible_agencies(request.user)}:
        return 404, {"detail": _("Not found.")}
    selection = selection_from_api(request, query)
    projects = summary_projects(selection, request.user)
    figures = project_figures.portfolio_summary(projects, selection.period)
    plan = project_figures.registered_figure(project_figures.PLAN_CATEGORY_FIGURE, selection, request.user)
    return 200, summary_json(figures, selection.agency if asked else None, plan)
