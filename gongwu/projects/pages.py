"""Pages beyond the generic ones: the project page, the stage change, the task-list results, the portfolio summary."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core.figures import Selection, number
from gongwu.core.models import Action, user_may
from gongwu.projects import figures as project_figures
from gongwu.projects import services
from gongwu.projects.forms import StageChangeForm
from gongwu.projects.models import (
    STAGE_ORDER,
    Approval,
    ApprovalKind,
    ApprovalRole,
    Award,
    Milestone,
    MilestoneKind,
    ProgressReport,
    Project,
    ProjectSettings,
    Stage,
    TaskItem,
    TaskList,
)

# ---- the project page ---------------------------------------------------------------------------

STAGE_COLOURS = {
    Stage.RESERVE: "secondary",
    Stage.PREPARATION: "azure",
    Stage.CONSTRUCTION: "orange",
    Stage.COMPLETED: "green",
    Stage.SETTLEMENT: "teal",
    Stage.FINAL_ACCOUNTS: "cyan",
    Stage.HANDOVER: "indigo",
    Stage.WARRANTY: "purple",
}
FEATURE_FIELDS = ("uses_bim", "is_green", "is_near_zero_carbon", "is_prefabricated")


def add_url(name: str, **initial: Any) -> str:
    """The generic add page of `projects:<name>_add` with form fields prefilled from the query string."""
    return reverse(f"projects:{name}_add") + "?" + urlencode(initial)


def project_context(project: Project, request: HttpRequest) -> dict[str, Any]:
    """What the project page shows at a glance, besides its fields, attachments and history."""
    user = request.user
    settings = ProjectSettings.for_agency(project.agency)
    approvals = list(Approval.objects.filter(project=project).select_related("kind").order_by("kind__order"))
    done_kinds = {a.kind_id for a in approvals}
    missing_kinds = list(
        ApprovalKind.objects.for_user(user)
        .filter(is_active=True)
        .filter(Q(agency__isnull=True) | Q(agency=project.agency_id))
        .exclude(pk__in=done_kinds)
        .order_by("order")
    )
    stage_changes = list(project.stage_changes.select_related("actor").order_by("entered_on", "id"))
    history = {c.stage: c for c in stage_changes}
    timeline = [
        {
            "stage": stage,
            "label": label,
            "change": history.get(stage),
            "current": stage == project.stage,
            "passed": STAGE_ORDER[stage] < STAGE_ORDER[project.stage],
        }
        for stage, label in Stage.choices
    ]
    progress = list(ProgressReport.objects.filter(project=project).order_by("month").values_list("month", "percent"))
    milestones = list(Milestone.objects.filter(project=project).order_by("planned_date", "id"))
    may_add = {
        name: user_may(user, model, Action.ADD)
        for name, model in (
            ("approval", Approval),
            ("milestone", Milestone),
            ("progress", ProgressReport),
            ("award", Award),
            ("task_item", TaskItem),
            ("project", Project),
        )
    }
    meta = Project._meta
    return {
        "settings": settings,
        "stage_colour": STAGE_COLOURS.get(project.stage, "secondary"),
        "timeline": timeline,
        "stage_changes": stage_changes,
        "overrides": [c for c in stage_changes if c.override_reason],
        "approvals": approvals,
        "missing_approval_kinds": [
            (kind, add_url("approval", project=project.pk, kind=kind.pk)) for kind in missing_kinds
        ],
        "lead_time": services.lead_time(project, settings),
        "milestones": milestones,
        "overdue_milestones": sum(1 for m in milestones if m.is_overdue),
        "progress_points": [{"month": f"{m:%Y-%m}", "percent": float(p)} for m, p in progress],
        "progress_chart": {
            "kind": "line",
            "name": _("physical progress (%)"),
            "labels": [f"{m:%Y-%m}" for m, _p in progress],
            "values": [float(p) for _m, p in progress],
        },
        "sub_projects": list(Project.objects.for_user(user).filter(parent=project).order_by("code")),
        "awards": list(Award.objects.filter(project=project).order_by("-year")),
        "task_items": task_item_rows(project),
        "tags": list(project.tags.all()),
        # the outcome fields' names carry their units: "road length (km)", "floor area (㎡)"
        "outcomes": [
            (meta.get_field(name).verbose_name, number(getattr(project, name)))
            for name in project_figures.OUTCOME_FIELDS
            if getattr(project, name)
        ],
        "features": [meta.get_field(name).verbose_name for name in FEATURE_FIELDS if getattr(project, name)],
        "may_change_stage": Project.objects.for_user(user, Action.CHANGE).filter(pk=project.pk).exists(),
        "may_override": services.may_override_gates(user),
        "may_add_children": may_add["approval"],
        "may_add": may_add,
        "add_links": {
            "approval": add_url("approval", project=project.pk),
            "milestone": add_url("milestone", project=project.pk),
            "progress": add_url("progressreport", project=project.pk),
            "award": add_url("award", project=project.pk),
            "task_item": add_url("taskitem", project=project.pk),
            "sub_project": add_url("project", parent=project.pk),
        },
    }


def task_item_rows(project: Project) -> list[dict[str, Any]]:
    """The project's places on annual task lists, newest first, each with its status and a link to its group."""
    rows = []
    for item in project.task_items.select_related("task_list").order_by("-task_list__year", "kind"):
        status = services.task_status(item)
        rows.append(
            {
                "item": item,
                "url": f"{item.task_list.get_absolute_url()}#tasks-{item.kind}",
                "status": str(services.TaskStatus(status).label),
                "colour": TASK_STATUS_COLOURS[status],
            }
        )
    return rows


