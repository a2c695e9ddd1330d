"""Pages beyond the generic ones: the project page, the stage change, the task-list results, the portfolio summary."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongwu.core.models import Action, Organization, OrganizationKind, user_may
from gongwu.projects import services
from gongwu.projects.forms import StageChangeForm
from gongwu.projects.models import (
    STAGE_ORDER,
    Approval,
    ApprovalKind,
    Award,
    Milestone,
    ProgressReport,
    Project,
    ProjectSettings,
    Stage,
    TaskList,
)


def project_context(project: Project, request: HttpRequest) -> dict[str, Any]:
    """What the project page shows at a glance, besides its fields, attachments and history."""
    user = request.user
    settings = ProjectSettings.for_agency(project.agency)
    approvals = list(Approval.objects.filter(project=project).select_related("kind").order_by("kind__order"))
    done_kinds = {a.kind_id for a in approvals}
    missing_kinds = list(
        ApprovalKind.objects.for_user(user).filter(is_active=True).exclude(pk__in=done_kinds).order_by("order")
    )
    history = {c.stage: c for c in project.stage_changes.select_related("actor").order_by("entered_on", "id")}
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
    return {
        "settings": settings,
        "timeline": timeline,
        "stage_changes": list(history.values()),
        "approvals": approvals,
        "missing_approval_kinds": missing_kinds,
        "lead_time": services.lead_time(project, settings),
        "milestones": list(Milestone.objects.filter(project=project).order_by("planned_date", "id")),
        "progress_points": [{"month": f"{m:%Y-%m}", "percent": float(p)} for m, p in progress],
        "sub_projects": list(Project.objects.for_user(user).filter(parent=project).order_by("code")),
        "awards": list(Award.objects.filter(project=project).order_by("-year")),
        "task_items": list(project.task_items.select_related("task_list").order_by("-task_list__year")),
        "may_change_stage": Project.objects.for_user(user, Action.CHANGE).filter(pk=project.pk).exists(),
        "may_override": services.may_override_gates(user),
        "may_add_children": user_may(user, Approval, Action.ADD),
    }


def task_list_context(task_list: TaskList, request: HttpRequest) -> dict[str, Any]:
    groups = services.task_list_results(task_list)
    return {
        "groups": groups,
        "planned_total": sum(g.planned for g in groups),
        "achieved_total": sum(g.achieved for g in groups),
        "status_labels": {k: _(v) for k, v in services.TASK_STATUS_LABELS.items()},
    }


@login_required
def stage_change(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    if not Project.objects.for_user(request.user, Action.CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this project."))
    form = StageChangeForm(request.POST or None, initial={"stage": next_stage(project.stage)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.change_stage(
                    project=project,
                    stage=form.cleaned_data["stage"],
                    actor=request.user,
                    entered_on=form.cleaned_data["entered_on"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("“%(project)s” is now “%(stage)s”.") % {"project": project, "stage": project.get_stage_display()},
                )
                return HttpResponseRedirect(project.get_absolute_url())
        status = 422
    context = {
        "project": project,
        "form": form,
        "gates": {stage: services.stage_gate_errors(project, stage) for stage in Stage.values},
        "may_override": services.may_override_gates(request.user),
    }
    return render(request, "projects/stage_change.html", context, status=status)


def next_stage(stage: str) -> str:
    values = Stage.values
    index = STAGE_ORDER[stage]
    return values[min(index + 1, len(values) - 1)]


def parse_period(request: HttpRequest) -> tuple[services.Period, list[str]]:
    """The period from `year` or `from`/`to` in the query string; the current year by default."""
    errors = []
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        if not 1990 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors.append(_("The year must be a number between 1990 and 2100."))
        year = today.year
    period = services.Period.year(year)
    start, end = request.GET.get("from"), request.GET.get("to")
    if start or end:
        try:
            period = services.Period(
                datetime.date.fromisoformat(start) if start else period.start,
                datetime.date.fromisoformat(end) if end else period.end,
            )
        except ValueError:
            errors.append(_("Dates are written YYYY-MM-DD."))
        if period.end < period.start:
            errors.append(_("The period ends before it starts."))
            period = services.Period.year(year)
    return period, errors


def summary_queryset(request: HttpRequest) -> tuple[Any, Organization | None]:
    projects = Project.objects.for_user(request.user)
    agency = None
    agency_id = request.GET.get("agency")
    if agency_id and agency_id.isdigit():
        agency = Organization.objects.for_user(request.user).filter(pk=agency_id, kind=OrganizationKind.AGENCY).first()
        if agency is not None:
            projects = projects.filter(agency=agency)
    return projects, agency


def list_link(period: services.Period, agency: Organization | None = None, **params: Any) -> str:
    query = {"level": "top", "period_from": period.start.isoformat(), "period_to": period.end.isoformat()}
    if agency is not None:
        query["agency"] = agency.pk
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("projects:project_list") + "?" + urlencode(query, doseq=True)


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    if not user_may(request.user, Project, Action.VIEW):
        raise PermissionDenied(_("You may not view projects."))
    period, errors = parse_period(request)
    projects, agency = summary_queryset(request)
    figures = services.portfolio_summary(projects, period)
    agencies = Organization.objects.for_user(request.user).filter(kind=OrganizationKind.AGENCY).order_by("name")
    context = {
        "figures": figures,
        "period": period,
        "year": period.start.year,
        "errors": errors,
        "agency": agency,
        "agencies": agencies,
        "link": lambda **params: list_link(period, agency, **params),
    }
    return render(request, "projects/summary.html", context, status=422 if errors else 200)
