"""Alert rules on project data, registered into the alerts framework (see gongwu/alerts/rules.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.alerts.models import Kind, Level
from gongwu.alerts.rules import Match, Param, rule
from gongwu.core.calendar import working_days_between
from gongwu.core.models import Organization
from gongwu.projects import services
from gongwu.projects.models import (
    Approval,
    ApprovalRole,
    LeadTimeBasis,
    Milestone,
    Project,
    ProjectSettings,
    Stage,
    TaskItem,
)


def level_for(days_late: int, params: dict[str, int]) -> str | None:
    """Orange and red past their thresholds; None keeps the rule's own level."""
    if days_late >= params["red_after"]:
        return Level.RED
    if days_late >= params["orange_after"]:
        return Level.ORANGE
    return None


LATENESS_PARAMS = [
    Param("grace_days", gettext_lazy("grace days before a case opens"), default=0, minimum=0, maximum=90),
    Param("orange_after", gettext_lazy("orange after (days late)"), default=30, minimum=1, maximum=365),
    Param("red_after", gettext_lazy("red after (days late)"), default=90, minimum=1, maximum=730),
]


@rule(
    "projects.approval_late",
    title=gettext_lazy("Approval past its planned date"),
    description=gettext_lazy(
        "A pre-construction approval (前期手续) has a planned date that has passed and no actual date."
    ),
    params=LATENESS_PARAMS,
    level=Level.YELLOW,
)
def approval_late(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    cutoff = today - datetime.timedelta(days=params["grace_days"])
    approvals = Approval.objects.filter(
        project__agency_id=agency_id, actual_date__isnull=True, planned_date__lt=cutoff
    ).select_related("project", "kind")
    for approval in approvals.iterator(chunk_size=2000):
        days = (today - approval.planned_date).days
        yield Match(
            subject=approval,
            title=_("%(project)s: %(kind)s %(days)s days past its planned date")
            % {"project": approval.project.name, "kind": approval.kind.name, "days": days},
            data={
                "project": approval.project.code,
                "approval": approval.kind.name,
                "planned_date": approval.planned_date.isoformat(),
                "days_late": days,
            },
            level=level_for(days, params),
            severity=days,
            department_id=approval.project.department_id,
            responsible_person_id=approval.project.director_id,
        )


@rule(
    "projects.milestone_overdue",
    title=gettext_lazy("Milestone overdue"),
    description=gettext_lazy("A milestone's planned date has passed and it has not been reached."),
    params=LATENESS_PARAMS,
    level=Level.YELLOW,
)
def milestone_overdue(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    cutoff = today - datetime.timedelta(days=params["grace_days"])
    milestones = Milestone.objects.filter(
        project__agency_id=agency_id, actual_date__isnull=True, planned_date__lt=cutoff
    ).select_related("project")
    for milestone in milestones.iterator(chunk_size=2000):
        days = (today - milestone.planned_date).days
        yield Match(
            subject=milestone,
            title=_("%(project)s: %(milestone)s %(days)s days overdue")
            % {"project": milestone.project.name, "milestone": milestone.label, "days": days},
            data={
                "project": milestone.project.code,
                "milestone": milestone.label,
                "planned_date": milestone.planned_date.isoformat(),
                "days_late": days,
            },
            level=level_for(days, params),
            severity=days,
            department_id=milestone.project.department_id,
            responsible_person_id=milestone.project.director_id,
        )


@rule(
    "projects.task_behind",
    title=gettext_lazy("Annual task behind plan"),
    description=gettext_lazy(
        "A project on this year's task list has not started (or been completed) by its planned date."
    ),
    params=[Param("grace_days", gettext_lazy("grace days before a case opens"), default=0, minimum=0, maximum=90)],
    level=Level.ORANGE,
    kind=Kind.ATTENTION,
)
def task_behind(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    cutoff = today - datetime.timedelta(days=params["grace_days"])
    items = TaskItem.objects.filter(
        task_list__agency_id=agency_id, task_list__year=today.year, planned_date__lt=cutoff
    ).select_related("project", "task_list")
    for item in items.iterator(chunk_size=2000):
        if services.task_status(item, today) != services.TaskStatus.BEHIND:
            continue
        days = (today - item.planned_date).days
        yield Match(
            subject=item,
            title=_("%(project)s: %(task)s planned for %(date)s, %(days)s days behind")
            % {
                "project": item.project.name,
                "task": item.get_kind_display(),
                "date": item.planned_date.isoformat(),
                "days": days,
            },
            data={
                "project": item.project.code,
                "task": str(item.get_kind_display()),
                "planned_date": item.planned_date.isoformat(),
                "days_late": days,
            },
            severity=days,
            department_id=item.project.department_id,
            responsible_person_id=item.project.director_id,
        )


@rule(
    "projects.lead_time_over_target",
    title=gettext_lazy("Approval lead time over target"),
    description=gettext_lazy(
        "Days since project approval (立项) without a construction permit exceed the agency's lead-time target."
    ),
    params=[Param("warn_before", gettext_lazy("warn this many days before the target"), default=0, maximum=180)],
    level=Level.ORANGE,
)
def lead_time_over_target(agency_id: int, params: dict[str, int], today: datetime.date) -> Iterator[Match]:
    settings = ProjectSettings.for_agency(Organization(pk=agency_id))
    limit = settings.lead_time_target - params["warn_before"]
    started = dict(
        Approval.objects.filter(
            project__agency_id=agency_id, kind__role=ApprovalRole.PROJECT_APPROVAL, actual_date__isnull=False
        ).values_list("project_id", "actual_date")
    )
    permitted = set(
        Approval.objects.filter(
            project__agency_id=agency_id, kind__role=ApprovalRole.CONSTRUCTION_PERMIT, actual_date__isnull=False
        ).values_list("project_id", flat=True)
    )
    waiting = [pk for pk in started if pk not in permitted]
    projects = Project.objects.filter(pk__in=waiting, stage__in=[Stage.RESERVE, Stage.PREPARATION])
    for project in projects.iterator(chunk_size=2000):
        start = started[project.pk]
        days = (
            working_days_between(start, today)
            if settings.lead_time_basis == LeadTimeBasis.WORKING
            else (today - start).days
        )
        if days <= limit:
            continue
        yield Match(
            subject=project,
            title=_(
                "%(project)s: %(days)s days since project approval without a construction permit (target %(target)s)"
            )
            % {"project": project.name, "days": days, "target": settings.lead_time_target},
            data={
                "project": project.code,
                "approved_on": start.isoformat(),
                "days": days,
                "basis": str(settings.get_lead_time_basis_display()),
                "target": settings.lead_time_target,
            },
            level=Level.RED if days > settings.lead_time_target * 2 else None,
            severity=days,
            department_id=project.department_id,
            responsible_person_id=project.director_id,
        )