# ---- the annual task list -----------------------------------------------------------------------

TASK_STATUS_COLOURS = {
    services.TaskStatus.DONE: "green",
    services.TaskStatus.DONE_LATE: "lime",
    services.TaskStatus.PENDING: "secondary",
    services.TaskStatus.BEHIND: "orange",
    services.TaskStatus.MISSED: "red",
}


def task_list_context(task_list: TaskList, request: HttpRequest) -> dict[str, Any]:
    """Plan vs actual per group; `?show=<kind>-achieved|<kind>-behind` narrows a group to the rows behind a number."""
    groups = services.task_list_results(task_list)
    show = request.GET.get("show", "")
    base = task_list.get_absolute_url()
    labels = {status: str(label) for status, label in services.TaskStatus.choices}
    cards = []
    for group in groups:
        narrowed = {"achieved": services.ACHIEVED, "behind": services.NOT_ACHIEVED}.get(
            show.removeprefix(f"{group.kind}-")
        )
        if not show.startswith(f"{group.kind}-"):
            narrowed = None
        rows = [r for r in group.rows if narrowed is None or r.status in narrowed]
        cards.append(
            {
                "group": group,
                "anchor": f"tasks-{group.kind}",
                "rows": [{"row": r, "label": labels[r.status], "colour": TASK_STATUS_COLOURS[r.status]} for r in rows],
                "narrowed": narrowed is not None,
                "planned_url": f"{base}#tasks-{group.kind}",
                "achieved_url": f"{base}?show={group.kind}-achieved#tasks-{group.kind}",
                "behind_url": f"{base}?show={group.kind}-behind#tasks-{group.kind}",
                "all_url": f"{base}#tasks-{group.kind}",
                "add_url": add_url("taskitem", task_list=task_list.pk, kind=group.kind),
            }
        )
    planned = sum(g.planned for g in groups)
    achieved = sum(g.achieved for g in groups)
    return {
        "groups": groups,
        "cards": cards,
        "planned_total": planned,
        "achieved_total": achieved,
        "behind_total": sum(g.behind for g in groups),
        "rate_total": services.percent(achieved, planned),
        "status_labels": labels,
        "may_add_item": user_may(request.user, TaskItem, Action.ADD),
        "add_item_url": add_url("taskitem", task_list=task_list.pk),
    }


# ---- the stage change ---------------------------------------------------------------------------


