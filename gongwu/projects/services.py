"""Project rules in the domain's words: stage gates, approval lead time, task-list results.

Plain functions over models, unit-tested without HTTP; pages, the API and imports call them. The portfolio
summary's figures are in `figures.py`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongwu.core import services as core_services
from gongwu.core.calendar import working_days_between
from gongwu.core.models import Action, Role
from gongwu.core.periods import percent
from gongwu.projects.models import (
    ROLE_OF_KIND,
    STAGE_ORDER,
    Approval,
    ApprovalKind,
    ApprovalRole,
    LeadTimeBasis,
    Milestone,
    MilestoneKind,
    Participation,
    ParticipationSource,
    PartyRole,
    Project,
    ProjectSettings,
    Section,
    Stage,
    StageChange,
    TaskItem,
    TaskKind,
    TaskList,
)

# ---- stages and their gates ---------------------------------------------------------------------


def approval_date(project: Project, role: str) -> datetime.date | None:
    if not project.pk:
        return None
    return (
        Approval.objects.filter(project=project, kind__role=role)
        .exclude(actual_date=None)
        .values_list("actual_date", flat=True)
        .first()
    )


def construction_permit_date(project: Project) -> datetime.date | None:
    return approval_date(project, ApprovalRole.CONSTRUCTION_PERMIT)


def completion_acceptance_date(project: Project) -> datetime.date | None:
    """The 竣工验收 date: the milestone's actual date, else the approval of that role."""
    if project.pk:
        day = (
            Milestone.objects.filter(project=project, kind=MilestoneKind.COMPLETION_ACCEPTANCE)
            .exclude(actual_date=None)
            .values_list("actual_date", flat=True)
            .first()
        )
        if day is not None:
            return day
    return approval_date(project, ApprovalRole.COMPLETION_ACCEPTANCE)


def stage_gate_errors(
    project: Project,
    stage: str,
    *,
    permit_date: datetime.date | None = None,
    completion_date: datetime.date | None = None,
) -> list[str]:
    """Why `project` may not be in `stage` (empty when it may). Dates given here count as recorded."""
    errors = []
    reached = STAGE_ORDER[stage]
    if reached >= STAGE_ORDER[Stage.CONSTRUCTION] and not (permit_date or construction_permit_date(project)):
        errors.append(
            _("A project enters “%(stage)s” only with its construction permit recorded (actual date).")
            % {"stage": Stage(stage).label}
        )
    if reached >= STAGE_ORDER[Stage.COMPLETED] and not (completion_date or completion_acceptance_date(project)):
        errors.append(
            _("A project enters “%(stage)s” only with its completion acceptance date recorded.")
            % {"stage": Stage(stage).label}
        )
    return errors


def may_override_gates(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or getattr(user, "role", None) == Role.ADMIN)