@login_required
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    if not Project.objects.for_user(request.user, Action.CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this project."))
    form = StageChangeForm(request.POST or None, initial={"stage": next_stage(project.stage)})
    may_override = services.may_override_gates(request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_stage(
                    project=project,
                    stage=form.cleaned_data["stage"],
                    actor=request.user,
                    entered_on=form.cleaned_data["entered_on"],
                    override_reason=form.cleaned_data["override_reason"] if may_override else "",
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("“%(project)s” is now “%(stage)s”.") % {"project": project, "stage": project.get_stage_display()},
                )
                return HttpResponseRedirect(project.get_absolute_url())
        status = 422
    gates = [
        {
            "stage": stage,
            "label": label,
            "errors": services.stage_gate_errors(project, stage),
            "current": stage == project.stage,
            "backwards": STAGE_ORDER[stage] < STAGE_ORDER[project.stage],
        }
        for stage, label in Stage.choices
    ]
    gate_records = missing_gate_records(project, request.user)
    first_closed = True
    for gate in gates:
        order = STAGE_ORDER[gate["stage"]]
        gate["needs"] = [r for r in gate_records if order >= STAGE_ORDER[r["from_stage"]]] if gate["errors"] else []
        # The first closed gate says why in full; the later ones only name what is missing.
        gate["explain"] = bool(gate["errors"]) and not gate["backwards"] and first_closed
        if gate["explain"]:
            first_closed = False
    context = {
        "project": project,
        "form": form,
        "gates": gates,
        "may_override": may_override,
    }
    return render(request, "projects/stage_change.html", context, status=status)


def missing_gate_records(project: Project, user: Any) -> list[dict[str, Any]]:
    """The records that open the construction and completion gates and are not there yet, each with the page
    that records it: the pending approval or milestone when there is one, else its add form prefilled."""
    records = []
    if services.construction_permit_date(project) is None:
        pending = (
            Approval.objects.filter(project=project, kind__role=ApprovalRole.CONSTRUCTION_PERMIT)
            .select_related("kind")
            .first()
        )
        kind = (
            pending.kind
            if pending
            else ApprovalKind.objects.for_user(user)
            .filter(role=ApprovalRole.CONSTRUCTION_PERMIT, is_active=True)
            .filter(Q(agency__isnull=True) | Q(agency=project.agency_id))
            .order_by("-agency", "order")
            .first()
        )
        records.append(
            {
                "from_stage": Stage.CONSTRUCTION,
                "label": kind.name if kind else str(ApprovalRole.CONSTRUCTION_PERMIT.label),
                "url": pending.get_absolute_url()
                if pending
                else add_url("approval", project=project.pk, **({"kind": kind.pk} if kind else {})),
                "may": user_may(user, Approval, Action.CHANGE if pending else Action.ADD),
                "icon": "pencil" if pending else "plus",
            }
        )
    if services.completion_acceptance_date(project) is None:
        pending = Milestone.objects.filter(project=project, kind=MilestoneKind.COMPLETION_ACCEPTANCE).first()
        records.append(
            {
                "from_stage": Stage.COMPLETED,
                "label": str(MilestoneKind.COMPLETION_ACCEPTANCE.label),
                "url": pending.get_absolute_url()
                if pending
                else add_url("milestone", project=project.pk, kind=MilestoneKind.COMPLETION_ACCEPTANCE),
                "may": user_may(user, Milestone, Action.CHANGE if pending else Action.ADD),
                "icon": "pencil" if pending else "plus",
            }
        )
    return records


def next_stage(stage: str) -> str:
    values = Stage.values
    index = STAGE_ORDER[stage]
    return values[min(index + 1, len(values) - 1)]


# ---- the portfolio summary ----------------------------------------------------------------------


def year_choices(selected: int) -> list[int]:
    """The last ten years and the one shown (inspections' reports use it too)."""
    this_year = timezone.localdate().year
    years = set(range(this_year, this_year - 10, -1)) | {selected}
    return sorted(years, reverse=True)


def summary_projects(selection: Selection, user: Any) -> QuerySet:
    """The projects the summary counts: the user's, in the selection's agencies (a company's user, who has
    no agency's figures, keeps the projects it takes part in)."""
    projects = Project.objects.for_user(user)
    return projects.filter(agency__in=selection.agency_ids) if selection.agencies else projects


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Project, Action.VIEW):
        raise PermissionDenied(_("You may not view projects."))
    selection = Selection.from_request(request)
    projects = summary_projects(selection, request.user)
    context = {"sel": selection, **project_figures.summary_figures(selection, projects, request.user)}
    return render(request, "projects/summary.html", context, status=422 if selection.errors else 200)