def change_stage(
    *,
    project: Project,
    stage: str,
    actor: Any,
    entered_on: datetime.date | None = None,
    override_reason: str = "",
) -> StageChange:
    """Move a project to `stage`, enforcing the gates; an administrator may override with a written reason.

    Moving back to an earlier stage is also an override. The step is kept in the stage history and the
    change log.
    """
    entered_on = entered_on or timezone.localdate()
    override_reason = (override_reason or "").strip()
    if stage not in STAGE_ORDER:
        raise ValidationError({"stage": _("Unknown stage “%(stage)s”.") % {"stage": stage}})
    with transaction.atomic():
        locked = Project.objects.for_user(actor, Action.CHANGE).select_for_update().filter(pk=project.pk).first()
        if locked is None:
            raise PermissionDenied(_("You may not change this project."))
        if stage == locked.stage:
            raise ValidationError({"stage": _("The project is already in this stage.")})
        problems = stage_gate_errors(locked, stage)
        if STAGE_ORDER[stage] < STAGE_ORDER[locked.stage]:
            problems.append(_("Moving a project back to an earlier stage needs an administrator's override."))
        if entered_on > timezone.localdate():
            raise ValidationError({"entered_on": _("The date a stage was entered cannot be in the future.")})
        if locked.stage_entered_on and entered_on < locked.stage_entered_on:
            raise ValidationError(
                {
                    "entered_on": _(
                        "The project entered its current stage on %(date)s; the new stage cannot start earlier."
                    )
                    % {"date": locked.stage_entered_on}
                }
            )
        if problems:
            if not override_reason:
                raise ValidationError({"stage": problems})
            if not may_override_gates(actor):
                raise PermissionDenied(_("Only an administrator may override a stage gate."))
        elif override_reason:
            override_reason = ""
        before = core_services.snapshot(locked)
        change = StageChange.objects.create(
            project=locked,
            from_stage=locked.stage,
            stage=stage,
            entered_on=entered_on,
            override_reason=override_reason,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        core_services.log_created(change, actor)
        locked.stage = stage
        locked.stage_entered_on = entered_on
        locked.save(update_fields=["stage", "stage_entered_on", "updated"])
        after = core_services.snapshot(locked)
        if override_reason:
            after["override_reason"] = override_reason
        core_services.log_change(instance=locked, action="update", actor=actor, before=before, after=after)
    project.stage, project.stage_entered_on = stage, entered_on
    return change


def record_initial_stage(project: Project, actor: Any) -> None:
    """The first step of a new project's stage history (logged)."""
    if not project.stage_changes.exists():
        change = StageChange.objects.create(
            project=project,
            stage=project.stage,
            entered_on=project.stage_entered_on or timezone.localdate(),
            actor=actor if getattr(actor, "pk", None) else None,
        )
        core_services.log_created(change, actor)


# ---- writing a project ----------------------------------------------------------------------------

# Key dates a project form (and so the ledger and the API) may carry; each is stored where it belongs.
KEY_DATES: dict[str, tuple[str, str]] = {
    "permit_date": ("approval", ApprovalRole.CONSTRUCTION_PERMIT),
    "start_date": ("milestone", MilestoneKind.START),
    "completion_date": ("milestone", MilestoneKind.COMPLETION_ACCEPTANCE),
}


def key_date(project: Project, name: str) -> datetime.date | None:
    if not project.pk:
        return None
    where, what = KEY_DATES[name]
    if where == "approval":
        return approval_date(project, what)
    return project.milestones.filter(kind=what).values_list("actual_date", flat=True).first()


def save_dated(model: type[models.Model], lookup: dict[str, Any], day: datetime.date, actor: Any) -> None:
    """Give the approval or milestone found by `lookup` its actual date (creating it), and log the change."""
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is None:
        row = model(**lookup, actual_date=day)
        row.save()
        core_services.log_created(row, actor)
    elif row.actual_date != day:
        before = core_services.snapshot(row)
        row.actual_date = day
        row.save()
        core_services.log_change(
            instance=row, action="update", actor=actor, before=before, after=core_services.snapshot(row)
        )


def record_key_dates(project: Project, dates: dict[str, datetime.date | None], actor: Any) -> None:
    """Store the key dates given (construction permit, start, completion acceptance) where each belongs:
    the project's approval of that role, or its milestone. A date left empty changes nothing."""
    for name, (where, what) in KEY_DATES.items():
        day = dates.get(name)
        if day is None or day == key_date(project, name):
            continue
        if where == "approval":
            kind = (
                ApprovalKind.objects.filter(role=what, is_active=True)
                .filter(Q(agency__isnull=True) | Q(agency=project.agency_id))
                .order_by("agency")
                .first()
            )
            if kind is not None:
                save_dated(Approval, {"project": project, "kind": kind}, day, actor)
        else:
            save_dated(Milestone, {"project": project, "kind": what}, day, actor)


def create_project(*, instance: Project, actor: Any, data: dict[str, Any] | None = None) -> Project:
    """A new project with its tags, key dates and the first step of its stage history, all logged."""
    data = data or {}

    def with_history(project: Project) -> None:
        record_key_dates(project, data, actor)
        record_initial_stage(project, actor)

    return core_services.create_object(instance=instance, actor=actor, data=data, after_save=with_history)


def update_project(*, instance: Project, actor: Any, data: dict[str, Any] | None = None) -> Project:
    """Save a project's fields and key dates; a stage chosen on its form (checked by the form's gates) is a
    step of its stage history, like "Change stage"."""
    data = data or {}
    previous = Project.objects.filter(pk=instance.pk).values_list("stage", flat=True).first()

    def with_history(project: Project) -> None:
        record_key_dates(project, data, actor)
        if not project.stage_changes.exists():
            record_initial_stage(project, actor)
        elif previous and previous != project.stage:
            change = StageChange.objects.create(
                project=project,
                from_stage=previous,
                stage=project.stage,
                entered_on=project.stage_entered_on or timezone.localdate(),
                actor=actor if getattr(actor, "pk", None) else None,
            )
            core_services.log_created(change, actor)

    return core_services.update_object(instance=instance, actor=actor, data=data, after_save=with_history)


# ---- sections and who takes part --------------------------------------------------------------------


def section_parties(section: Section) -> set[tuple[int, str]]:
    """(organization, role) of each company the section names: its contractor (施工总承包), its supervisor
    (监理) and its other parties in the role their kind plays."""
    wanted: set[tuple[int, str]] = set()
    if section.contractor_id:
        wanted.add((section.contractor_id, PartyRole.GENERAL_CONTRACTOR))
    if section.supervisor_id:
        wanted.add((section.supervisor_id, PartyRole.SUPERVISOR))
    if section.pk:
        for org_id, kind in section.other_parties.values_list("pk", "kind"):
            if org_id not in (section.contractor_id, section.supervisor_id):
                wanted.add((org_id, ROLE_OF_KIND.get(kind, PartyRole.SUBCONTRACTOR)))
    return wanted


def sync_section_participations(section: Section, actor: Any, day: datetime.date | None = None) -> None:
    """Make the section's participations match its parties: a new party starts taking part `day` (today), a
    party no longer named ends that day (kept, not deleted). Each change logged; inside the caller's
    transaction."""
    day = day or timezone.localdate()
    wanted = section_parties(section)
    current = list(
        Participation.objects.select_for_update().filter(
            section=section, source=ParticipationSource.SECTION, ended_on__isnull=True
        )
    )
    have = {(p.organization_id, p.role) for p in current}
    changes: list[tuple[Any, str, dict | None, dict | None]] = []
    for participation in current:
        if (participation.organization_id, participation.role) not in wanted:
            before = core_services.snapshot(participation)
            participation.ended_on = max(day, participation.started_on)
            participation.save(update_fields=["ended_on"])
            changes.append((participation, "update", before, core_services.snapshot(participation)))
    for org_id, role in sorted(wanted - have):
        participation = Participation.objects.create(
            project_id=section.project_id,
            section=section,
            organization_id=org_id,
            role=role,
            started_on=day,
            source=ParticipationSource.SECTION,
        )
        changes.append((participation, "create", None, core_services.snapshot(participation)))
    if changes:
        core_services.log_changes(changes, actor)


def create_section(*, instance: Section, actor: Any, data: dict[str, Any] | None = None) -> Section:
    """A new section; its parties start taking part in the project (participations, logged)."""
    return core_services.create_object(
        instance=instance, actor=actor, data=data, after_save=lambda s: sync_section_participations(s, actor)
    )


def update_section(*, instance: Section, actor: Any, data: dict[str, Any] | None = None) -> Section:
    """Save a section; a party added starts taking part, a party removed has its participation ended."""
    return core_services.update_object(
        instance=instance, actor=actor, data=data, after_save=lambda s: sync_section_participations(s, actor)
    )


def delete_section(*, instance: Section, actor: Any) -> None:
    """Delete a section: its participations stay on the project, those still running ended today (logged)."""
    with transaction.atomic():
        if not Section.objects.for_user(actor, Action.DELETE).filter(pk=instance.pk).exists():
            raise PermissionDenied(_("You may not delete this record."))
        changes: list[tuple[Any, str, dict | None, dict | None]] = []
        for participation in Participation.objects.select_for_update().filter(section=instance):
            before = core_services.snapshot(participation)
            participation.section = None
            if participation.ended_on is None:
                participation.ended_on = max(timezone.localdate(), participation.started_on)
            participation.save(update_fields=["section", "ended_on"])
            changes.append((participation, "update", before, core_services.snapshot(participation)))
        if changes:
            core_services.log_changes(changes, actor)
        core_services.delete_object(instance=instance, actor=actor)


def record_sections(sections: list[Section], actor: Any, day: datetime.date | None = None) -> None:
    """The participations of sections written in bulk (the demo): one per party, starting `day` (else the
    project's start, else today), logged in one go."""
    rows = [
        Participation(
            project_id=section.project_id,
            section=section,
            organization_id=org_id,
            role=role,
            started_on=day or section.project.started_on or timezone.localdate(),
            source=ParticipationSource.SECTION,
        )
        for section in sections
        for org_id, role in sorted(section_parties(section))
    ]
    Participation.objects.bulk_create(rows, batch_size=1000)
    core_services.log_changes([(p, "create", None, core_services.snapshot(p)) for p in rows], actor)


# ---- approval lead time -------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTime:
    start: datetime.date | None
    end: datetime.date | None
    calendar_days: int | None
    working_days: int | None
    target: int
    basis: str

    @property
    def days(self) -> int | None:
        return self.working_days if self.basis == LeadTimeBasis.WORKING else self.calendar_days

    @property
    def over_target(self) -> bool:
        return self.days is not None and self.days > self.target

    @property
    def basis_label(self) -> str:
        return LeadTimeBasis(self.basis).label


def lead_time(project: Project, settings: ProjectSettings | None = None) -> LeadTime:
    """Days from project approval (立项) to construction permit (施工许可): calendar and statutory working days.

    When the permit is not yet issued, the span runs to today, so a project already past target shows it.
    """
    settings = settings or ProjectSettings.for_agency(project.agency)
    start = approval_date(project, ApprovalRole.PROJECT_APPROVAL)
    permit = construction_permit_date(project)
    end = permit or (timezone.localdate() if start else None)
    if start is None or end is None:
        return LeadTime(start, permit, None, None, settings.lead_time_target, settings.lead_time_basis)
    return LeadTime(
        start,
        permit,
        (end - start).days,
        working_days_between(start, end),
        settings.lead_time_target,
        settings.lead_time_basis,
    )


def late_approvals_q(today: datetime.date | None = None) -> Q:
    """Approvals obtained after their planned date, or not obtained and past it."""
    today = today or timezone.localdate()
    return Q(actual_date__isnull=True, planned_date__lt=today) | Q(
        actual_date__isnull=False, planned_date__isnull=False, actual_date__gt=F("planned_date")
    )


# ---- annual task lists --------------------------------------------------------------------------


class TaskStatus(models.TextChoices):
    DONE = "done", gettext_lazy("On time")
    DONE_LATE = "done_late", gettext_lazy("Done late")
    PENDING = "pending", gettext_lazy("Not yet due")
    BEHIND = "behind", gettext_lazy("Behind plan")
    MISSED = "missed", gettext_lazy("Missed")


ACHIEVED = (TaskStatus.DONE, TaskStatus.DONE_LATE)
NOT_ACHIEVED = (TaskStatus.BEHIND, TaskStatus.MISSED)


def task_actual_date(item: TaskItem) -> datetime.date | None:
    """The date the task was achieved, derived from the project's milestones (never typed twice).

    start → the start milestone; complete → the completion acceptance; advance → under construction
    during the year (started by its end), dated by the start.
    """
    project = item.project
    year_end = datetime.date(item.task_list.year, 12, 31)
    if item.kind == TaskKind.START:
        day = project.started_on
    elif item.kind == TaskKind.COMPLETE:
        day = project.completed_on
    else:
        day = project.started_on
        if day is not None and day > year_end:
            return None
    return day


def task_status(item: TaskItem, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    year_end = datetime.date(item.task_list.year, 12, 31)
    deadline = item.planned_date or year_end
    actual = task_actual_date(item)
    if actual is not None and actual <= year_end:
        return TaskStatus.DONE if actual <= deadline else TaskStatus.DONE_LATE
    if today > year_end:
        return TaskStatus.MISSED
    return TaskStatus.BEHIND if today > deadline else TaskStatus.PENDING


@dataclass
class TaskRow:
    item: TaskItem
    actual: datetime.date | None
    status: str


@dataclass
class TaskGroup:
    kind: str
    label: str
    rows: list[TaskRow] = field(default_factory=list)

    @property
    def planned(self) -> int:
        return len(self.rows)

    @property
    def achieved(self) -> int:
        return sum(1 for r in self.rows if r.status in ACHIEVED)

    @property
    def behind(self) -> int:
        return sum(1 for r in self.rows if r.status in NOT_ACHIEVED)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.achieved, self.planned)


def task_list_results(task_list: TaskList, today: datetime.date | None = None) -> list[TaskGroup]:
    """Plan vs actual per list (start / advance / complete), each with the projects behind the numbers."""
    groups = {kind: TaskGroup(kind, str(TaskKind(kind).label)) for kind in TaskKind.values}
    items = task_list.items.select_related("project", "task_list").order_by("planned_date", "project__code")
    for item in items:
        groups[item.kind].rows.append(TaskRow(item, task_actual_date(item), task_status(item, today)))
    return [groups[TaskKind.START], groups[TaskKind.ADVANCE], groups[TaskKind.COMPLETE]]
